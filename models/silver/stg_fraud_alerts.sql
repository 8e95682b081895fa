with

judged_fraud_alerts as (

    select * from {{ ref('judged_fraud_alerts') }}

),

accepted as (

    select *
    from judged_fraud_alerts
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by alert_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        alert_id,
        transaction_id,
        customer_id,
        alert_time,
        alert_type,
        severity,
        rule_score,
        alert_status,
        resolved_at,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
