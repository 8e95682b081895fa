{{
    config(
        materialized='incremental',
        incremental_strategy='partition_periods',
        unique_key=['customer_id', 'month_start_date'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['customer_month_key'], 'unique': true},
            {'columns': ['customer_id', 'month_start_date'], 'unique': true},
            {'columns': ['customer_key']},
            {'columns': ['month_key']},
            {'columns': ['dbt_loaded_at']},
        ],
    )
}}

{#- An incremental run recomputes the last months held (var
    fact_customer_monthly_lookback_months, default 1: the latest month and the one before,
    which late transactions of the fact's 3-day event lookback can still reach) and every
    month after them; the strategy (macros/gold_incremental.sql) replaces each customer's
    rows from the first recomputed month on. A customer first seen in this run gets its
    whole history. Month-over-month measures continue from the month held before the
    window. A customer is recomputed from its first month instead when it is new, or
    when a month held before the window no longer matches the account snapshot's
    month-end balances (an account added, removed or re-based in the past: the daily
    snapshot rebuilds such an account whole), or when an input dated before the window
    arrived after this model's latest write: a fact_transactions row written since (a
    transaction loaded or corrected late, an alert that changed its count), or an
    interaction, loan instalment, credit application or fraud alert loaded since (silver's
    loaded_at, the server's clock, against dbt_loaded_at, the run's start: one clock when
    dbt and the server share a machine), or, after a reload of a batch that covers days
    before the window, when its held months count other transactions, interactions,
    instalments, applications or alerts than the inputs hold now (a row the reload no
    longer sends leaves nothing else to find). Two cases still need --full-refresh: an
    interaction, instalment, application or alert before the window that a reload puts
    back to an earlier load's values (same count, no new load time; a transaction is
    re-stamped by the fact), and a change to an older month's customer version. -#}
{%- set lookback_months = var('fact_customer_monthly_lookback_months', 1) %}
{#- the event inputs: import CTE, the event's date or time, the measure that counts them -#}
{%- set event_inputs = [
    ('transactions', 'transaction_date', 'transaction_count'),
    ('interactions', 'interaction_time', 'interaction_count'),
    ('loan_payments', 'due_date', 'loan_installment_due_count'),
    ('credit_applications', 'application_time', 'credit_application_count'),
    ('fraud_alerts', 'alert_time', 'fraud_alert_count'),
] %}
{%- set far_past_date = "cast('1900-01-01' as date)" %}

-- depends_on: {{ ref('stg_batches') }} (the loads, read only by an incremental run)
with customers as (

    select * from {{ ref('dim_customer') }}

),

-- not materialized (postgres): read three times, it would be copied whole; inlined, the
-- latest date comes from the transaction_date index and the window filters before grouping
transactions as not materialized (

    select * from {{ ref('fact_transactions') }}

),

-- not materialized (postgres): read twice, it would be copied whole
account_days as not materialized (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

interactions as (

    select * from {{ ref('stg_customer_interactions') }}

),

loan_payments as (

    select * from {{ ref('stg_loan_payments') }}

),

credit_applications as (

    select * from {{ ref('stg_credit_applications') }}

),

fraud_alerts as (

    select * from {{ ref('stg_fraud_alerts') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

recompute_window as (

    -- the first month to compute: every month on a full refresh
    {% if is_incremental() -%}
    select
        coalesce(
            cast({{ dbt.dateadd('month', -lookback_months, 'max(held.month_start_date)') }} as date),
            {{ far_past_date }}
        ) as window_start_date
    from {{ this }} as held
    {%- else -%}
    select {{ far_past_date }} as window_start_date
    {%- endif %}

),

window_keys as (

    -- the window's first day as a date key, so the account snapshot is read through its
    -- date_key index (0: no lower bound)
    select coalesce(max(dates.date_key), 0) as window_start_key
    from recompute_window
    inner join dates
        on recompute_window.window_start_date = dates.calendar_date

),

held_last_month as (

    -- per customer held before the window, its month just before it: the window's months
    -- continue its sequence and month-over-month change
    {% if is_incremental() -%}
    select
        held.customer_id,
        held.month_sequence_number as held_month_count,
        held.transaction_volume_amount as held_volume_amount
    from {{ this }} as held
    where
        held.month_start_date = (
            select cast({{ dbt.dateadd('month', -1, 'recompute_window.window_start_date') }} as date)
            from recompute_window
        )
    {%- else -%}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_int() }}) as held_month_count,
        cast(null as {{ dbt.type_numeric() }}) as held_volume_amount
    where false
    {%- endif %}

),

{% if is_incremental() -%}
held_history_days as (

    -- the account snapshot's month-end days before the window, as they are now: month
    -- ends through the date_key index, and the last days of accounts whose days end mid-month
    select
        account_days.customer_id,
        account_days.snapshot_date,
        account_days.closing_balance_amount
    from account_days
    where
        account_days.customer_id is not null
        and account_days.is_month_end
        and account_days.date_key in (
            select dates.date_key
            from dates
            where
                dates.is_month_end
                and dates.date_key < (select window_keys.window_start_key from window_keys)
        )

    union all

    -- every account's last day that is not a month end (the is_last_day index): the
    -- same days month_end_days reads, so a customer whose history holds is never flagged
    select
        account_days.customer_id,
        account_days.snapshot_date,
        account_days.closing_balance_amount
    from account_days
    where
        account_days.customer_id is not null
        and account_days.is_last_day
        and not account_days.is_month_end
        and account_days.date_key < (select window_keys.window_start_key from window_keys)

),

held_history_balances as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start_date,
        sum(closing_balance_amount) as end_of_month_balance_amount,
        count(*) as open_account_count
    from held_history_days
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)

),

moved_balances as (

    -- customers with a month held before the window that the account snapshot no longer
    -- agrees with (null-safe comparisons). Months not held are not compared: balances of
    -- accounts opened before the customer's first month are not reported in either run
    select held.customer_id
    from {{ this }} as held
    left join held_history_balances
        on
            held.customer_id = held_history_balances.customer_id
            and held.month_start_date = held_history_balances.month_start_date
    where
        held.month_start_date < (select recompute_window.window_start_date from recompute_window)
        and (
            held.open_account_count <> coalesce(held_history_balances.open_account_count, 0)
            or not coalesce(
                held.end_of_month_balance_amount = held_history_balances.end_of_month_balance_amount,
                held.end_of_month_balance_amount is null and held_history_balances.end_of_month_balance_amount is null
            )
        )
    group by held.customer_id

),

latest_write as (

    -- through the dbt_loaded_at index
    select max(held.dbt_loaded_at) as written_at
    from {{ this }} as held

),

late_inputs as (

    -- customers with an input dated before the window that arrived after the latest write:
    -- fact rows through the fact's dbt_loaded_at index (the day's rows), the small silver
    -- tables scanned
    select transactions.customer_id
    from transactions
    where
        transactions.dbt_loaded_at > (select latest_write.written_at from latest_write)
        and transactions.transaction_date < (select recompute_window.window_start_date from recompute_window)
    {%- for input, event_column, _ in event_inputs[1:] %}

    union

    select {{ input }}.customer_id
    from {{ input }}
    where
        {{ input }}.loaded_at > {{ from_utc_timestamp('(select latest_write.written_at from latest_write)') }}
        and {{ input }}.{{ event_column }} < (select recompute_window.window_start_date from recompute_window)
    {%- endfor %}

),

reloaded_history as (

    -- a load since the latest write that covers days before the window: an old batch
    -- reloaded, which may no longer send rows the held months count. Only then are the
    -- held months' counts compared with the inputs (one pass over the history); a daily
    -- batch covers its own days and skips the comparison
    select count(*) > 0 as is_reloaded
    from {{ ref('stg_batches') }} as batches
    where
        batches.loaded_at > {{ from_utc_timestamp('(select latest_write.written_at from latest_write)') }}
        and batches.window_start < (select recompute_window.window_start_date from recompute_window)

),

held_counts as (

    select
        held.customer_id,
        {%- for _, _, measure in event_inputs %}
        sum(held.{{ measure }}) as {{ measure }},
        {%- endfor %}
        min(held.month_start_date) as first_month_start_date
    from {{ this }} as held
    where
        (select reloaded_history.is_reloaded from reloaded_history)
        and held.month_start_date < (select recompute_window.window_start_date from recompute_window)
    group by held.customer_id

),

input_counts as (

    -- the same counts from the inputs, over the same months
    {%- for input, event_column, measure in event_inputs %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        held_counts.customer_id,
        '{{ measure }}' as measure,
        count(*) as input_count
    from {{ input }}
    inner join held_counts
        on {{ input }}.customer_id = held_counts.customer_id
    where
        (select reloaded_history.is_reloaded from reloaded_history)
        and {{ input }}.{{ event_column }} >= held_counts.first_month_start_date
        and {{ input }}.{{ event_column }} < (select recompute_window.window_start_date from recompute_window)
    group by held_counts.customer_id
    {%- endfor %}

),

miscounted_history as (

    -- customers whose held months count other events than their inputs hold now
    select held_counts.customer_id
    from held_counts
    left join input_counts
        on held_counts.customer_id = input_counts.customer_id
    group by
        {%- for _, _, measure in event_inputs %}
        held_counts.{{ measure }},
        {%- endfor %}
        held_counts.customer_id
    having
        {%- for _, _, measure in event_inputs %}
        held_counts.{{ measure }}
        <> coalesce(sum(case when input_counts.measure = '{{ measure }}' then input_counts.input_count end), 0)
        or
        {%- endfor %}
        false

),

changed_history as (

    select moved_balances.customer_id from moved_balances
    union
    select miscounted_history.customer_id from miscounted_history
    union
    select late_inputs.customer_id
    from late_inputs
    where late_inputs.customer_id is not null

),

continued_customers as (

    -- customers held before the window whose history still holds: their months continue
    -- from the month before the window
    select held_last_month.*
    from held_last_month
    where not exists (
        select 1
        from changed_history
        where changed_history.customer_id = held_last_month.customer_id
    )

),
{%- else %}
continued_customers as (

    select * from held_last_month

),
{%- endif %}

rebuilt_customers as (

    -- every other customer is computed from its first month
    select customers.customer_id
    from customers
    left join continued_customers
        on customers.customer_id = continued_customers.customer_id
    where continued_customers.customer_id is null
    group by customers.customer_id

),

-- the rows the computed months need: the window, and the whole history of the customers
-- computed from their first month
windowed_transactions as not materialized (

    select *
    from transactions
    where transaction_date >= (select recompute_window.window_start_date from recompute_window)

    union all

    select *
    from transactions
    where
        transaction_date < (select recompute_window.window_start_date from recompute_window)
        and customer_id in (select rebuilt_customers.customer_id from rebuilt_customers)

),

month_end_days as (

    select
        customer_id,
        snapshot_date,
        closing_balance_amount
    from account_days
    where
        (is_month_end or is_last_day)
        and date_key >= (select window_keys.window_start_key from window_keys)

    union all

    select
        customer_id,
        snapshot_date,
        closing_balance_amount
    from account_days
    where
        (is_month_end or is_last_day)
        and date_key < (select window_keys.window_start_key from window_keys)
        and customer_id in (select rebuilt_customers.customer_id from rebuilt_customers)

),

last_month as (

    -- the data's months: from the first month with a transaction (silver rejects events
    -- before the data's declared start, so no single row moves it) to the latest
    select
        cast({{ dbt.date_trunc('month', 'min(transaction_date)') }} as date) as first_month_start_date,
        cast({{ dbt.date_trunc('month', 'max(transaction_date)') }} as date) as last_month_start_date
    from transactions

),

first_activity as (

    -- only used for the customers computed from their first month
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'min(transaction_date)') }} as date) as first_activity_month_date
    from windowed_transactions
    where customer_id is not null
    group by customer_id

),

customer_spans as (

    select
        customers.customer_id,
        min(customers.cohort_month_date) as cohort_month_date
    from customers
    where customers.customer_key <> {{ unknown_member_key() }}
    group by customers.customer_id

),

customer_months as (

    select
        customer_spans.customer_id,
        dates.calendar_date as month_start_date,
        dates.date_key as month_key,
        dates.month_end_date,
        {{ dbt.dateadd('month', 1, 'dates.calendar_date') }} as next_month_start
    from customer_spans
    left join first_activity
        on customer_spans.customer_id = first_activity.customer_id
    left join continued_customers
        on customer_spans.customer_id = continued_customers.customer_id
    cross join recompute_window
    cross join last_month
    inner join dates
        on
            dates.is_month_start
            and dates.calendar_date >= case
                when continued_customers.customer_id is not null
                    then recompute_window.window_start_date
                -- a customer's months start at its cohort month (or first activity, if
                -- earlier), but never before the data: a month before it says nothing
                else
                    greatest(
                        last_month.first_month_start_date,
                        coalesce(
                            case
                                when customer_spans.cohort_month_date > first_activity.first_activity_month_date
                                    then first_activity.first_activity_month_date
                            end,
                            customer_spans.cohort_month_date,
                            first_activity.first_activity_month_date
                        )
                    )
            end
            and last_month.last_month_start_date >= dates.calendar_date

),

month_end_versions as (

    -- the version valid at the end of the month; for a customer deleted since, the last one
    select
        customer_months.customer_id,
        customer_months.month_start_date,
        customers.customer_key,
        row_number() over (
            partition by customer_months.customer_id, customer_months.month_start_date
            order by customers.valid_from desc
        ) as version_rank
    from customer_months
    inner join customers
        on
            customer_months.customer_id = customers.customer_id
            and customer_months.next_month_start > customers.valid_from

),

transaction_metrics as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start_date,
        count(*) as transaction_count,
        sum(case when is_approved then 1 else 0 end) as approved_transaction_count,
        sum(case when is_declined then 1 else 0 end) as declined_transaction_count,
        sum(case when is_reversed then 1 else 0 end) as reversed_transaction_count,
        sum(case when is_fraud then 1 else 0 end) as fraud_transaction_count,
        sum(fraud_amount_abs) as fraud_amount,
        sum(approved_amount_abs) as transaction_volume_amount,
        sum(case when is_approved then debit_amount else 0 end) as debit_volume_amount,
        sum(case when is_approved then credit_amount else 0 end) as credit_volume_amount,
        sum(balance_impact_amount) as net_flow_amount,
        avg(case when is_approved then transaction_amount_abs end) as avg_transaction_amount,
        max(case when is_approved then transaction_amount_abs end) as max_transaction_amount,
        sum(case when is_approved then fee_amount else 0 end) as fee_amount,
        sum(case when is_purchase and is_approved then transaction_amount_abs else 0 end) as purchase_volume_amount,
        sum(case when channel = 'pos' then 1 else 0 end) as pos_transaction_count,
        sum(case when channel = 'online' then 1 else 0 end) as online_transaction_count,
        sum(case when channel = 'mobile' then 1 else 0 end) as mobile_transaction_count,
        sum(case when channel = 'atm' then 1 else 0 end) as atm_transaction_count,
        sum(case when channel = 'branch' then 1 else 0 end) as branch_transaction_count,
        sum(case when is_international then 1 else 0 end) as international_transaction_count,
        sum(case when is_night then 1 else 0 end) as night_transaction_count,
        sum(case when is_card_not_present then 1 else 0 end) as card_not_present_transaction_count,
        count(distinct case when has_merchant then merchant_id end) as distinct_merchant_count,
        count(distinct transaction_date) as active_days_count
    from windowed_transactions
    where customer_id is not null
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date)

),

month_end_balances as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start_date,
        sum(closing_balance_amount) as end_of_month_balance_amount,
        count(*) as open_account_count
    from month_end_days
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)

),

interaction_metrics as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'interaction_time') }} as date) as month_start_date,
        count(*) as interaction_count,
        sum(case when interaction_type = 'complaint' then 1 else 0 end) as complaint_count,
        sum(case when interaction_type = 'fee_dispute' then 1 else 0 end) as fee_dispute_count,
        avg(satisfaction_score) as avg_satisfaction_score
    from interactions
    where
        interaction_time >= (select recompute_window.window_start_date from recompute_window)
        or customer_id in (select rebuilt_customers.customer_id from rebuilt_customers)
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'interaction_time') }} as date)

),

loan_metrics as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'due_date') }} as date) as month_start_date,
        count(*) as loan_installment_due_count,
        sum(case when payment_status in ('late', 'partial') then 1 else 0 end) as late_payment_count,
        sum(case when payment_status = 'missed' then 1 else 0 end) as missed_payment_count,
        sum(coalesce(late_fee, 0)) as late_fee_amount
    from loan_payments
    where
        due_date >= (select recompute_window.window_start_date from recompute_window)
        or customer_id in (select rebuilt_customers.customer_id from rebuilt_customers)
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'due_date') }} as date)

),

application_metrics as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'application_time') }} as date) as month_start_date,
        count(*) as credit_application_count,
        sum(case when decision = 'approved' then 1 else 0 end) as approved_application_count
    from credit_applications
    where
        application_time >= (select recompute_window.window_start_date from recompute_window)
        or customer_id in (select rebuilt_customers.customer_id from rebuilt_customers)
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'application_time') }} as date)

),

alert_metrics as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'alert_time') }} as date) as month_start_date,
        count(*) as fraud_alert_count
    from fraud_alerts
    where
        alert_time >= (select recompute_window.window_start_date from recompute_window)
        or customer_id in (select rebuilt_customers.customer_id from rebuilt_customers)
    group by
        customer_id,
        cast({{ dbt.date_trunc('month', 'alert_time') }} as date)

),

combined as (

    select
        customer_months.customer_id,
        customer_months.month_start_date,
        customer_months.month_key,
        customer_months.month_end_date,
        month_end_versions.customer_key,
        coalesce(transaction_metrics.transaction_count, 0) as transaction_count,
        coalesce(transaction_metrics.approved_transaction_count, 0) as approved_transaction_count,
        coalesce(transaction_metrics.declined_transaction_count, 0) as declined_transaction_count,
        coalesce(transaction_metrics.reversed_transaction_count, 0) as reversed_transaction_count,
        coalesce(transaction_metrics.fraud_transaction_count, 0) as fraud_transaction_count,
        coalesce(transaction_metrics.fraud_amount, 0) as fraud_amount,
        coalesce(transaction_metrics.transaction_volume_amount, 0) as transaction_volume_amount,
        coalesce(transaction_metrics.debit_volume_amount, 0) as debit_volume_amount,
        coalesce(transaction_metrics.credit_volume_amount, 0) as credit_volume_amount,
        coalesce(transaction_metrics.net_flow_amount, 0) as net_flow_amount,
        transaction_metrics.avg_transaction_amount,
        transaction_metrics.max_transaction_amount,
        coalesce(transaction_metrics.fee_amount, 0) as fee_amount,
        coalesce(transaction_metrics.purchase_volume_amount, 0) as purchase_volume_amount,
        coalesce(transaction_metrics.pos_transaction_count, 0) as pos_transaction_count,
        coalesce(transaction_metrics.online_transaction_count, 0) as online_transaction_count,
        coalesce(transaction_metrics.mobile_transaction_count, 0) as mobile_transaction_count,
        coalesce(transaction_metrics.atm_transaction_count, 0) as atm_transaction_count,
        coalesce(transaction_metrics.branch_transaction_count, 0) as branch_transaction_count,
        coalesce(transaction_metrics.international_transaction_count, 0) as international_transaction_count,
        coalesce(transaction_metrics.night_transaction_count, 0) as night_transaction_count,
        coalesce(transaction_metrics.card_not_present_transaction_count, 0) as card_not_present_transaction_count,
        coalesce(transaction_metrics.distinct_merchant_count, 0) as distinct_merchant_count,
        coalesce(transaction_metrics.active_days_count, 0) as active_days_count,
        month_end_balances.end_of_month_balance_amount,
        coalesce(month_end_balances.open_account_count, 0) as open_account_count,
        coalesce(interaction_metrics.interaction_count, 0) as interaction_count,
        coalesce(interaction_metrics.complaint_count, 0) as complaint_count,
        coalesce(interaction_metrics.fee_dispute_count, 0) as fee_dispute_count,
        interaction_metrics.avg_satisfaction_score,
        coalesce(loan_metrics.loan_installment_due_count, 0) as loan_installment_due_count,
        coalesce(loan_metrics.late_payment_count, 0) as late_payment_count,
        coalesce(loan_metrics.missed_payment_count, 0) as missed_payment_count,
        coalesce(loan_metrics.late_fee_amount, 0) as late_fee_amount,
        coalesce(application_metrics.credit_application_count, 0) as credit_application_count,
        coalesce(application_metrics.approved_application_count, 0) as approved_application_count,
        coalesce(alert_metrics.fraud_alert_count, 0) as fraud_alert_count
    from customer_months
    left join month_end_versions
        on
            customer_months.customer_id = month_end_versions.customer_id
            and customer_months.month_start_date = month_end_versions.month_start_date
            and month_end_versions.version_rank = 1
    left join transaction_metrics
        on
            customer_months.customer_id = transaction_metrics.customer_id
            and customer_months.month_start_date = transaction_metrics.month_start_date
    left join month_end_balances
        on
            customer_months.customer_id = month_end_balances.customer_id
            and customer_months.month_start_date = month_end_balances.month_start_date
    left join interaction_metrics
        on
            customer_months.customer_id = interaction_metrics.customer_id
            and customer_months.month_start_date = interaction_metrics.month_start_date
    left join loan_metrics
        on
            customer_months.customer_id = loan_metrics.customer_id
            and customer_months.month_start_date = loan_metrics.month_start_date
    left join application_metrics
        on
            customer_months.customer_id = application_metrics.customer_id
            and customer_months.month_start_date = application_metrics.month_start_date
    left join alert_metrics
        on
            customer_months.customer_id = alert_metrics.customer_id
            and customer_months.month_start_date = alert_metrics.month_start_date

),

with_history as (

    select
        combined.*,
        coalesce(
            lag(combined.transaction_volume_amount) over (
                partition by combined.customer_id order by combined.month_start_date
            ),
            continued_customers.held_volume_amount
        ) as previous_month_volume_amount,
        coalesce(continued_customers.held_month_count, 0) + row_number() over (
            partition by combined.customer_id order by combined.month_start_date
        ) as month_sequence_number
    from combined
    left join continued_customers
        on combined.customer_id = continued_customers.customer_id

),

final as (

    select
        -- keys
        {{ gold_surrogate_key(['customer_id', 'month_start_date']) }} as customer_month_key,
        {{ dimension_key('customer_key') }} as customer_key,
        month_key,
        customer_id,
        -- measures: activity
        transaction_count,
        approved_transaction_count,
        declined_transaction_count,
        reversed_transaction_count,
        active_days_count,
        distinct_merchant_count,
        -- measures: volumes
        transaction_volume_amount,
        debit_volume_amount,
        credit_volume_amount,
        net_flow_amount,
        purchase_volume_amount,
        cast(avg_transaction_amount as {{ dbt.type_numeric() }}) as avg_transaction_amount,
        max_transaction_amount,
        fee_amount,
        -- measures: channel mix
        pos_transaction_count,
        online_transaction_count,
        mobile_transaction_count,
        atm_transaction_count,
        branch_transaction_count,
        case
            when transaction_count > 0
                then
                    cast(online_transaction_count + mobile_transaction_count as {{ dbt.type_numeric() }})
                    / transaction_count
        end as digital_share,
        international_transaction_count,
        night_transaction_count,
        card_not_present_transaction_count,
        -- measures: fraud and declines
        fraud_transaction_count,
        fraud_amount,
        fraud_alert_count,
        case
            when transaction_count > 0
                then cast(declined_transaction_count as {{ dbt.type_numeric() }}) / transaction_count
        end as decline_rate,
        -- measures: balances
        end_of_month_balance_amount,
        open_account_count,
        -- measures: service, credit and loans
        interaction_count,
        complaint_count,
        fee_dispute_count,
        cast(avg_satisfaction_score as {{ dbt.type_numeric() }}) as avg_satisfaction_score,
        credit_application_count,
        approved_application_count,
        loan_installment_due_count,
        late_payment_count,
        missed_payment_count,
        late_fee_amount,
        -- measures: month over month
        previous_month_volume_amount,
        transaction_volume_amount - coalesce(previous_month_volume_amount, 0) as volume_mom_change_amount,
        case
            when previous_month_volume_amount > 0
                then (transaction_volume_amount - previous_month_volume_amount) / previous_month_volume_amount
        end as volume_mom_change_pct,
        cast(month_sequence_number as {{ dbt.type_int() }}) as month_sequence_number,
        -- flags
        approved_transaction_count > 0 as is_active,
        month_sequence_number = 1 as is_first_month,
        complaint_count > 0 as has_complaint,
        late_payment_count + missed_payment_count > 0 as has_late_payment,
        fraud_transaction_count > 0 as has_fraud,
        -- dates
        month_start_date,
        month_end_date,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from with_history

)

select * from final
