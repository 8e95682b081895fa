with

clean_products as (

    select * from {{ ref('clean_products') }}

),

accepted as (

    select *
    from clean_products
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by product_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
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
        is_complete,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
