with

judged_loan_payments as (

    select * from {{ ref('judged_loan_payments') }}

),

accepted as (

    select *
    from judged_loan_payments
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by payment_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        payment_id,
        account_id,
        customer_id,
        installment_number,
        due_date,
        payment_date,
        scheduled_amount,
        paid_amount,
        principal_amount,
        interest_amount,
        late_fee,
        days_past_due,
        payment_status,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
