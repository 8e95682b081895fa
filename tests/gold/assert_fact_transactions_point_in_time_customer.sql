-- Every transaction carries the customer version valid at its transaction time: a
-- known key must point at a version of the same customer whose half-open range
-- [valid_from, valid_to) holds transaction_at, and an unknown key (-1) is only allowed
-- when no such version exists.
with transactions as (

    select * from {{ ref('fact_transactions') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

resolved as (

    select
        transactions.transaction_id,
        transactions.customer_id,
        transactions.customer_key,
        transactions.transaction_at,
        customers.customer_key as expected_customer_key
    from transactions
    left join customers
        on
            transactions.customer_id = customers.customer_id
            and transactions.transaction_at >= customers.valid_from
            and transactions.transaction_at < customers.valid_to

)

select *
from resolved
where customer_key <> coalesce(expected_customer_key, {{ unknown_member_key() }})
