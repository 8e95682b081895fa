{#
    Every bronze accounts row, cleaned and judged by its own values: one row per bronze
    row. An account is rejected only for a missing key or an oversized identifier, so
    this verdict is final: registry_accounts reads the accepted rows, rejected_rows the
    others with their raw row. Whether its customer and product are known is judged
    after, in judged_accounts, against the registries. It reads nothing but its source,
    so it runs beside the other clean_* models. A table, rebuilt each run: every reader
    shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'accounts') }}

),

cleaned as (

    select
        {{ clean_id('account_id') }} as account_id,
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_id('product_id') }} as product_id,
        {{ clean_code('account_type') }} as account_type,
        {{ clean_code('account_status') }} as account_status,
        {{ clean_iso_code('currency') }} as currency,
        opened_date,
        closed_date,
        opening_balance,
        current_balance,
        credit_limit,
        interest_rate,
        created_at,
        updated_at,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('account_type') }} != account_type, false)
            or coalesce({{ clean_code('account_status') }} != account_status, false)
            or coalesce({{ clean_iso_code('currency') }} != currency, false)
        ) as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        {{ raw_row_json('source') }} as raw_row
    from source

),

-- master data: a bad attribute is nulled and flagged, the row stays (no orphaned children)
checked as (

    select
        cleaned.account_id,
        cleaned.customer_id,
        cleaned.product_id,
        case when cleaned.account_type in ('checking', 'savings', 'credit_card', 'loan') then cleaned.account_type end
            as account_type,
        case when cleaned.account_status in ('active', 'dormant', 'closed') then cleaned.account_status end
            as account_status,
        cleaned.currency,
        cleaned.opened_date,
        cleaned.closed_date,
        cleaned.opening_balance,
        cleaned.current_balance,
        cleaned.credit_limit,
        cleaned.interest_rate,
        cleaned.created_at,
        cleaned.updated_at,
        cleaned.is_code_repaired,
        cleaned.batch_id,
        cleaned.loaded_at,
        cleaned.raw_row,
        (
            cleaned.customer_id is not null
            and cleaned.product_id is not null
            and cleaned.account_type is not null
            and cleaned.account_status is not null
            and cleaned.currency is not null
            and cleaned.opened_date is not null
            and coalesce(cleaned.account_type in ('checking', 'savings', 'credit_card', 'loan'), true)
            and coalesce(cleaned.account_status in ('active', 'dormant', 'closed'), true)
        ) as is_complete
    from cleaned

),

judged as (

    select
        checked.*,
        case
            when {{ id_too_long(['checked.account_id', 'checked.customer_id', 'checked.product_id']) }}
                then 'value_too_long'
            when
                checked.account_id is null
                then 'missing_required_field'
        end as rejection_reason
    from checked

),

final as (

    select
        -- keys
        account_id as natural_key,
        -- attributes
        account_id,
        customer_id,
        product_id,
        account_type,
        account_status,
        currency,
        opened_date,
        closed_date,
        opening_balance,
        current_balance,
        credit_limit,
        interest_rate,
        created_at,
        updated_at,
        -- flags
        is_complete,
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        {{ row_content_hash([
            'account_id',
            'customer_id',
            'product_id',
            'account_type',
            'account_status',
            'currency',
            'opened_date',
            'closed_date',
            'opening_balance',
            'current_balance',
            'credit_limit',
            'interest_rate',
            'created_at',
            'updated_at',
        ]) }} as row_hash,
        -- verdict
        rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when rejection_reason is not null then raw_row end as raw_row
    from judged

)

select * from final
