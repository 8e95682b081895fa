{#
    Every row of clean_credit_applications with its final verdict. A row its own values
    accepted is judged against what it refers to: a customer or product silver never
    staged (orphan_customer, orphan_product: not in registry_customers,
    registry_products); a fault of the row's own keeps the reason
    clean_credit_applications gave it, so it always comes first. Then the rows of one
    key and load still accepted are compared (conflicting_duplicate: the later decision
    (decision_time) wins; the same content twice is a duplicate, which staging removes).
    stg_credit_applications keeps the accepted rows and deduplicates them; rejected_rows
    keeps the others with their raw row. A table, rebuilt each run: every reader shares
    one verdict per row.
#}
{%- set columns = [
    'application_id', 'customer_id', 'product_id', 'application_time', 'requested_amount',
    'term_months', 'declared_income', 'debt_to_income', 'credit_score', 'decision',
    'decision_reason', 'approved_amount', 'interest_rate', 'decision_time',
] %}

with

cleaned as (

    select * from {{ ref('clean_credit_applications') }}

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
                cleaned.product_id is not null and known_products.product_id is null
                then 'orphan_product'
        end as rejection_reason
    from cleaned
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id
    left join known_products
        on cleaned.product_id = known_products.product_id

),

-- two accepted rows of one key in one load that say different things (conflicting_duplicate):
-- the later decision (decision_time) wins
verdicts as (

    select
        judged.*,
        {{ conflicting_duplicate_verdict('application_id', 'decision_time desc nulls last') }} as verdict
    from judged

),

final as (

    select
        {{ judged_output_columns(columns) }}
    from verdicts

)

select * from final
