with

judged_credit_applications as (

    select * from {{ ref('judged_credit_applications') }}

),

accepted as (

    select *
    from judged_credit_applications
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by application_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        application_id,
        customer_id,
        product_id,
        application_time,
        requested_amount,
        term_months,
        declared_income,
        debt_to_income,
        credit_score,
        decision,
        decision_reason,
        approved_amount,
        interest_rate,
        decision_time,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
