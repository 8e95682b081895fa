{#
    Every bronze merchants row, cleaned and judged: one row per bronze row. A merchant
    refers to no other table, so its own values decide and this is its final verdict:
    registry_merchants and stg_merchants read the accepted rows (rejection_reason is
    null), rejected_rows keeps the others with their raw row. It reads nothing but its
    source, so it runs beside the other clean_* models. A table, rebuilt each run: every
    reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'merchants') }}

),

cleaned as (

    select
        {{ clean_id('merchant_id') }} as merchant_id,
        {{ clean_text('merchant_name') }} as merchant_name,
        {{ clean_code('merchant_category') }} as merchant_category,
        {{ clean_text('mcc_code') }} as mcc_code,
        {{ clean_text('city') }} as city,
        {{ clean_text('state') }} as state,
        {{ clean_iso_code('country') }} as country,
        latitude,
        longitude,
        {{ clean_code('risk_level') }} as risk_level,
        is_online,
        onboarded_date,
        updated_at,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('merchant_category') }} != merchant_category, false)
            or coalesce({{ clean_iso_code('country') }} != country, false)
            or coalesce({{ clean_code('risk_level') }} != risk_level, false)
        ) as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        {{ raw_row_json('source') }} as raw_row
    from source

),

-- master data: a bad attribute is nulled and flagged, the row stays (no orphaned children)
checked as (

    select
        cleaned.merchant_id,
        cleaned.merchant_name,
        cleaned.merchant_category,
        cleaned.mcc_code,
        cleaned.city,
        cleaned.state,
        cleaned.country,
        cleaned.latitude,
        cleaned.longitude,
        case when cleaned.risk_level in ('low', 'medium', 'high') then cleaned.risk_level end as risk_level,
        cleaned.is_online,
        cleaned.onboarded_date,
        cleaned.updated_at,
        cleaned.is_code_repaired,
        cleaned.batch_id,
        cleaned.loaded_at,
        cleaned.raw_row,
        (
            cleaned.merchant_name is not null
            and cleaned.merchant_category is not null
            and cleaned.risk_level is not null
            and coalesce(cleaned.risk_level in ('low', 'medium', 'high'), true)
        ) as is_complete
    from cleaned

),

judged as (

    select
        checked.*,
        case
            when {{ id_too_long(['checked.merchant_id']) }}
                then 'value_too_long'
            when
                checked.merchant_id is null
                then 'missing_required_field'
        end as rejection_reason
    from checked

),

final as (

    select
        -- keys
        merchant_id as natural_key,
        -- attributes
        merchant_id,
        merchant_name,
        merchant_category,
        mcc_code,
        city,
        state,
        country,
        latitude,
        longitude,
        risk_level,
        is_online,
        onboarded_date,
        updated_at,
        -- flags
        is_complete,
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        {{ row_content_hash([
            'merchant_id',
            'merchant_name',
            'merchant_category',
            'mcc_code',
            'city',
            'state',
            'country',
            'latitude',
            'longitude',
            'risk_level',
            'is_online',
            'onboarded_date',
            'updated_at',
        ]) }} as row_hash,
        -- verdict
        rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when rejection_reason is not null then raw_row end as raw_row
    from judged

)

select * from final
