{{ config(materialized='view') }}

{#
    What is happening now: the last hour and the last 24 hours against the same window one
    day earlier, overall and per channel. "Now" is the newest transaction time in gold,
    never the wall clock, so the view works on simulated data. A view (computed at query
    time) that reads only the last two days through the date index of fact_transactions.
#}

{%- set windows = {'last_1h': 1, 'last_24h': 24} %}

with transactions as (

    select * from {{ ref('fact_transactions') }}

),

transaction_risk as (

    select * from {{ ref('features_transaction_risk') }}

),

fraud_scores as (

    {{ ml_scores_or_empty(source('ml', 'ml_fraud_scores'), {
        'transaction_id': dbt.type_string(),
        'is_flagged': dbt.type_boolean(),
    }) }}

),

anchor as (

    select
        max(transactions.transaction_at) as as_of_at,
        max(transactions.transaction_date) as as_of_date
    from transactions
    where transactions.transaction_date = (select max(transaction_date) from transactions)

),

recent as (

    -- two days and a bit: enough for "the last 24 hours" and "the same 24 hours yesterday"
    select
        transactions.transaction_id,
        transactions.transaction_at,
        transactions.channel,
        transactions.transaction_amount_abs,
        transactions.is_declined,
        transactions.has_fraud_alert,
        coalesce(fraud_scores.is_flagged, transaction_risk.rule_fraud_score >= 0.5, false) as is_flagged,
        fraud_scores.is_flagged is not null as is_model_scored,
        anchor.as_of_at
    from transactions
    cross join anchor
    left join transaction_risk
        on transactions.transaction_id = transaction_risk.transaction_id
    left join fraud_scores
        on transactions.transaction_id = fraud_scores.transaction_id
    where transactions.transaction_date >= {{ dbt.dateadd('day', -3, 'anchor.as_of_date') }}

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
        round(cast({{ safe_ratio('current_transaction_count - previous_transaction_count', 'previous_transaction_count') }} as numeric), 6)
            as transaction_count_change_pct,
        round(cast({{ safe_ratio('current_value_amount - previous_value_amount', 'previous_value_amount') }} as numeric), 6)
            as value_change_pct,
        -- timestamps
        as_of_at,
        {{ dbt.dateadd('hour', '-window_hours', 'as_of_at') }} as window_start_at
    from combined

)

select * from final
