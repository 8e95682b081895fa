-- noqa: disable=RF04
-- The "Querying Data" examples of the reference design run unchanged against gold
-- (fraud by merchant over the last 30 days, monthly KPIs); they fail this test only if
-- they return impossible rows.
with fraud_by_merchant as (

    select
        m.merchant_name,
        m.category,
        count(*) as fraud_count,
        sum(f.transaction_amount_abs) as fraud_amount
    from {{ ref('fact_transactions') }} as f
    inner join {{ ref('dim_merchant') }} as m on f.merchant_key = m.merchant_key
    where
        f.is_fraud = true
        and f.transaction_date >= current_date - interval '30 days'
    group by m.merchant_name, m.category

),

monthly_kpis as (

    select
        to_char(transaction_date, 'YYYY-MM') as month,
        count(*) as transactions,
        count(distinct customer_key) as active_customers,
        sum(transaction_amount_abs) as volume,
        avg(transaction_amount_abs) as avg_transaction
    from {{ ref('fact_transactions') }}
    group by to_char(transaction_date, 'YYYY-MM')

)

select
    'fraud_by_merchant' as query_name,
    merchant_name as label
from fraud_by_merchant
where fraud_count <= 0 or fraud_amount < 0
union all
select
    'monthly_kpis' as query_name,
    month as label
from monthly_kpis
where transactions <= 0 or active_customers <= 0 or volume < 0
