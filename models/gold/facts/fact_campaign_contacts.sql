{{
    config(
        indexes=[
            {'columns': ['campaign_contact_key'], 'unique': true},
            {'columns': ['campaign_id', 'assignment_group']},
            {'columns': ['customer_id']},
        ],
    )
}}

with campaign_contacts as (

    select * from {{ ref('stg_marketing_campaigns') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

campaign_design as (

    -- a campaign with a control group was randomised (control customers are listed, not contacted)
    select
        campaign_id,
        max(case when assignment_group = 'control' then 1 else 0 end) = 1 as is_randomised
    from campaign_contacts
    group by campaign_id

),

joined as (

    select
        campaign_contacts.*,
        campaign_design.is_randomised,
        customers.customer_key as resolved_customer_key,
        products.product_key as resolved_product_key
    from campaign_contacts
    inner join campaign_design
        on campaign_contacts.campaign_id = campaign_design.campaign_id
    -- point in time: the customer version valid when the campaign started
    left join customers
        on
            campaign_contacts.customer_id = customers.customer_id
            and cast(campaign_contacts.start_date as {{ dbt.type_timestamp() }}) >= customers.valid_from
            and cast(campaign_contacts.start_date as {{ dbt.type_timestamp() }}) < customers.valid_to
    left join products
        on campaign_contacts.offer_product_id = products.product_id

),

final as (

    select
        -- keys
        {{ gold_surrogate_key(['campaign_id', 'customer_id']) }} as campaign_contact_key,
        {{ dimension_key('resolved_customer_key', 'customer_id') }} as customer_key,
        {{ dimension_key('resolved_product_key', 'offer_product_id') }} as offer_product_key,
        campaign_id,
        customer_id,
        offer_product_id,
        -- attributes
        campaign_name,
        campaign_type,
        channel,
        assignment_group,
        -- measures
        cast(cost_per_contact as numeric(16, 2)) as cost_per_contact,
        cast(case when assignment_group = 'treatment' then cost_per_contact else 0 end as numeric(16, 2))
            as contact_cost_amount,
        cast(case when converted then coalesce(conversion_value, 0) else 0 end as numeric(16, 2))
            as conversion_value_amount,
        -- flags
        is_randomised,
        assignment_group = 'treatment' as is_treatment,
        contacted_at is not null as is_contacted,
        coalesce(responded, false) as is_responded,
        coalesce(converted, false) as is_converted,
        -- dates and timestamps
        start_date as campaign_start_date,
        end_date as campaign_end_date,
        {{ to_utc_timestamp('contacted_at') }} as contacted_at
    from joined

)

select * from final
