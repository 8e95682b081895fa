{{
    config(
        indexes=[
            {'columns': ['period_start_date', 'breakdown', 'breakdown_value'], 'unique': true},
            {'columns': ['breakdown']},
        ],
    )
}}

{#
    What happened: monthly KPIs overall and broken down by channel, transaction type,
    product category, merchant category and customer segment (transaction measures), and
    by account status (account measures). One long table so a report filters on breakdown.
#}

{%- set breakdowns = {
    'overall': "'all'",
    'channel': 'channel',
    'transaction_type': 'transaction_type',
    'product_category': 'product_category',
    'merchant_category': "case when has_merchant then merchant_category else 'no_merchant' end",
    'customer_segment': 'customer_segment',
} %}

with transactions as (

    select * from {{ ref('fact_transactions') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

merchants as (

    select * from {{ ref('dim_merchant') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

account_days as (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

enriched as (

    -- only the columns the breakdowns read: every breakdown reads this CTE, so postgres
    -- stores it once, and narrow
    select
        transactions.customer_id,
        transactions.channel,
        transactions.transaction_type,
        transactions.has_merchant,
        transactions.is_approved,
        transactions.is_declined,
        transactions.is_fraud,
        transactions.is_fee_transaction,
        transactions.transaction_amount_abs,
        transactions.approved_amount_abs,
        transactions.fraud_amount_abs,
        transactions.fee_amount,
        cast({{ dbt.date_trunc('month', 'transactions.transaction_date') }} as date) as period_start_date,
        products.product_category,
        merchants.category as merchant_category,
        customers.customer_segment
    from transactions
    left join customers
        on transactions.customer_key = customers.customer_key
    left join merchants
        on transactions.merchant_key = merchants.merchant_key
    left join products
        on transactions.product_key = products.product_key

),

transaction_kpis as (

    {% for breakdown, expression in breakdowns.items() %}
    select
        period_start_date,
        '{{ breakdown }}' as breakdown,
        coalesce(cast({{ expression }} as {{ dbt.type_string() }}), 'unknown') as breakdown_value,
        count(*) as transaction_count,
        sum(case when is_approved then 1 else 0 end) as approved_transaction_count,
        sum(transaction_amount_abs) as transaction_value_amount,
        sum(approved_amount_abs) as approved_value_amount,
        count(distinct customer_id) as active_customers,
        sum(
            case
                when is_approved and is_fee_transaction then transaction_amount_abs
                when is_approved then fee_amount
                else 0
            end
        ) as fee_revenue_amount,
        sum(case when is_fraud then 1 else 0 end) as fraud_transaction_count,
        sum(fraud_amount_abs) as fraud_amount,
        sum(case when is_declined then 1 else 0 end) as declined_transaction_count,
        cast(null as {{ dbt.type_bigint() }}) as account_count,
        cast(null as {{ dbt.type_numeric() }}) as balance_amount
    from enriched
    group by 1, 2, 3
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

account_months as (

    -- one row per account and month: active if any day had a transaction, closed if it
    -- closed that month, and the balance of its last day in the month (the month end, or
    -- its last day when the account closed or the data end within the month: exactly one
    -- such day per account and month). A plain aggregate, no sort of every day
    select
        account_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as period_start_date,
        max(case when has_activity then 1 else 0 end) as has_activity_in_month,
        max(case when is_closing_day then 1 else 0 end) as is_closed_in_month,
        max(case when is_month_end or is_last_day then closing_balance_amount end) as closing_balance_amount
    from account_days
    group by
        account_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)

),

account_kpis as (

    -- status of each account in the month: closed in it, active (any transaction), or dormant
    select
        period_start_date,
        'account_status' as breakdown,
        case
            when is_closed_in_month = 1 then 'closed'
            when has_activity_in_month = 1 then 'active'
            else 'dormant'
        end as breakdown_value,
        cast(null as {{ dbt.type_bigint() }}) as transaction_count,
        cast(null as {{ dbt.type_bigint() }}) as approved_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as transaction_value_amount,
        cast(null as {{ dbt.type_numeric() }}) as approved_value_amount,
        cast(null as {{ dbt.type_bigint() }}) as active_customers,
        cast(null as {{ dbt.type_numeric() }}) as fee_revenue_amount,
        cast(null as {{ dbt.type_bigint() }}) as fraud_transaction_count,
        cast(null as {{ dbt.type_numeric() }}) as fraud_amount,
        cast(null as {{ dbt.type_bigint() }}) as declined_transaction_count,
        count(*) as account_count,
        sum(closing_balance_amount) as balance_amount
    from account_months
    group by 1, 2, 3

),

combined as (

    select * from transaction_kpis
    union all
    select * from account_kpis

),

with_trends as (

    select
        combined.*,
        lag(combined.transaction_value_amount) over (
            partition by combined.breakdown, combined.breakdown_value
            order by combined.period_start_date
        ) as previous_value_amount,
        sum(combined.transaction_value_amount) over (
            partition by combined.breakdown, combined.period_start_date
        ) as period_total_value_amount,
        sum(combined.account_count) over (
            partition by combined.breakdown, combined.period_start_date
        ) as period_total_account_count
    from combined

),

final as (

    select
        -- keys
        period_start_date,
        breakdown,
        breakdown_value,
        -- attributes
        'month' as period_grain,
        {{ dbt.concat([
            "cast(extract(year from period_start_date) as " ~ dbt.type_string() ~ ")",
            "'-'",
            "lpad(cast(extract(month from period_start_date) as " ~ dbt.type_string() ~ "), 2, '0')",
        ]) }} as period_month,
        -- measures
        transaction_count,
        approved_transaction_count,
        transaction_value_amount,
        approved_value_amount,
        active_customers,
        cast(round(cast(transaction_value_amount / nullif(transaction_count, 0) as numeric), 2) as numeric(16, 2))
            as average_ticket_amount,
        fee_revenue_amount,
        fraud_transaction_count,
        fraud_amount,
        declined_transaction_count,
        round(cast({{ safe_ratio('declined_transaction_count', 'transaction_count') }} as numeric), 6) as decline_rate,
        round(cast({{ safe_ratio('fraud_transaction_count', 'transaction_count') }} as numeric), 6) as fraud_rate,
        round(cast({{ safe_ratio('transaction_value_amount', 'period_total_value_amount') }} as numeric), 6)
            as share_of_period_value,
        round(cast(
            {{ safe_ratio('transaction_value_amount - previous_value_amount', 'previous_value_amount') }}
            as numeric
        ), 6) as value_mom_change_pct,
        account_count,
        balance_amount,
        round(cast({{ safe_ratio('account_count', 'period_total_account_count') }} as numeric), 6) as share_of_accounts
    from with_trends

)

select * from final
