with merchants as (

    select * from {{ ref('stg_merchants') }}

),

merchant_attributes as (

    select
        -- keys
        {{ gold_surrogate_key(['merchant_id']) }} as merchant_key,
        merchant_id,
        -- attributes
        merchant_name,
        coalesce(merchant_category, 'unknown') as category,
        mcc_code,
        city,
        state,
        country,
        latitude,
        longitude,
        risk_level,
        case risk_level
            when 'low' then 1
            when 'medium' then 2
            when 'high' then 3
        end as risk_score,
        case when is_online then 'online' else 'physical' end as merchant_channel,
        -- flags
        risk_level = 'high' as is_high_risk,
        is_online,
        country = 'US' as is_domestic,
        -- dates and timestamps
        onboarded_date,
        cast({{ dbt.date_trunc('month', 'onboarded_date') }} as date) as onboarded_month_date,
        {{ to_utc_timestamp('updated_at') }} as source_updated_at
    from merchants

),

special_members as (

    select
        {{ unknown_member_key() }} as member_key,
        'UNKNOWN' as member_id,
        'Unknown' as member_label
    union all
    select
        {{ not_applicable_member_key() }} as member_key,
        'NOT_APPLICABLE' as member_id,
        'Not applicable' as member_label

),

special_rows as (

    select
        member_key as merchant_key,
        member_id as merchant_id,
        member_label as merchant_name,
        'unknown' as category,
        cast(null as {{ dbt.type_string() }}) as mcc_code,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as state,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as {{ dbt.type_numeric() }}) as latitude,
        cast(null as {{ dbt.type_numeric() }}) as longitude,
        'unknown' as risk_level,
        cast(null as {{ dbt.type_int() }}) as risk_score,
        'unknown' as merchant_channel,
        false as is_high_risk,
        false as is_online,
        false as is_domestic,
        cast(null as date) as onboarded_date,
        cast(null as date) as onboarded_month_date,
        cast(null as {{ dbt.type_timestamp() }}) as source_updated_at
    from special_members

),

final as (

    select * from merchant_attributes
    union all
    select * from special_rows

)

select * from final
