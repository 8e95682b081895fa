with

judged_customer_interactions as (

    select * from {{ ref('judged_customer_interactions') }}

),

accepted as (

    select *
    from judged_customer_interactions
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by interaction_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        interaction_id,
        customer_id,
        interaction_time,
        channel,
        interaction_type,
        reason,
        resolution_status,
        handle_time_seconds,
        satisfaction_score,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
