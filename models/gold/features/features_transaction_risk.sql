{{
    config(
        indexes=[
            {'columns': ['transaction_id'], 'unique': true},
            {'columns': ['transaction_date']},
            {'columns': ['customer_id']},
        ],
    )
}}

{#
    Fraud features: what the bank knows about a transaction at the moment it happens.
    Trailing features look only backwards in the customer's own history (window frames
    that end at the current row). is_fraud is the training label, never a feature; alert
    outcomes (investigation results) are not used at all.
#}

{%- set night_end_hour = 6 %}
{%- set norm_window_rows = 30 %}

with transactions as (

    select * from {{ ref('fact_transactions') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

merchants as (

    select * from {{ ref('dim_merchant') }}

),

enriched as (

    select
        transactions.transaction_key,
        transactions.transaction_id,
        transactions.customer_key,
        transactions.merchant_key,
        coalesce(transactions.customer_id, transactions.account_id) as history_id,
        transactions.account_id,
        transactions.customer_id,
        transactions.merchant_id,
        transactions.transaction_at,
        transactions.transaction_date,
        transactions.transaction_type,
        transactions.channel,
        transactions.ip_country,
        customers.country as customer_country,
        merchants.category as merchant_category,
        merchants.risk_score as merchant_risk_score,
        {{ dbt.datediff('merchants.onboarded_date', 'transactions.transaction_date', 'day') }}
            as merchant_age_days,
        transactions.transaction_amount_abs,
        transactions.transaction_hour,
        transactions.transaction_day_of_week,
        transactions.is_purchase,
        transactions.is_card_present,
        transactions.is_card_not_present,
        transactions.is_online_merchant,
        transactions.is_high_risk_merchant,
        transactions.is_declined,
        transactions.is_fraud
    from transactions
    left join customers
        on transactions.customer_key = customers.customer_key
    left join merchants
        on transactions.merchant_key = merchants.merchant_key

),

windowed as (

    select
        enriched.*,
        count(*) over (
            partition by enriched.history_id
            order by enriched.transaction_at
            range between interval '1 hour' preceding and current row
        ) as txn_count_1h,
        count(*) over (
            partition by enriched.history_id
            order by enriched.transaction_at
            range between interval '24 hours' preceding and current row
        ) as txn_count_24h,
        sum(enriched.transaction_amount_abs) over (
            partition by enriched.history_id
            order by enriched.transaction_at
            range between interval '24 hours' preceding and current row
        ) as amount_sum_24h,
        count(*) over (
            partition by enriched.account_id
            order by enriched.transaction_at
            range between interval '1 hour' preceding and current row
        ) as account_txn_count_1h,
        count(*) over (
            partition by enriched.history_id, enriched.is_card_present
            order by enriched.transaction_at
            range between interval '1 hour' preceding and current row
        ) as same_presence_txn_count_1h,
        count(*) over (
            partition by enriched.history_id
            order by enriched.transaction_at, enriched.transaction_id
            rows between unbounded preceding and 1 preceding
        ) as prior_txn_count,
        -- the customer's norm for this kind of transaction (purchase or not): geometric
        -- mean of the previous {{ norm_window_rows }} amounts
        exp(avg(ln(greatest(enriched.transaction_amount_abs, 0.01))) over (
            partition by enriched.history_id, enriched.is_purchase
            order by enriched.transaction_at, enriched.transaction_id
            rows between {{ norm_window_rows }} preceding and 1 preceding
        )) as customer_norm_amount,
        lag(enriched.transaction_at) over (
            partition by enriched.history_id
            order by enriched.transaction_at, enriched.transaction_id
        ) as previous_transaction_at,
        row_number() over (
            partition by enriched.history_id, enriched.ip_country
            order by enriched.transaction_at, enriched.transaction_id
        ) as ip_country_use_number,
        row_number() over (
            partition by enriched.history_id, enriched.merchant_id
            order by enriched.transaction_at, enriched.transaction_id
        ) as merchant_visit_number
    from enriched

),

features as (

    select
        -- keys
        transaction_key,
        transaction_id,
        customer_key,
        merchant_key,
        customer_id,
        -- attributes
        transaction_type,
        channel,
        merchant_category,
        -- features: amount
        transaction_amount_abs as amount_abs,
        round(cast(ln(greatest(transaction_amount_abs, 0.01)) as numeric), 6) as log_amount,
        round(cast(transaction_amount_abs / nullif(customer_norm_amount, 0) as numeric), 4)
            as amount_to_norm_ratio,
        amount_sum_24h,
        -- features: velocity and history
        cast(txn_count_1h as {{ dbt.type_int() }}) as txn_count_1h,
        cast(txn_count_24h as {{ dbt.type_int() }}) as txn_count_24h,
        cast(account_txn_count_1h as {{ dbt.type_int() }}) as account_txn_count_1h,
        cast(same_presence_txn_count_1h as {{ dbt.type_int() }}) as same_presence_txn_count_1h,
        cast(prior_txn_count as {{ dbt.type_int() }}) as prior_txn_count,
        cast(
            {{ dbt.datediff('previous_transaction_at', 'transaction_at', 'second') }}
            as {{ dbt.type_bigint() }}
        ) as seconds_since_previous,
        -- features: time
        transaction_hour,
        transaction_day_of_week,
        transaction_hour < {{ night_end_hour }} as is_night,
        -- features: channel and card
        is_card_present,
        is_card_not_present,
        is_online_merchant,
        -- features: merchant
        coalesce(merchant_risk_score, 0) as merchant_risk_score,
        is_high_risk_merchant,
        merchant_age_days,
        coalesce(is_high_risk_merchant and merchant_age_days < 30, false) as is_new_high_risk_merchant,
        merchant_id is not null and merchant_visit_number = 1 and prior_txn_count > 0 as is_first_merchant_visit,
        -- features: geography
        coalesce(ip_country <> customer_country, false) as is_foreign_ip,
        ip_country is not null and ip_country_use_number = 1 and prior_txn_count > 0 as is_new_ip_country,
        is_declined,
        -- label (never a feature)
        is_fraud,
        -- dates and timestamps
        transaction_date,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start_date,
        transaction_at
    from windowed

),

signals as (

    -- the planted-pattern signatures a fraud analyst would write as rules; they feed the
    -- rule-based fallback score and the diagnostic view
    select
        features.*,
        features.is_night and features.is_card_not_present as signal_night_card_not_present,
        features.txn_count_1h >= 5 as signal_velocity,
        features.is_new_high_risk_merchant as signal_new_high_risk_merchant,
        coalesce(features.amount_to_norm_ratio >= 8, false) as signal_amount_outlier,
        features.is_foreign_ip and features.is_new_ip_country as signal_new_foreign_ip
    from features

),

final as (

    select
        signals.*,
        -- rule-based fraud score (fallback when no model score exists): the rule engine's
        -- weights mapped to a 0-1 scale; documented in _gold__features.yml
        cast(round(cast(least(
            0.99,
            0.01
            + 0.45 * cast(signals.signal_night_card_not_present as {{ dbt.type_int() }})
            + 0.15 * cast(signals.signal_night_card_not_present and signals.is_foreign_ip as {{ dbt.type_int() }})
            + 0.40 * cast(signals.signal_velocity as {{ dbt.type_int() }})
            + 0.35 * cast(signals.signal_amount_outlier as {{ dbt.type_int() }})
            + 0.30 * cast(signals.signal_new_high_risk_merchant as {{ dbt.type_int() }})
            + 0.15 * cast(signals.signal_new_foreign_ip as {{ dbt.type_int() }})
        ) as numeric), 4) as {{ dbt.type_numeric() }}) as rule_fraud_score
    from signals

)

select * from final
