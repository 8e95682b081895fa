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
            {'columns': ['merchant_key', 'history_id', 'transaction_at']},
            {'columns': ['customer_key']},
        ],
        post_hook=["{{ delete_rows_missing_upstream(this, ref('fact_transactions'), 'transaction_id') }}"],
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
    recomputed rows read them as context: the last 30 rows of each kind (purchase or not)
    it recomputes, its last row and every row of the 24 hours before the change. Counts
    over the whole history start from what the earlier rows hold: the prior count from the
    last one's; whether a computed row's IP country or merchant was used before from one
    earlier row that used it, found through an index. A history is read per kind of
    transaction (the order of its index), never joined whole, so a run reads in proportion
    to the histories it recomputes, not to their length. A row whose transaction did not
    change but whose merchant's attributes did (or whose customer version left
    dim_customer) keeps its history features and gets its row-level ones again. A full
    refresh computes the same rows from all of fact_transactions (pytest compares the two).

    Finding the changes reads only what changed, through indexes: the rows the fact wrote
    since this table's latest write (fact_transactions stamps dbt_loaded_at on every row
    it writes), compared with the rows held; a full comparison only when a transaction was
    withdrawn (or a row lost here); the merchants and customer versions that changed. What
    to read is settled before the query is planned (macros/features_incremental.sql).
#}

{%- set night_end_hour = 6 %}
{%- set norm_window_rows = 30 %}
{%- set context_hours = 24 %}
{%- if is_incremental() %}
{%- set scope = transaction_risk_scope(this, ref('fact_transactions'), ref('dim_customer'), ref('dim_merchant')) %}
{%- set refreshed_keys = scope.changed_merchant_keys or scope.left_customer_keys %}
{%- endif %}

-- not materialized (postgres): an incremental run reads it several times, each through an
-- index (a shared CTE would copy all of it first)
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
-- materialized: an incremental run joins it to the few transactions it needs
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
-- not materialized: read many times, through different indexes
held as not materialized (

    select * from {{ this }}

),

rewritten as (

    -- the fact's rows written since this table's latest write (the dbt_loaded_at index);
    -- all of them when that is unknown (unit tests)
    select transactions.transaction_id
    from transactions
    {% if scope.written_after is not none %}
    where transactions.dbt_loaded_at > {{ scope.written_after }}
    {% endif %}

),

{% if not scope.is_consistent %}
unmatched as (

    -- the counts disagree (a transaction withdrawn upstream, or a row lost here): every
    -- transaction on one side only
    select
        transactions.transaction_id as current_transaction_id,
        coalesce(transactions.customer_id, transactions.account_id) as current_history_id,
        transactions.transaction_at as current_at,
        held.history_id as held_history_id,
        held.transaction_at as held_at
    from transactions
    full outer join held
        on transactions.transaction_id = held.transaction_id
    where transactions.transaction_id is null or held.transaction_id is null

),
{% endif %}

changed as (

    -- transactions whose history features may differ from the ones held: new, withdrawn,
    -- reloaded (a re-sent row), moved in time, re-keyed, or (rewritten ones) whose
    -- merchant or customer attributes changed
    select
        described.transaction_id as current_transaction_id,
        described.history_id as current_history_id,
        described.transaction_at as current_at,
        held.history_id as held_history_id,
        held.transaction_at as held_at
    from described
    left join held
        on described.transaction_id = held.transaction_id
    where
        -- = any(array): the planner expects few keys and looks each one up in the index
        described.transaction_id = any(array(select rewritten.transaction_id from rewritten))
        and (
            held.transaction_id is null
            or described.loaded_at <> held.loaded_at
            or described.transaction_at <> held.transaction_at
            or described.history_id <> held.history_id
            or described.customer_key <> held.customer_key
            or described.merchant_key <> held.merchant_key
            or described.merchant_category is distinct from held.merchant_category
            or coalesce(described.merchant_risk_score, 0) <> held.merchant_risk_score
            or described.merchant_age_days is distinct from held.merchant_age_days
            or coalesce(described.ip_country <> described.customer_country, false) <> held.is_foreign_ip
        )
    {% if not scope.is_consistent %}
    union all
    select
        unmatched.current_transaction_id,
        unmatched.current_history_id,
        unmatched.current_at,
        unmatched.held_history_id,
        unmatched.held_at
    from unmatched
    {% endif %}

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

transaction_kinds as (

    select true as is_purchase
    union all
    select false as is_purchase

),

recomputed_kinds as (

    -- each recomputed history with each kind of transaction (never null: silver rejects a
    -- transaction without a type): the history index leads with (history_id,
    -- is_purchase), so a range of time is read per history and kind
    select
        recomputed_histories.history_id,
        recomputed_histories.changed_from,
        transaction_kinds.is_purchase
    from recomputed_histories
    cross join transaction_kinds

),

recomputed_transactions as (

    -- the transactions a recomputed history may hold from its change on: the rows held
    -- there (those unchanged are the fact's as they were) and the changed ones
    select later.transaction_id
    from recomputed_kinds
    cross join
        lateral (
            select held.transaction_id
            from held
            where
                held.history_id = recomputed_kinds.history_id
                and held.is_purchase = recomputed_kinds.is_purchase
                and held.transaction_at >= recomputed_kinds.changed_from
            -- in index order; offset 0 keeps it a lookup per history and kind (postgres
            -- would flatten it into a join, and may then scan every row held)
            order by held.transaction_at, held.transaction_id
            offset 0
        ) as later
    union
    select changed.current_transaction_id
    from changed
    where changed.current_transaction_id is not null

),

enriched as (

    -- the rows recomputed: the fact's rows of each recomputed history from its change on,
    -- with that change (what the history used before is looked up to it)
    select
        described.*,
        recomputed_histories.changed_from as recomputed_from
    from described
    inner join recomputed_histories
        on
            described.history_id = recomputed_histories.history_id
            and described.transaction_at >= recomputed_histories.changed_from
    where
        described.transaction_id
        = any(array(select recomputed_transactions.transaction_id from recomputed_transactions))

),

held_window_columns as not materialized (

    -- the columns the windows read from an earlier row; not materialized: each read below
    -- goes to the table through its own index
    select
        history_id,
        account_id,
        transaction_id,
        transaction_at,
        amount_abs as transaction_amount_abs,
        is_card_present,
        is_purchase,
        prior_txn_count
    from held

),

last_of_kind as (

    -- the last row held before the change, of each kind
    select latest.*
    from recomputed_kinds
    cross join
        lateral (
            select earlier.*
            from held_window_columns as earlier
            where
                earlier.history_id = recomputed_kinds.history_id
                and earlier.is_purchase = recomputed_kinds.is_purchase
                and earlier.transaction_at < recomputed_kinds.changed_from
            order by earlier.transaction_at desc, earlier.transaction_id desc
            limit 1
        ) as latest

),

last_earlier as (

    -- each recomputed history's last row before the change: the previous transaction of
    -- its first recomputed row; its prior count plus one is how many rows came before
    select distinct on (history_id) *
    from last_of_kind
    order by
        history_id asc,
        transaction_at desc,
        transaction_id desc

),

earlier_counts as (

    select
        history_id,
        prior_txn_count + 1 as transaction_count
    from last_earlier

),

earlier_ip_countries as (

    -- the IP countries of the computed rows that their history used before the change:
    -- one earlier row with the same country is enough (most histories keep one country,
    -- so the first rows read answer)
    select
        computed_ip_countries.history_id,
        computed_ip_countries.ip_country
    from (
        select distinct
            history_id,
            recomputed_from,
            ip_country
        from enriched
        where ip_country is not null
    ) as computed_ip_countries
    cross join
        lateral (
            select 1 as was_used
            from held
            inner join transactions
                on held.transaction_id = transactions.transaction_id
            where
                held.history_id = computed_ip_countries.history_id
                and held.transaction_at < computed_ip_countries.recomputed_from
                and transactions.ip_country = computed_ip_countries.ip_country
            -- any one row answers (a lateral with a limit stays a lookup per country)
            limit 1  -- noqa: AM09
        ) as used_before

),

earlier_merchants as (

    -- the merchants of the computed rows that their history visited before the change:
    -- an earlier row with the same merchant key (one per merchant), or with the unknown
    -- member's key (merchants not yet in dim_merchant) and the same merchant; any earlier
    -- row of the same merchant when the computed row's key is the unknown member's
    select
        visited_merchants.history_id,
        visited_merchants.merchant_id
    from (
        select distinct
            history_id,
            recomputed_from,
            merchant_key,
            merchant_id
        from enriched
        where merchant_id is not null
    ) as visited_merchants
    cross join
        lateral (
            select 1 as was_visited
            from held
            where
                visited_merchants.merchant_key <> {{ unknown_member_key() }}
                and held.merchant_key = visited_merchants.merchant_key
                and held.history_id = visited_merchants.history_id
                and held.transaction_at < visited_merchants.recomputed_from
            {%- for unknown_side in ['held', 'visited_merchants'] %}
            union all
            -- the same merchant, when the {{ unknown_side }} row has the unknown member's key
            select 1 as was_visited
            from held
            inner join transactions
                on held.transaction_id = transactions.transaction_id
            where
                {{ unknown_side }}.merchant_key = {{ unknown_member_key() }}
                and held.history_id = visited_merchants.history_id
                and held.transaction_at < visited_merchants.recomputed_from
                and transactions.merchant_id = visited_merchants.merchant_id
            {%- endfor %}
            limit 1
        ) as visited_before

),

computed_kinds as (

    select distinct
        history_id,
        recomputed_from,
        is_purchase
    from enriched

),

context as (

    -- the earlier rows the trailing windows of the recomputed rows reach: per history, the
    -- last {{ norm_window_rows }} of each kind (purchase or not) it recomputes (the amount
    -- norm), its last row (the previous transaction) and all of the {{ context_hours }}
    -- hours before the change (the time windows)
    select recent.*
    from computed_kinds
    cross join
        lateral (
            select earlier.*
            from held_window_columns as earlier
            where
                earlier.history_id = computed_kinds.history_id
                and earlier.is_purchase = computed_kinds.is_purchase
                and earlier.transaction_at < computed_kinds.recomputed_from
            order by earlier.transaction_at desc, earlier.transaction_id desc
            limit {{ norm_window_rows }}
        ) as recent
    union
    select last_earlier.*
    from last_earlier
    union
    select day_before.*
    from recomputed_kinds
    cross join
        lateral (
            select earlier.*
            from held_window_columns as earlier
            where
                earlier.history_id = recomputed_kinds.history_id
                and earlier.is_purchase = recomputed_kinds.is_purchase
                and earlier.transaction_at < recomputed_kinds.changed_from
                and earlier.transaction_at
                >= {{ dbt.dateadd('hour', -context_hours, 'recomputed_kinds.changed_from') }}
            -- a lookup per history and kind, as above
            order by earlier.transaction_at, earlier.transaction_id
            offset 0
        ) as day_before

),
{% else %}
enriched as (

    select
        *,
        cast(null as {{ dbt.type_timestamp() }}) as recomputed_from
    from described

),
{% endif %}

window_rows as (

    -- the rows being computed, and (incremental runs) the earlier rows their windows reach,
    -- with only the columns the windows read (narrow rows sort faster); counts over the
    -- whole history number the computed rows apart from the context
    select
        enriched.transaction_id,
        enriched.history_id,
        enriched.account_id,
        enriched.merchant_id,
        enriched.ip_country,
        enriched.transaction_at,
        enriched.transaction_amount_abs,
        -- the log amount of the norm, once per row (a moving window would take it twice)
        ln(greatest(enriched.transaction_amount_abs, 0.01)) as norm_log_amount,
        enriched.is_purchase,
        enriched.is_card_present,
        true as is_computed
    from enriched
    {% if is_incremental() %}
    union all
    select
        context.transaction_id,
        context.history_id,
        context.account_id,
        null as merchant_id,
        null as ip_country,
        context.transaction_at,
        context.transaction_amount_abs,
        ln(greatest(context.transaction_amount_abs, 0.01)) as norm_log_amount,
        context.is_purchase,
        context.is_card_present,
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
        exp(avg(window_rows.norm_log_amount) over (
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

computed as (

    -- the computed rows with their history features
    select
        enriched.*,
        round(
            cast(histories.transaction_amount_abs / nullif(histories.customer_norm_amount, 0) as numeric), 4
        ) as amount_to_norm_ratio,
        histories.amount_sum_24h,
        cast(histories.txn_count_1h as {{ dbt.type_int() }}) as txn_count_1h,
        cast(histories.txn_count_24h as {{ dbt.type_int() }}) as txn_count_24h,
        cast(histories.account_txn_count_1h as {{ dbt.type_int() }}) as account_txn_count_1h,
        cast(histories.same_presence_txn_count_1h as {{ dbt.type_int() }}) as same_presence_txn_count_1h,
        cast(histories.prior_txn_count as {{ dbt.type_int() }}) as prior_txn_count,
        cast(
            {{ dbt.datediff('histories.previous_transaction_at', 'histories.transaction_at', 'second') }}
            as {{ dbt.type_bigint() }}
        ) as seconds_since_previous,
        histories.is_first_merchant_use and histories.prior_txn_count > 0 as is_first_merchant_visit,
        histories.is_first_ip_country_use and histories.prior_txn_count > 0 as is_new_ip_country
    from histories
    inner join enriched
        on histories.transaction_id = enriched.transaction_id

),

{% if is_incremental() and refreshed_keys %}
refreshed as (

    -- rows of a merchant or customer version that changed, outside the recomputed
    -- histories: their history features are the ones held
    select
        described.*,
        cast(null as {{ dbt.type_timestamp() }}) as recomputed_from,
        held.amount_to_norm_ratio,
        held.amount_sum_24h,
        held.txn_count_1h,
        held.txn_count_24h,
        held.account_txn_count_1h,
        held.same_presence_txn_count_1h,
        held.prior_txn_count,
        held.seconds_since_previous,
        held.is_first_merchant_visit,
        held.is_new_ip_country
    from held
    inner join described
        on held.transaction_id = described.transaction_id
    where
        (
            {%- if scope.changed_merchant_keys %}
            held.merchant_key in ({{ scope.changed_merchant_keys | join(', ') }})
            {%- else %}
            false
            {%- endif %}
            {%- if scope.left_customer_keys %}
            or held.customer_key in ({{ scope.left_customer_keys | join(', ') }})
            {%- endif %}
        )
        and not exists (
            select 1
            from recomputed_histories
            where
                recomputed_histories.history_id = described.history_id
                and recomputed_histories.changed_from <= described.transaction_at
        )

),
{% endif %}

history_features as (

    select * from computed
    {% if is_incremental() and refreshed_keys %}
    union all
    select * from refreshed
    {% endif %}

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
        amount_to_norm_ratio,
        amount_sum_24h,
        -- features: velocity and history
        txn_count_1h,
        txn_count_24h,
        account_txn_count_1h,
        same_presence_txn_count_1h,
        prior_txn_count,
        seconds_since_previous,
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
        is_first_merchant_visit,
        -- features: geography
        coalesce(ip_country <> customer_country, false) as is_foreign_ip,
        is_new_ip_country,
        is_declined,
        -- label (never a feature)
        is_fraud,
        -- dates and timestamps
        transaction_date,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start_date,
        transaction_at,
        loaded_at
    from history_features

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
