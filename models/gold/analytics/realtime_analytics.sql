{{ config(materialized='view') }}

{#
    What is happening now: the last hour and the last 24 hours against the same window one
    day earlier, overall and per channel. "Now" is the newest transaction time in gold,
    never the wall clock, so the view works on simulated data.

    A view (computed at query time) that stays fast at any volume. "Now" comes from the
    transaction_date index of fact_transactions: the newest date, then the newest time
    among that day's rows. Facts and fraud features are read through the transaction_date
    indexes of both tables from three days before it only (the facts also no earlier than
    the oldest window starts), each CTE that reads them is referenced once, so PostgreSQL
    inlines it instead of first materialising the whole table (the earlier version took
    25-40 s per call at 10M transactions that way), and model scores are looked up by key
    per recent transaction. features_transaction_risk holds every fact_transactions row
    with the same transaction_date, so its date filter keeps every row the join can match.
#}

{%- set windows = {'last_1h': 1, 'last_24h': 24} %}
{#- two days and a bit: enough for "the last 24 hours" and "the same 24 hours yesterday" #}
{%- set lookback_start = dbt.dateadd('day', -3, 'anchor.as_of_date') %}
{#- the oldest moment any window reads: the same 24 hours one day earlier #}
{%- set oldest_window_start = dbt.dateadd('hour', -(24 + windows.values() | max), 'anchor.as_of_at') %}
{%- set count_change = safe_ratio(
    'current_transaction_count - previous_transaction_count', 'previous_transaction_count'
) %}
{%- set value_change = safe_ratio('current_value_amount - previous_value_amount', 'previous_value_amount') %}

with anchor as (

    select
        max(latest_transactions.transaction_at) as as_of_at,
        max(latest_transactions.transaction_date) as as_of_date
    from {{ ref('fact_transactions') }} as latest_transactions
    where latest_transactions.transaction_date = (
        select max(all_transactions.transaction_date) as last_date
        from {{ ref('fact_transactions') }} as all_transactions
    )

),

transactions as (

    select
        transaction_id,
        transaction_at,
        channel,
        transaction_amount_abs,
        is_declined,
        has_fraud_alert
    from {{ ref('fact_transactions') }}
    where
        transaction_date >= (select {{ lookback_start }} as lookback_start from anchor)
        and transaction_at > (select {{ oldest_window_start }} as oldest_window_start from anchor)

),

transaction_risk as (

    select
        transaction_id,
        rule_fraud_score
    from {{ ref('features_transaction_risk') }}
    where transaction_date >= (select {{ lookback_start }} as lookback_start from anchor)

),

fraud_scores as (

    select * from {{ ref('stg_ml_fraud_scores') }}

),

recent as (

    select
        transactions.transaction_id,
        transactions.transaction_at,
        transactions.channel,
        transactions.transaction_amount_abs,
        transactions.is_declined,
        transactions.has_fraud_alert,
        coalesce(model_score.is_flagged, transaction_risk.rule_fraud_score >= 0.5, false) as is_flagged,
        model_score.is_flagged is not null as is_model_scored,
        anchor.as_of_at
    from transactions
    cross join anchor
    left join transaction_risk
        on transactions.transaction_id = transaction_risk.transaction_id
    -- one lookup by primary key per recent transaction, never a scan of every score: the
    -- aggregate keeps the lookup per row (NULL when unscored; transaction_id is the key)
    cross join lateral (
        select bool_or(fraud_scores.is_flagged) as is_flagged
        from fraud_scores
        where fraud_scores.transaction_id = transactions.transaction_id
    ) as model_score

),

windowed as (

    {% for window_name, hours in windows.items() %}
    select
        '{{ window_name }}' as window_name,
        {{ hours }} as window_hours,
        recent.*,
        recent.transaction_at > {{ dbt.dateadd('hour', -hours, 'recent.as_of_at') }} as is_current_window,
        recent.transaction_at <= {{ dbt.dateadd('hour', -24, 'recent.as_of_at') }}
        and recent.transaction_at > {{ dbt.dateadd('hour', -(24 + hours), 'recent.as_of_at') }} as is_previous_window
    from recent
    where recent.transaction_at > {{ dbt.dateadd('hour', -(24 + hours), 'recent.as_of_at') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

by_channel as (

    select
        window_name,
        window_hours,
        channel,
        as_of_at,
        {% for period in ['current', 'previous'] %}
        sum(case when is_{{ period }}_window then 1 else 0 end) as {{ period }}_transaction_count,
        sum(case when is_{{ period }}_window then transaction_amount_abs else 0 end) as {{ period }}_value_amount,
        sum(case when is_{{ period }}_window and has_fraud_alert then 1 else 0 end) as {{ period }}_fraud_alert_count,
        sum(case when is_{{ period }}_window and is_flagged then 1 else 0 end) as {{ period }}_flagged_count,
        sum(case when is_{{ period }}_window and is_declined then 1 else 0 end) as {{ period }}_declined_count,
        {% endfor %}
        min(case when is_model_scored then 1 else 0 end) as all_model_scored
    from windowed
    group by 1, 2, 3, 4

),

overall as (

    select
        window_name,
        window_hours,
        'all' as channel,
        max(as_of_at) as as_of_at,
        {% for period in ['current', 'previous'] %}
        sum({{ period }}_transaction_count) as {{ period }}_transaction_count,
        sum({{ period }}_value_amount) as {{ period }}_value_amount,
        sum({{ period }}_fraud_alert_count) as {{ period }}_fraud_alert_count,
        sum({{ period }}_flagged_count) as {{ period }}_flagged_count,
        sum({{ period }}_declined_count) as {{ period }}_declined_count,
        {% endfor %}
        min(all_model_scored) as all_model_scored
    from by_channel
    group by 1, 2

),

combined as (

    select * from overall
    union all
    select * from by_channel

),

final as (

    select
        -- keys
        window_name,
        channel,
        -- attributes
        window_hours,
        case when all_model_scored = 1 then 'model' else 'rules' end as flag_source,
        -- measures: now
        current_transaction_count,
        current_value_amount,
        current_fraud_alert_count,
        current_flagged_count,
        round(cast({{ safe_ratio('current_declined_count', 'current_transaction_count') }} as numeric), 6)
            as current_decline_rate,
        -- measures: the same window yesterday
        previous_transaction_count,
        previous_value_amount,
        previous_fraud_alert_count,
        previous_flagged_count,
        round(cast({{ safe_ratio('previous_declined_count', 'previous_transaction_count') }} as numeric), 6)
            as previous_decline_rate,
        -- measures: change
        round(cast({{ count_change }} as numeric), 6) as transaction_count_change_pct,
        round(cast({{ value_change }} as numeric), 6) as value_change_pct,
        -- timestamps
        as_of_at,
        {{ dbt.dateadd('hour', '-window_hours', 'as_of_at') }} as window_start_at
    from combined

)

select * from final
