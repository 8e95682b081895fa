with indicators as (

    select * from {{ ref('stg_economic_indicators') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

final as (

    select
        -- keys
        {{ dimension_key('dates.date_key', 'indicators.indicator_month') }} as month_key,
        -- measures
        cast(indicators.unemployment_rate as numeric(8, 4)) as unemployment_rate,
        cast(indicators.inflation_rate as numeric(8, 4)) as inflation_rate,
        cast(indicators.policy_rate as numeric(8, 4)) as policy_rate,
        cast(indicators.consumer_confidence as numeric(8, 4)) as consumer_confidence,
        cast(indicators.gdp_growth as numeric(8, 4)) as gdp_growth,
        cast(indicators.housing_price_index as numeric(8, 4)) as housing_price_index,
        -- dates and timestamps
        indicators.indicator_month as month_start_date,
        {{ to_utc_timestamp('indicators.published_at') }} as published_at
    from indicators
    left join dates
        on indicators.indicator_month = dates.calendar_date

)

select * from final
