-- The monthly customer fact counts every transaction of a known customer exactly once.
with monthly as (

    select sum(transaction_count) as monthly_transactions
    from {{ ref('fact_customer_monthly') }}

),

facts as (

    select count(*) as fact_transactions
    from {{ ref('fact_transactions') }} as fact_rows
    where fact_rows.customer_id in (
        select customers.customer_id from {{ ref('dim_customer') }} as customers
    )

)

select
    monthly.monthly_transactions,
    facts.fact_transactions
from monthly
cross join facts
where monthly.monthly_transactions <> facts.fact_transactions
