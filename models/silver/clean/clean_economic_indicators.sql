{#
    Every bronze economic_indicators row, cleaned and judged: one row per bronze row. An
    indicator month refers to no other table, so its own values decide and this is its
    final verdict: stg_economic_indicators reads the accepted rows (rejection_reason is
    null), rejected_rows keeps the others with their raw row. It reads nothing but its
    source, so it runs beside the other clean_* models. A table, rebuilt each run: every
    reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'economic_indicators') }}

),

cleaned as (

    select
        indicator_month,
        unemployment_rate,
        inflation_rate,
        policy_rate,
        consumer_confidence,
        gdp_growth,
        housing_price_index,
        published_at,
        false as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        {{ raw_row_json('source') }} as raw_row
    from source

),

judged as (

    select
        cleaned.*,
        case
            when
                cleaned.indicator_month is null
                then 'missing_required_field'
            when
                cleaned.unemployment_rate not between 0 and 100
                or cleaned.consumer_confidence < 0
                or cleaned.housing_price_index < 0
                then 'invalid_value'
        end as rejection_reason
    from cleaned

),

final as (

    select
        -- keys
        cast(indicator_month as {{ dbt.type_string() }}) as natural_key,
        -- attributes
        indicator_month,
        unemployment_rate,
        inflation_rate,
        policy_rate,
        consumer_confidence,
        gdp_growth,
        housing_price_index,
        published_at,
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        {{ row_content_hash([
            'indicator_month',
            'unemployment_rate',
            'inflation_rate',
            'policy_rate',
            'consumer_confidence',
            'gdp_growth',
            'housing_price_index',
            'published_at',
        ]) }} as row_hash,
        -- verdict
        rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when rejection_reason is not null then raw_row end as raw_row
    from judged

)

select * from final
