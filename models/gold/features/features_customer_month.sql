{{
    config(
        indexes=[
            {'columns': ['customer_id', 'month_start_date'], 'unique': true},
            {'columns': ['month_start_date']},
        ],
    )
}}

{#
    Churn features: one row per customer and month, describing the customer as the bank
    saw them at the end of that month (only that month and earlier ones). The label looks
    forward: by the end of the month `churn_horizon_months` later, the customer has no open
    account or made no approved transaction in that month. The training population are
    customers still with us at the cutoff (an open account at month end and activity in the
    last three months), so the model predicts churn before it happens rather than
    recognising closed accounts. Label columns start with label_ and are never features;
    neither is anything the churn itself sets (customer status, account closures).
#}

{%- set horizon = var('churn_horizon_months', 2) %}

with customer_months as (

    select * from {{ ref('fact_customer_monthly') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

transactions as (

    -- only the columns used: the CTE is read three times, so postgres stores it
    select
        customer_id,
        transaction_date,
        transaction_type,
        is_approved,
        is_fee_transaction,
        transaction_amount_abs
    from {{ ref('fact_transactions') }}

),

account_days as (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

open_at_month_end as (

    -- accounts still open on the last day of the month (closed ones end on their closing
    -- day); month ends are read through the snapshot's date_key index, not a full scan
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start_date,
        count(*) as open_account_count
    from account_days
    where
        is_month_end
        and date_key in (
            select dates.date_key
            from dates
            where dates.is_month_end
        )
    group by 1, 2

),

last_activity as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start_date,
        min(transaction_date) as first_approved_date,
        max(transaction_date) as last_approved_date,
        -- bank-initiated charges (maintenance, overdraft, ...) are their own transactions
        sum(case when is_fee_transaction then transaction_amount_abs else 0 end) as fee_charge_amount
    from transactions
    where is_approved and customer_id is not null
    group by 1, 2

),

recent_activity as (

    -- customer-initiated activity (purchases and withdrawals; standing orders and salary
    -- postings run on their own) in the last 14 days of the month against the 60 days
    -- before them: a falling rate shows here weeks before it shows in monthly counts
    select
        customer_months.customer_id,
        customer_months.month_start_date,
        sum(
            case
                when transactions.transaction_date > {{ dbt.dateadd('day', -14, 'customer_months.month_end_date') }}
                    then 1
                else 0
            end
        ) as txn_count_last_14d,
        sum(
            case
                when transactions.transaction_date <= {{ dbt.dateadd('day', -14, 'customer_months.month_end_date') }}
                    then 1
                else 0
            end
        ) as txn_count_prior_60d
    from customer_months
    inner join transactions
        on
            customer_months.customer_id = transactions.customer_id
            and transactions.is_approved
            and transactions.transaction_type in ('purchase', 'withdrawal')
            and transactions.transaction_date > {{ dbt.dateadd('day', -74, 'customer_months.month_end_date') }}
            and customer_months.month_end_date >= transactions.transaction_date
    group by 1, 2

),

panel as (

    select
        customer_months.*,
        coalesce(open_at_month_end.open_account_count, 0) as open_accounts_at_month_end,
        last_activity.first_approved_date,
        last_activity.last_approved_date,
        coalesce(last_activity.fee_charge_amount, 0) as fee_charge_amount,
        coalesce(recent_activity.txn_count_last_14d, 0) as txn_count_last_14d,
        coalesce(recent_activity.txn_count_prior_60d, 0) as txn_count_prior_60d
    from customer_months
    left join open_at_month_end
        on
            customer_months.customer_id = open_at_month_end.customer_id
            and customer_months.month_start_date = open_at_month_end.month_start_date
    left join last_activity
        on
            customer_months.customer_id = last_activity.customer_id
            and customer_months.month_start_date = last_activity.month_start_date
    left join recent_activity
        on
            customer_months.customer_id = recent_activity.customer_id
            and customer_months.month_start_date = recent_activity.month_start_date

),

data_end as (

    -- the last month whose every day is in the data; a label needs complete months
    select
        max(transaction_date) as last_transaction_date,
        cast({{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'max(transaction_date)')) }} as date)
            as first_incomplete_month_date
    from transactions

),

history as (

    select
        panel.customer_id,
        panel.customer_key,
        panel.month_start_date,
        panel.month_end_date,
        panel.approved_transaction_count,
        panel.transaction_volume_amount,
        panel.end_of_month_balance_amount,
        panel.open_accounts_at_month_end,
        panel.month_sequence_number,
        panel.txn_count_last_14d,
        panel.txn_count_prior_60d,
        sum(panel.approved_transaction_count) over w3 as txn_count_3m,
        sum(panel.approved_transaction_count) over w_prev2 as txn_count_prev_2m,
        sum(panel.transaction_volume_amount) over w3 as volume_3m,
        panel.credit_volume_amount as inflow_1m_amount,
        sum(panel.credit_volume_amount) over w_prev2 as inflow_prev_2m_amount,
        panel.debit_volume_amount as outflow_1m_amount,
        sum(panel.debit_volume_amount) over w_prev2 as outflow_prev_2m_amount,
        sum(panel.transaction_volume_amount) over w_prev2 as volume_prev_2m,
        max(panel.last_approved_date) over w_to_date as last_approved_date_to_date,
        min(panel.first_approved_date) over w_to_date as first_approved_date_to_date,
        sum(panel.active_days_count) over w3 as active_days_3m,
        sum(panel.declined_transaction_count) over w3 as declined_3m,
        sum(panel.transaction_count) over w3 as all_txn_count_3m,
        sum(panel.online_transaction_count + panel.mobile_transaction_count) over w3
            as digital_txn_count_3m,
        sum(panel.complaint_count) over w3 as complaints_3m,
        sum(panel.complaint_count) over w12 as complaints_12m,
        sum(panel.fee_dispute_count) over w3 as fee_disputes_3m,
        sum(panel.interaction_count) over w3 as interactions_3m,
        avg(panel.avg_satisfaction_score) over w3 as avg_satisfaction_3m,
        sum(panel.fee_charge_amount + panel.fee_amount + panel.late_fee_amount) over w3 as fee_amount_3m,
        sum(panel.fee_charge_amount + panel.fee_amount + panel.late_fee_amount) over w12 as fee_amount_12m,
        sum(panel.late_payment_count + panel.missed_payment_count) over w12
            as late_payments_12m,
        lag(panel.end_of_month_balance_amount, 3) over w_order as balance_3m_ago_amount,
        max(case when panel.approved_transaction_count > 0 then panel.month_sequence_number end)
            over w_to_date as last_active_sequence_number,
        lead(panel.approved_transaction_count, {{ horizon }}) over w_order as label_horizon_txn_count,
        lead(panel.open_accounts_at_month_end, {{ horizon }}) over w_order as label_horizon_open_accounts,
        count(*) over w_next as label_next_month_count
    from panel
    window
        w_order as (partition by panel.customer_id order by panel.month_start_date),
        w3 as (
            partition by panel.customer_id order by panel.month_start_date
            rows between 2 preceding and current row
        ),
        w_prev2 as (
            partition by panel.customer_id order by panel.month_start_date
            rows between 2 preceding and 1 preceding
        ),
        w12 as (
            partition by panel.customer_id order by panel.month_start_date
            rows between 11 preceding and current row
        ),
        w_to_date as (
            partition by panel.customer_id order by panel.month_start_date
            rows between unbounded preceding and current row
        ),
        w_next as (
            partition by panel.customer_id order by panel.month_start_date
            rows between 1 following and {{ horizon }} following
        )

),

features as (

    select
        -- keys
        history.customer_id,
        {{ dimension_key('history.customer_key', 'history.customer_id') }} as customer_key,
        -- attributes (stable customer attributes of the month-end version)
        customers.customer_segment,
        customers.credit_score,
        customers.annual_income,
        customers.employment_status,
        customers.preferred_channel,
        {{ dbt.datediff('customers.customer_since_date', 'history.month_end_date', 'month') }}
            as tenure_months,
        -- features: activity
        history.approved_transaction_count as txn_count_1m,
        coalesce(history.txn_count_3m, 0) as txn_count_3m,
        coalesce(history.txn_count_prev_2m, 0) as txn_count_prev_2m,
        -- this month against the average of the two before (1 = steady, < 1 = falling)
        {{ trend_ratio('history.approved_transaction_count', 'history.txn_count_prev_2m', '1.0') }}
            as activity_trend_ratio,
        {{ trend_ratio('history.transaction_volume_amount', 'history.volume_prev_2m', '1.0') }}
            as volume_trend_ratio,
        coalesce(history.volume_3m, 0) as volume_3m,
        -- money in and out this month against the average of the two before: income that
        -- stops arriving is what a bank sees when a customer moves their salary away
        {{ trend_ratio('history.inflow_1m_amount', 'history.inflow_prev_2m_amount', '100.0') }}
            as inflow_trend_ratio,
        {{ trend_ratio('history.outflow_1m_amount', 'history.outflow_prev_2m_amount', '100.0') }}
            as outflow_trend_ratio,
        history.txn_count_last_14d,
        history.txn_count_prior_60d,
        -- the last 14 days' rate against the 60 days before (1 = steady, < 1 = slowing down)
        round(cast(
            (history.txn_count_last_14d + 0.5) / (history.txn_count_prior_60d * 14.0 / 60.0 + 0.5)
            as numeric
        ), 4) as recent_rate_ratio,
        {{ dbt.datediff('history.last_approved_date_to_date', 'history.month_end_date', 'day') }}
            as days_since_last_transaction,
        {{ dbt.datediff('history.first_approved_date_to_date', 'history.month_end_date', 'month') }}
            as history_months,
        coalesce(history.active_days_3m, 0) as active_days_3m,
        cast(history.month_sequence_number - coalesce(history.last_active_sequence_number, 0) as {{ dbt.type_int() }})
            as months_since_active,
        round(cast(coalesce(history.digital_txn_count_3m, 0) * 1.0 / nullif(history.all_txn_count_3m, 0) as numeric), 4)
            as digital_share_3m,
        round(cast(coalesce(history.declined_3m, 0) * 1.0 / nullif(history.all_txn_count_3m, 0) as numeric), 4)
            as decline_rate_3m,
        -- features: service and fees
        coalesce(history.complaints_3m, 0) as complaints_3m,
        coalesce(history.complaints_12m, 0) as complaints_12m,
        coalesce(history.fee_disputes_3m, 0) as fee_disputes_3m,
        coalesce(history.interactions_3m, 0) as interactions_3m,
        round(cast(history.avg_satisfaction_3m as numeric), 4) as avg_satisfaction_3m,
        coalesce(history.fee_amount_3m, 0) as fee_amount_3m,
        coalesce(history.fee_amount_12m, 0) as fee_amount_12m,
        coalesce(history.late_payments_12m, 0) as late_payments_12m,
        -- features: balances
        history.end_of_month_balance_amount,
        history.end_of_month_balance_amount - history.balance_3m_ago_amount as balance_change_3m_amount,
        history.open_accounts_at_month_end,
        -- label (never a feature): gone by the end of the horizon
        {{ horizon }} as label_horizon_months,
        coalesce(history.label_horizon_txn_count, 0) = 0
        or coalesce(history.label_horizon_open_accounts, 0) = 0 as label_churned_next_horizon,
        history.label_next_month_count = {{ horizon }}
        and {{ dbt.dateadd('month', horizon + 1, 'history.month_start_date') }} <= data_end.first_incomplete_month_date
            as label_is_observable,
        -- flags
        history.approved_transaction_count > 0
        and history.open_accounts_at_month_end > 0
        and 2 <= {{ dbt.datediff('history.first_approved_date_to_date', 'history.month_end_date', 'month') }}
            as is_in_churn_population,
        -- the last complete month: the scores describe the customer as of its end
        history.month_start_date = {{ dbt.dateadd('month', -1, 'data_end.first_incomplete_month_date') }}
            as is_scoring_month,
        -- dates
        history.month_start_date,
        history.month_end_date
    from history
    cross join data_end
    left join customers
        on history.customer_key = customers.customer_key

),

final as (

    select
        features.*,
        -- rule-based churn score (fallback when no model score exists); documented in
        -- _gold__features.yml
        cast(round(cast(1.0 / (1.0 + exp(-(
            -2.2
            - 1.5 * ln(features.activity_trend_ratio)
            + 0.9 * least(features.months_since_active, 3)
            + 0.5 * least(features.complaints_3m, 3)
            + 0.4 * least(features.fee_disputes_3m, 3)
            + 0.02 * least(features.fee_amount_3m, 100)
        ))) as numeric), 4) as {{ dbt.type_numeric() }}) as rule_churn_score
    from features

)

select * from final
