{{
    config(
        materialized='incremental',
        incremental_strategy='partition_periods',
        unique_key=['customer_id', 'month_start_date'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['customer_id', 'month_start_date'], 'unique': true},
            {'columns': ['month_start_date']},
            {'columns': ['dbt_loaded_at']},
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

{#- Incremental. Row (C, M) reads C's fact_customer_monthly rows from its first month to
    M + horizon (frames back to M - 11; the running first and last approved day and last
    active month over all earlier months; labels forward to M + horizon), C's transactions
    up to M's end, C's month-end account days of M and M + horizon, the attributes of a
    customer version (fixed per customer_key) and the data's last day (scoring month,
    observable labels). A run recomputes each customer from R = horizon months before the
    earliest of:
    - the first month fact_customer_monthly recomputes: the latest month held minus var
      fact_customer_monthly_lookback_months (late transactions reach back 3 days);
    - the data's first incomplete month now: the scoring month and the observable labels
      follow it (earlier than the above only when the data's end moved back);
    - the customer's earliest month with an input row written since this table's latest
      write (dbt_loaded_at of fact_customer_monthly, fact_transactions and the account
      snapshot's month ends): a customer that fact_customer_monthly rebuilt (new, or its
      held history no longer matched), a transaction re-sent months late; or the first
      month of a customer version whose attributes a source correction changed.
    The first two give W, the same for every customer; the third moves a few customers
    earlier (early_customers). No input of a row before R changed, so those rows stay as
    held, and the strategy (macros/gold_incremental.sql) replaces each customer's rows
    from R on. The frames of the recomputed rows read the 11 months before R as context
    (fact_customer_monthly's months are contiguous per customer, so rows are months); what
    the running frames need from further back is carried from the held row just before R,
    set on that context row: the last approved day (its month end minus
    days_since_last_transaction), a day of the first one's month (history_months back:
    only months are counted from it) and the last active month (month_sequence_number minus
    months_since_active). A deleted input row leaves no dbt_loaded_at:
    fact_customer_monthly only deletes a customer's months from the first one it rewrites;
    a transaction or account day withdrawn or moved away from a month before R needs
    --full-refresh, as it does for fact_customer_monthly. -#}
{%- set horizon = var('churn_horizon_months', 2) %}
{%- set lookback_months = var('fact_customer_monthly_lookback_months', 1) %}
{#- rows before the current one the longest trailing frame (w12) reads -#}
{%- set context_months = 11 %}
{%- set far_past_date = "cast('1900-01-01' as date)" %}

-- not materialized (postgres): read several times, through different indexes; only the
-- columns used, as the window functions copy every row they sort
with customer_months as not materialized (

    select
        customer_id,
        customer_key,
        month_key,
        month_start_date,
        month_end_date,
        month_sequence_number,
        transaction_count,
        approved_transaction_count,
        declined_transaction_count,
        online_transaction_count,
        mobile_transaction_count,
        active_days_count,
        transaction_volume_amount,
        credit_volume_amount,
        debit_volume_amount,
        fee_amount,
        end_of_month_balance_amount,
        interaction_count,
        complaint_count,
        fee_dispute_count,
        avg_satisfaction_score,
        late_payment_count,
        missed_payment_count,
        late_fee_amount,
        dbt_loaded_at
    from {{ ref('fact_customer_monthly') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

-- not materialized: the latest day comes from the transaction_date index, and each read
-- filters before it groups
transactions as not materialized (

    select
        customer_id,
        transaction_date,
        transaction_type,
        is_approved,
        is_fee_transaction,
        transaction_amount_abs,
        dbt_loaded_at
    from {{ ref('fact_transactions') }}

),

account_days as not materialized (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

data_end as (

    -- the last month whose every day is in the data; a label needs complete months
    select
        max(transaction_date) as last_transaction_date,
        cast({{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'max(transaction_date)')) }} as date)
            as first_incomplete_month_date
    from transactions

),

{% if is_incremental() -%}
held_state as (

    -- through the table's indexes: the first month fact_customer_monthly recomputes (the
    -- latest month held minus its lookback) and the latest write
    select
        cast({{ dbt.dateadd('month', -lookback_months, 'max(month_start_date)') }} as date)
            as recomputed_month_date,
        max(dbt_loaded_at) as last_written_at
    from {{ this }}

),
{%- endif %}

recompute_window as (

    -- W, the first month recomputed for every customer (all months on a full refresh or
    -- into an empty table), and the latest write held: input rows written after it changed
    {% if is_incremental() -%}
    select
        case
            when held_state.last_written_at is null then {{ far_past_date }}
            else
                cast({{ dbt.dateadd(
                    'month',
                    -horizon,
                    'least(held_state.recomputed_month_date, data_end.first_incomplete_month_date)',
                ) }} as date)
        end as window_start_date,
        held_state.last_written_at
    from held_state
    cross join data_end
    {%- else -%}
    select
        {{ far_past_date }} as window_start_date,
        cast(null as {{ dbt.type_timestamp() }}) as last_written_at
    {%- endif %}

),

window_keys as (

    -- W, the first month of its context and the first day W's recent activity can read
    -- (its 74 days start later); W and the context as date keys, so fact_customer_monthly
    -- and the account snapshot are read through their date key indexes (0: no lower bound)
    select
        recompute_window.window_start_date,
        cast({{ dbt.dateadd('month', -context_months, 'recompute_window.window_start_date') }} as date)
            as context_start_date,
        cast({{ dbt.dateadd('month', -2, 'recompute_window.window_start_date') }} as date) as recent_start_date,
        coalesce(window_start.date_key, 0) as window_start_key,
        coalesce(context_start.date_key, 0) as context_start_key
    from recompute_window
    left join dates as window_start
        on recompute_window.window_start_date = window_start.calendar_date
    left join dates as context_start
        on
            cast({{ dbt.dateadd('month', -context_months, 'recompute_window.window_start_date') }} as date)
            = context_start.calendar_date

),

{% if is_incremental() -%}
input_changes as (

    -- the month of every input row written since this model's last write, through the
    -- dbt_loaded_at indexes
    select
        customer_id,
        month_start_date as changed_month_date
    from customer_months
    where dbt_loaded_at > (select recompute_window.last_written_at from recompute_window)

    union all

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as changed_month_date
    from transactions
    where
        dbt_loaded_at > (select recompute_window.last_written_at from recompute_window)
        and customer_id is not null

    union all

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as changed_month_date
    from account_days
    where
        dbt_loaded_at > (select recompute_window.last_written_at from recompute_window)
        and is_month_end
        and customer_id is not null

    union all

    -- a customer version corrected in place (the snapshot takes a value the source fixed
    -- without a new updated_at): the same customer_key with other attributes than the rows
    -- held, from the first month held with that key. Only the current version can be
    -- corrected (an extract sends current rows), so each customer's latest held row is
    -- compared, through the month_start_date index
    select
        held.customer_id,
        min(held.month_start_date) as changed_month_date
    from {{ this }} as latest
    inner join customers
        on latest.customer_key = customers.customer_key
    inner join {{ this }} as held
        on
            latest.customer_id = held.customer_id
            and latest.customer_key = held.customer_key
    where
        latest.month_start_date = (select max(newest.month_start_date) from {{ this }} as newest)
        and (
            latest.customer_segment is distinct from customers.customer_segment
            or latest.credit_score is distinct from customers.credit_score
            or latest.annual_income is distinct from customers.annual_income
            or latest.employment_status is distinct from customers.employment_status
            or latest.preferred_channel is distinct from customers.preferred_channel
        )
    group by held.customer_id

),

early_customers as (

    -- customers recomputed from before W: from horizon months before their earliest
    -- change, as the labels of those months read it
    select
        customer_id,
        cast({{ dbt.dateadd('month', -horizon, 'min(changed_month_date)') }} as date) as recompute_from_date
    from input_changes
    group by customer_id
    having
        cast({{ dbt.dateadd('month', -horizon, 'min(changed_month_date)') }} as date)
        < (select recompute_window.window_start_date from recompute_window)

),

early_accounts as (

    -- their accounts, as the account snapshot holds them (its customer_id is the same on
    -- every day of an account: it rebuilds an account that moves) on their last day, one
    -- row per account through its is_last_day index; their earlier month ends are then
    -- read through its (account_id, snapshot_date) index
    select last_days.account_id
    from account_days as last_days
    where
        last_days.is_last_day
        and last_days.customer_id in (select early_customers.customer_id from early_customers)

),

carried_history as (

    -- the held row just before each customer's first recomputed month: what it says of
    -- all earlier months (their inputs did not change, so a full refresh says the same).
    -- Two reads, each through an index: the month before W, and the early customers'
    select
        held.customer_id,
        held.month_start_date,
        cast({{ dbt.dateadd('day', '-held.days_since_last_transaction', 'held.month_end_date') }} as date)
            as last_approved_date,
        -- any day of the first approved month: the features only count months from it
        cast({{ dbt.dateadd('month', '-held.history_months', 'held.month_start_date') }} as date)
            as first_approved_month_date,
        held.months_since_active
    from {{ this }} as held
    where
        held.month_start_date = (
            select cast({{ dbt.dateadd('month', -1, 'recompute_window.window_start_date') }} as date)
            from recompute_window
        )
        and not exists (
            select 1
            from early_customers
            where early_customers.customer_id = held.customer_id
        )

    union all

    select
        held.customer_id,
        held.month_start_date,
        cast({{ dbt.dateadd('day', '-held.days_since_last_transaction', 'held.month_end_date') }} as date)
            as last_approved_date,
        cast({{ dbt.dateadd('month', '-held.history_months', 'held.month_start_date') }} as date)
            as first_approved_month_date,
        held.months_since_active
    from early_customers
    inner join {{ this }} as held
        on
            early_customers.customer_id = held.customer_id
            and held.month_start_date
            = cast({{ dbt.dateadd('month', -1, 'early_customers.recompute_from_date') }} as date)

),
{%- else -%}
early_customers as (

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as date) as recompute_from_date
    where false

),

early_accounts as (

    select cast(null as {{ dbt.type_string() }}) as account_id
    where false

),

carried_history as (

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as date) as month_start_date,
        cast(null as date) as last_approved_date,
        cast(null as date) as first_approved_month_date,
        cast(null as {{ dbt.type_int() }}) as months_since_active
    where false

),
{%- endif %}

panel_months as (

    -- the months the frames read: from context_months before each customer's first
    -- recomputed month (W, or earlier for the early customers, read whole)
    select
        customer_months.*,
        recompute_window.window_start_date as recompute_from_date
    from customer_months
    cross join recompute_window
    where
        customer_months.month_key >= (select window_keys.context_start_key from window_keys)
        and not exists (
            select 1
            from early_customers
            where early_customers.customer_id = customer_months.customer_id
        )

    union all

    select
        customer_months.*,
        early_customers.recompute_from_date
    from early_customers
    inner join customer_months
        on early_customers.customer_id = customer_months.customer_id

),

recent_transactions as not materialized (

    -- customer-initiated transactions (purchases and withdrawals; standing orders and
    -- salary postings run on their own) of the recomputed months and the 74 days before
    -- each: from two months before W (its 74 days start later), all for the early customers
    select
        customer_id,
        transaction_date
    from transactions
    where
        is_approved
        and transaction_type in ('purchase', 'withdrawal')
        and transaction_date >= (select window_keys.recent_start_date from window_keys)

    union all

    select
        customer_id,
        transaction_date
    from transactions
    where
        is_approved
        and transaction_type in ('purchase', 'withdrawal')
        and transaction_date < (select window_keys.recent_start_date from window_keys)
        and customer_id in (select early_customers.customer_id from early_customers)

),

windowed_transactions as not materialized (

    -- the transactions of those months: from the context's first month, all for the early
    -- customers
    select *
    from transactions
    where
        transaction_date >= (select window_keys.context_start_date from window_keys)

    union all

    select *
    from transactions
    where
        transaction_date < (select window_keys.context_start_date from window_keys)
        and customer_id in (select early_customers.customer_id from early_customers)

),

month_end_days as (

    -- the recomputed months' last days (a closed account ends on its closing day, not
    -- here): from W through the snapshot's date_key index, before W only for the early
    -- customers, through their accounts
    select
        customer_id,
        snapshot_date
    from account_days
    where
        is_month_end
        -- an array, so postgres looks the keys up in the index instead of joining
        and date_key = any(array(
            select dates.date_key
            from dates
            where
                dates.is_month_end
                and dates.date_key >= (select window_keys.window_start_key from window_keys)
        ))

    union all

    select
        customer_id,
        snapshot_date
    from account_days
    where
        is_month_end
        and account_id in (select early_accounts.account_id from early_accounts)
        and snapshot_date < (select window_keys.window_start_date from window_keys)
        and customer_id in (select early_customers.customer_id from early_customers)

),

open_at_month_end as (

    -- accounts still open on the last day of the month
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start_date,
        count(*) as open_account_count
    from month_end_days
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)

),

last_activity as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start_date,
        min(transaction_date) as first_approved_date,
        max(transaction_date) as last_approved_date,
        -- bank-initiated charges (maintenance, overdraft, ...) are their own transactions
        sum(case when is_fee_transaction then transaction_amount_abs else 0 end) as fee_charge_amount
    from windowed_transactions
    where
        is_approved
        and customer_id is not null
        -- a context month only adds its fee charges: its approved days are in the running
        -- first and last day the held row before the recomputed months carries
        and (
            is_fee_transaction
            or transaction_date >= (select window_keys.window_start_date from window_keys)
            or customer_id in (select early_customers.customer_id from early_customers)
        )
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date)

),

recent_activity as (

    -- activity in the last 14 days of the month against the 60 days before them: a
    -- falling rate shows here weeks before it shows in monthly counts
    select
        panel_months.customer_id,
        panel_months.month_start_date,
        sum(
            case
                when
                    recent_transactions.transaction_date
                    > {{ dbt.dateadd('day', -14, 'panel_months.month_end_date') }}
                    then 1
                else 0
            end
        ) as txn_count_last_14d,
        sum(
            case
                when
                    recent_transactions.transaction_date
                    <= {{ dbt.dateadd('day', -14, 'panel_months.month_end_date') }}
                    then 1
                else 0
            end
        ) as txn_count_prior_60d
    from panel_months
    inner join recent_transactions
        on
            panel_months.customer_id = recent_transactions.customer_id
            and recent_transactions.transaction_date > {{ dbt.dateadd('day', -74, 'panel_months.month_end_date') }}
            and panel_months.month_end_date >= recent_transactions.transaction_date
    -- only the recomputed months
    where panel_months.month_start_date >= panel_months.recompute_from_date
    group by
        panel_months.customer_id,
        panel_months.month_start_date

),

panel as (

    select
        panel_months.*,
        coalesce(open_at_month_end.open_account_count, 0) as open_accounts_at_month_end,
        -- the carried history joins only the context row just before the first recomputed
        -- month; least and greatest skip its NULLs everywhere else
        least(last_activity.first_approved_date, carried_history.first_approved_month_date)
            as first_approved_date,
        greatest(last_activity.last_approved_date, carried_history.last_approved_date) as last_approved_date,
        greatest(
            case when panel_months.approved_transaction_count > 0 then panel_months.month_sequence_number end,
            panel_months.month_sequence_number - carried_history.months_since_active
        ) as active_sequence_number,
        coalesce(last_activity.fee_charge_amount, 0) as fee_charge_amount,
        coalesce(recent_activity.txn_count_last_14d, 0) as txn_count_last_14d,
        coalesce(recent_activity.txn_count_prior_60d, 0) as txn_count_prior_60d
    from panel_months
    left join open_at_month_end
        on
            panel_months.customer_id = open_at_month_end.customer_id
            and panel_months.month_start_date = open_at_month_end.month_start_date
    left join last_activity
        on
            panel_months.customer_id = last_activity.customer_id
            and panel_months.month_start_date = last_activity.month_start_date
    left join recent_activity
        on
            panel_months.customer_id = recent_activity.customer_id
            and panel_months.month_start_date = recent_activity.month_start_date
    left join carried_history
        on
            panel_months.customer_id = carried_history.customer_id
            and panel_months.month_start_date = carried_history.month_start_date

),

history as (

    select
        panel.customer_id,
        panel.customer_key,
        panel.month_start_date,
        panel.month_end_date,
        panel.recompute_from_date,
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
        max(panel.active_sequence_number) over w_to_date as last_active_sequence_number,
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
    -- the context months before were read for the frames only
    where history.month_start_date >= history.recompute_from_date

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
        ))) as numeric), 4) as {{ dbt.type_numeric() }}) as rule_churn_score,
        -- timestamps
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from features

)

select * from final
