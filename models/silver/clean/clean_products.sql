{#
    Every bronze products row, cleaned and judged: one row per bronze row. A product
    refers to no other table, so its own values decide and this is its final verdict:
    registry_products and stg_products read the accepted rows (rejection_reason is
    null), rejected_rows keeps the others with their raw row. It reads nothing but its
    source, so it runs beside the other clean_* models. A table, rebuilt each run: every
    reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'products') }}

),

cleaned as (

    select
        {{ clean_id('product_id') }} as product_id,
        {{ clean_text('product_name') }} as product_name,
        {{ clean_code('product_category') }} as product_category,
        {{ clean_code('product_type') }} as product_type,
        interest_rate,
        annual_fee,
        monthly_fee,
        min_balance,
        credit_limit_max,
        term_months,
        is_active,
        launched_date,
        updated_at,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('product_category') }} != product_category, false)
            or coalesce({{ clean_code('product_type') }} != product_type, false)
        ) as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        {{ raw_row_json('source') }} as raw_row
    from source

),

-- master data: a bad attribute is nulled and flagged, the row stays (no orphaned children)
checked as (

    select
        cleaned.product_id,
        cleaned.product_name,
        case
            when
                cleaned.product_category in ('deposit', 'credit', 'lending', 'investment')
                then cleaned.product_category
        end as product_category,
        cleaned.product_type,
        cleaned.interest_rate,
        cleaned.annual_fee,
        cleaned.monthly_fee,
        cleaned.min_balance,
        cleaned.credit_limit_max,
        cleaned.term_months,
        cleaned.is_active,
        cleaned.launched_date,
        cleaned.updated_at,
        cleaned.is_code_repaired,
        cleaned.batch_id,
        cleaned.loaded_at,
        cleaned.raw_row,
        (
            cleaned.product_name is not null
            and cleaned.product_category is not null
            and cleaned.product_type is not null
            and coalesce(cleaned.product_category in ('deposit', 'credit', 'lending', 'investment'), true)
        ) as is_complete
    from cleaned

),

judged as (

    select
        checked.*,
        case
            when {{ id_too_long(['checked.product_id']) }}
                then 'value_too_long'
            when
                checked.product_id is null
                then 'missing_required_field'
        end as rejection_reason
    from checked

),

final as (

    select
        -- keys
        product_id as natural_key,
        -- attributes
        product_id,
        product_name,
        product_category,
        product_type,
        interest_rate,
        annual_fee,
        monthly_fee,
        min_balance,
        credit_limit_max,
        term_months,
        is_active,
        launched_date,
        updated_at,
        -- flags
        is_complete,
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        {{ row_content_hash([
            'product_id',
            'product_name',
            'product_category',
            'product_type',
            'interest_rate',
            'annual_fee',
            'monthly_fee',
            'min_balance',
            'credit_limit_max',
            'term_months',
            'is_active',
            'launched_date',
            'updated_at',
        ]) }} as row_hash,
        -- verdict
        rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when rejection_reason is not null then raw_row end as raw_row
    from judged

)

select * from final
