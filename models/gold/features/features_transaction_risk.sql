{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='transaction_id',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['transaction_id'], 'unique': true},
            {'columns': ['transaction_date']},
            {'columns': ['customer_id']},
            {'columns': ['history_id', 'is_purchase', 'transaction_at', 'transaction_id']},
            {'columns': ['dbt_loaded_at']},
        ],
        post_hook=["{{ delete_facts_missing_upstream(this, ref('fact_transactions'), 'transaction_id') }}"],
    )
}}

{#
    Fraud features: what the bank knows about a transaction at the moment it happens.
    Trailing features look only backwards in the customer's own history (window frames
    that end at the current row). is_fraud is the training label, never a feature; alert
    outcomes (investigation results) are not used at all.

    Incremental: a history (the customer; the account for a transaction without one) is
    recomputed from its earliest change on: a transaction that is new, withdrawn, reloaded
    (a re-sent row gets a new loaded_at), moved in time or re-keyed to another customer
    version or merchant. Its earlier rows keep their features, so the windows of the
    recomputed rows read them as context: the last 30 rows of each
    kind (purchase or not) and every row of the 24 hours before the change. Counts over the
    whole history (prior transactions, first use of an IP country or a merchant) start
    from what the earlier rows hold. A full refresh computes the same rows from all of
    fact_transactions (pytest compares the two).
#}

{%- set night_end_hour = 6 %}
{%- set norm_window_rows = 30 %}
{%- set context_hours = 24 %}

-- not materialized (postgres): an incremental run reads it three times, and each read
-- must go to the table (a shared CTE would copy all of it first)
with transactions as not materialized (

    select * from {{ ref('fact_transactions') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

merchants as (

    select * from {{ ref('dim_merchant') }}

),

-- each transaction with the dimension attributes its row-level features use; not
-- materialized: an incremental run reads it twice, for the changes and the rows recomputed
described as not materialized (

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
        transactions.is_fraud,
        transactions.loaded_at
    from transactions
    left join customers
        on transactions.customer_key = customers.customer_key
    left join merchants
        on transactions.merchant_key = merchants.merchant_key

),

{% if is_incremental() %}
-- not materialized: read three times, through different indexes
held as not materialized (

    select * from {{ this }}

),

changed as (

    -- transactions whose features may differ from the ones held: new, withdrawn, reloaded
    -- (a re-sent row), moved in time, re-keyed, or whose merchant or customer attributes
    -- changed (dimensions keep the latest attributes of a key)
    select
        described.history_id as current_history_id,
        described.transaction_at as current_at,
        held.history_id as held_history_id,
        held.transaction_at as held_at
    from described
    full outer join held
        on described.transaction_id = held.transaction_id
    where
        held.transaction_id is null
        or described.transaction_id is null
        or described.loaded_at <> held.loaded_at
        or described.transaction_at <> held.transaction_at
        or described.history_id <> held.history_id
        or described.customer_key <> held.customer_key
        or described.merchant_key <> held.merchant_key
        or described.merchant_category is distinct from held.merchant_category
        or coalesce(described.merchant_risk_score, 0) <> held.merchant_risk_score
        or described.merchant_age_days is distinct from held.merchant_age_days
        or coalesce(described.ip_country <> described.customer_country, false) <> held.is_foreign_ip

),

recomputed_histories as (

    -- a history is recomputed from its earliest change on (where a transaction is now,
    -- or where it was)
    select
        history_id,
        min(changed_at) as changed_from
    from (
        select
            current_history_id as history_id,
            current_at as changed_at
        from changed
        where current_history_id is not null
        union all
        select
            held_history_id as history_id,
            held_at as changed_at
        from changed
        where held_history_id is not null
    ) as changes
    group by history_id

),

earlier_activity as (

    -- what the unchanged part of each recomputed history holds: its transaction count
    -- and the IP countries and merchants it has used
    select
        coalesce(transactions.customer_id, transactions.account_id) as history_id,
        transactions.ip_country,
        transactions.merchant_id,
        count(*) as transaction_count
    from transactions
    inner join recomputed_histories
        on
            coalesce(transactions.customer_id, transactions.account_id) = recomputed_histories.history_id
            and transactions.transaction_at < recomputed_histories.changed_from
    group by
        coalesce(transactions.customer_id, transactions.account_id),
        transactions.ip_country,
        transactions.merchant_id

),

earlier_counts as (

    select
        history_id,
        sum(transaction_count) as transaction_count
    from earlier_activity
    group by history_id

),

earlier_ip_countries as (

    select distinct
        history_id,
        ip_country
    from earlier_activity
    where ip_country is not null

),

earlier_merchants as (

    select distinct
        history_id,
        merchant_id
    from earlier_activity
    where merchant_id is not null

),

transaction_kinds as (

    select true as is_purchase
    union all
    select false as is_purchase

),

context as (

    -- the earlier rows the trailing windows of the recomputed rows reach: per history and
    -- kind, the last {{ norm_window_rows }} (the amount norm, the previous transaction)
    -- and all of the {{ context_hours }} hours before the change (the time windows)
    select
        recent.history_id,
        recent.account_id,
        recent.transaction_id,
        recent.transaction_at,
        recent.amount_abs as transaction_amount_abs,
        recent.is_card_present,
        recent.is_purchase
    from recomputed_histories
    cross join transaction_kinds
    cross join
        lateral (
            select held.*
            from held
            where
                held.history_id = recomputed_histories.history_id
                and held.is_purchase = transaction_kinds.is_purchase
                and held.transaction_at < recomputed_histories.changed_from
            order by held.transaction_at desc, held.transaction_id desc
            limit {{ norm_window_rows }}
        ) as recent
    union
    select
        held.history_id,
        held.account_id,
        held.transaction_id,
        held.transaction_at,
        held.amount_abs as transaction_amount_abs,
        held.is_card_present,
        held.is_purchase
    from recomputed_histories
    cross join transaction_kinds
    inner join held
        on
            recomputed_histories.history_id = held.history_id
            and transaction_kinds.is_purchase = held.is_purchase
            and recomputed_histories.changed_from > held.transaction_at
            and held.transaction_at >= {{ dbt.dateadd('hour', -context_hours, 'recomputed_histories.changed_from') }}

),
{% endif %}

enriched as (

    select described.*
    from described
    {% if is_incremental() %}
    inner join recomputed_histories
        on
            described.history_id = recomputed_histories.history_id
            and described.transaction_at >= recomputed_histories.changed_from
    {% endif %}

),

window_rows as (

    -- the rows being computed, and (incremental runs) the earlier rows their windows reach;
    -- counts over the whole history number the computed rows apart from the context
    select
        enriched.*,
        true as is_computed
    from enriched
    {% if is_incremental() %}
    union all
    select
        null as transaction_key,
        context.transaction_id,
        null as customer_key,
        null as merchant_key,
        context.history_id,
        context.account_id,
        null as customer_id,
        null as merchant_id,
        context.transaction_at,
        null as transaction_date,
        null as transaction_type,
        null as channel,
        null as ip_country,
        null as customer_country,
        null as merchant_category,
        null as merchant_risk_score,
        null as merchant_age_days,
        context.transaction_amount_abs,
        null as transaction_hour,
        null as transaction_day_of_week,
        context.is_purchase,
        context.is_card_present,
        null as is_card_not_present,
        null as is_online_merchant,
        null as is_high_risk_merchant,
        null as is_declined,
        null as is_fraud,
        null as loaded_at,
        false as is_computed
    from context
    {% endif %}

),

windowed as (

    select
        window_rows.*,
        count(*) over (
            partition by window_rows.history_id
            order by window_rows.transaction_at
            range between interval '1 hour' preceding and current row
        ) as txn_count_1h,
        count(*) over (
            partition by window_rows.history_id
            order by window_rows.transaction_at
            range between interval '24 hours' preceding and current row
        ) as txn_count_24h,
        sum(window_rows.transaction_amount_abs) over (
            partition by window_rows.history_id
            order by window_rows.transaction_at
            range between interval '24 hours' preceding and current row
        ) as amount_sum_24h,
        -- the account's transactions within the history (an account has one owner)
        count(*) over (
            partition by window_rows.history_id, window_rows.account_id
            order by window_rows.transaction_at
            range between interval '1 hour' preceding and current row
        ) as account_txn_count_1h,
        count(*) over (
            partition by window_rows.history_id, window_rows.is_card_present
            order by window_rows.transaction_at
            range between interval '1 hour' preceding and current row
        ) as same_presence_txn_count_1h,
        row_number() over (
            partition by window_rows.history_id, window_rows.is_computed
            order by window_rows.transaction_at, window_rows.transaction_id
        ) - 1 as computed_prior_txn_count,
        -- the customer's norm for this kind of transaction (purchase or not): geometric
        -- mean of the previous {{ norm_window_rows }} amounts
        exp(avg(ln(greatest(window_rows.transaction_amount_abs, 0.01))) over (
            partition by window_rows.history_id, window_rows.is_purchase
            order by window_rows.transaction_at, window_rows.transaction_id
            rows between {{ norm_window_rows }} preceding and 1 preceding
        )) as customer_norm_amount,
        lag(window_rows.transaction_at) over (
            partition by window_rows.history_id
            order by window_rows.transaction_at, window_rows.transaction_id
        ) as previous_transaction_at,
        row_number() over (
            partition by window_rows.history_id, window_rows.ip_country, window_rows.is_computed
            order by window_rows.transaction_at, window_rows.transaction_id
        ) as computed_ip_country_use_number,
        row_number() over (
            partition by window_rows.history_id, window_rows.merchant_id, window_rows.is_computed
            order by window_rows.transaction_at, window_rows.transaction_id
        ) as computed_merchant_visit_number
    from window_rows

),

histories as (

    -- whole-history counts: the computed rows' own, plus (incremental runs) the earlier
    -- rows' count and whether an IP country or merchant was used before
    select
        windowed.*,
        windowed.computed_prior_txn_count
        {% if is_incremental() %}
        + coalesce(earlier_counts.transaction_count, 0)
        {% endif %}
            as prior_txn_count,
        windowed.ip_country is not null
        and windowed.computed_ip_country_use_number = 1
        {% if is_incremental() %}
        and earlier_ip_countries.ip_country is null
        {% endif %}
            as is_first_ip_country_use,
        windowed.merchant_id is not null
        and windowed.computed_merchant_visit_number = 1
        {% if is_incremental() %}
        and earlier_merchants.merchant_id is null
        {% endif %}
            as is_first_merchant_use
    from windowed
    {% if is_incremental() %}
    left join earlier_counts
        on windowed.history_id = earlier_counts.history_id
    left join earlier_ip_countries
        on
            windowed.history_id = earlier_ip_countries.history_id
            and windowed.ip_country = earlier_ip_countries.ip_country
    left join earlier_merchants
        on
            windowed.history_id = earlier_merchants.history_id
            and windowed.merchant_id = earlier_merchants.merchant_id
    {% endif %}
    where windowed.is_computed

),

features as (

    select
        -- keys
        transaction_key,
        transaction_id,
        customer_key,
        merchant_key,
        customer_id,
        account_id,
        history_id,
        -- attributes
        transaction_type,
        channel,
        merchant_category,
        is_purchase,
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
        is_first_merchant_use and prior_txn_count > 0 as is_first_merchant_visit,
        -- features: geography
        coalesce(ip_country <> customer_country, false) as is_foreign_ip,
        is_first_ip_country_use and prior_txn_count > 0 as is_new_ip_country,
        is_declined,
        -- label (never a feature)
        is_fraud,
        -- dates and timestamps
        transaction_date,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start_date,
        transaction_at,
        loaded_at
    from histories

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
        ) as numeric), 4) as {{ dbt.type_numeric() }}) as rule_fraud_score,
        {{ dbt_loaded_at() }} as dbt_loaded_at
    from signals

)

select * from final
