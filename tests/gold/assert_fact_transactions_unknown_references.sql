{{ config(severity='warn') }}
-- Audit: how many facts point at an unknown member (-1), per dimension. Such facts are
-- kept and retried on the next incremental run; this warns with their count.
with facts as (

    select * from {{ ref('fact_transactions') }}

),

counts as (

    select
        sum(case when is_customer_unknown then 1 else 0 end) as unknown_customer_facts,
        sum(case when is_merchant_unknown then 1 else 0 end) as unknown_merchant_facts,
        sum(case when is_product_unknown then 1 else 0 end) as unknown_product_facts,
        sum(case when date_key = {{ unknown_member_key() }} then 1 else 0 end) as unknown_date_facts
    from facts

)

select *
from counts
where unknown_customer_facts + unknown_merchant_facts + unknown_product_facts + unknown_date_facts > 0
