{{
    config(
        indexes=[
            {'columns': ['customer_month_key'], 'unique': true},
            {'columns': ['customer_id', 'month_start_date']},
            {'columns': ['customer_key']},
            {'columns': ['month_key']},
        ],
    )
}}

with customers as (

    select * from {{ ref('dim_customer') }}

),

transactions as (

    select * from {{ ref('fact_transactions') }}

),

account_days as (

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

last_month as (

    select cast({{ dbt.date_trunc('month', 'max(transaction_date)') }} as date) as last_month_start_date
    from transactions

),

first_activity as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'min(transaction_date)') }} as date) as first_activity_month_date
    from transactions
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
    cross join last_month
    inner join dates
        on
            dates.is_month_start
            and dates.calendar_date >= coalesce(
                case
                    when customer_spans.cohort_month_date > first_activity.first_activity_month_date
                        then first_activity.first_activity_month_date
                end,
                customer_spans.cohort_month_date,
                first_activity.first_activity_month_date
            )
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
    from transactions
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
    from account_days
    where is_month_end or is_last_day
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
        lag(combined.transaction_volume_amount) over (
            partition by combined.customer_id order by combined.month_start_date
        ) as previous_month_volume_amount,
        row_number() over (
            partition by combined.customer_id order by combined.month_start_date
        ) as month_sequence_number
    from combined

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
        month_end_date
    from with_history

)

select * from final
