{#
    Every row of clean_marketing_campaigns with its final verdict. A row its own values
    accepted is judged against what it refers to: a customer or offered product silver
    never staged (orphan_customer, orphan_product: not in registry_customers,
    registry_products); a fault of the row's own keeps the reason
    clean_marketing_campaigns gave it, so it always comes first. Then the rows of one
    key and load still accepted are compared (conflicting_duplicate: no column says
    which came later, so the content hash decides; the same content twice is a
    duplicate, which staging removes). stg_marketing_campaigns keeps the accepted rows
    and deduplicates them; rejected_rows keeps the others with their raw row. A table,
    rebuilt each run: every reader shares one verdict per row.
#}
{%- set columns = [
    'campaign_id', 'campaign_name', 'campaign_type', 'channel', 'offer_product_id', 'start_date',
    'end_date', 'cost_per_contact', 'customer_id', 'assignment_group', 'contacted_at', 'responded',
    'converted', 'conversion_value',
] %}

with

cleaned as (

    select * from {{ ref('clean_marketing_campaigns') }}

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

known_products as (

    select product_id from {{ ref('registry_products') }}

),

judged as (

    select
        {{ judged_input_columns(columns) }}
        case
            -- a fault of the row's own comes first
            when cleaned.rejection_reason is not null
                then cleaned.rejection_reason
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
            when
                cleaned.offer_product_id is not null and known_products.product_id is null
                then 'orphan_product'
        end as rejection_reason
    from cleaned
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id
    left join known_products
        on cleaned.offer_product_id = known_products.product_id

),

-- two accepted rows of one key in one load that say different things (conflicting_duplicate):
-- no column says which came later, so the content hash decides
verdicts as (

    select
        judged.*,
        {{ conflicting_duplicate_verdict('campaign_id, customer_id') }} as verdict
    from judged

),

final as (

    select
        {{ judged_output_columns(columns) }}
    from verdicts

)

select * from final
