with

clean_merchants as (

    select * from {{ ref('clean_merchants') }}

),

accepted as (

    select *
    from clean_merchants
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by merchant_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
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
        is_complete,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
