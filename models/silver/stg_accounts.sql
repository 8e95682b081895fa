with

judged_accounts as (

    select * from {{ ref('judged_accounts') }}

),

accepted as (

    select *
    from judged_accounts
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by account_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
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
        is_complete,
        is_customer_known,
        is_product_known,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
