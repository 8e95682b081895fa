with

clean_economic_indicators as (

    select * from {{ ref('clean_economic_indicators') }}

),

accepted as (

    select *
    from clean_economic_indicators
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by indicator_month
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        indicator_month,
        unemployment_rate,
        inflation_rate,
        policy_rate,
        consumer_confidence,
        gdp_growth,
        housing_price_index,
        published_at,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
