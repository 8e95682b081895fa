with

judged_marketing_campaigns as (

    select * from {{ ref('judged_marketing_campaigns') }}

),

accepted as (

    select *
    from judged_marketing_campaigns
    where rejection_reason is null

),

-- latest load wins; ties (same load) broken by batch, then by the row's content hash
ranked as (

    select
        *,
        row_number() over (
            partition by campaign_id, customer_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from accepted

),

final as (

    select
        campaign_id,
        campaign_name,
        campaign_type,
        channel,
        offer_product_id,
        start_date,
        end_date,
        cost_per_contact,
        customer_id,
        assignment_group,
        contacted_at,
        responded,
        converted,
        conversion_value,
        batch_id,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
