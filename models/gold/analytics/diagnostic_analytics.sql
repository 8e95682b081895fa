{{
    config(
        indexes=[
            {'columns': ['analysis', 'factor_value'], 'unique': true},
        ],
    )
}}

{#
    Why things happened: event rates by factor against the overall rate (lift), over the
    whole history in gold. Fraud (per transaction), churn (per current customer),
    declines (per transaction), service issues (per customer-month) and delinquency (per
    customer with loan instalments due). One long table: filter on analysis.
#}

{%- set fraud_factors = {
    'fraud_by_channel': 'channel',
    'fraud_by_hour': "lpad(cast(transaction_hour as " ~ dbt.type_string() ~ "), 2, '0')",
    'fraud_by_merchant_category': "coalesce(merchant_category, 'no_merchant')",
    'fraud_by_card_presence': "case when is_card_present then 'card_present' else 'card_not_present' end",
} %}

{%- set fraud_signals = {
    'night_card_not_present': 'signal_night_card_not_present',
    'velocity_5_in_1h': 'signal_velocity',
    'new_high_risk_merchant': 'signal_new_high_risk_merchant',
    'amount_8x_customer_norm': 'signal_amount_outlier',
    'new_foreign_ip_country': 'signal_new_foreign_ip',
    'foreign_ip': 'is_foreign_ip',
    'first_visit_to_merchant': 'is_first_merchant_visit',
    'night': 'is_night',
    'card_not_present': 'is_card_not_present',
    'high_risk_merchant': 'is_high_risk_merchant',
    'weekend': 'transaction_day_of_week in (6, 7)',
    'amount_over_1000': 'amount_abs >= 1000',
} %}

{%- set churn_factors = {
    'churn_by_tenure': 'tenure_band',
    'churn_by_segment': 'customer_segment',
    'churn_by_complaints': "case when complaints_12m = 0 then '0' when complaints_12m = 1 then '1' when complaints_12m = 2 then '2' else '3+' end",
    'churn_by_fees': "case when fee_amount_12m < 25 then 'under_25' when fee_amount_12m < 100 then '25-100' when fee_amount_12m < 250 then '100-250' else '250+' end",
} %}

{%- set service_issues = {
    'complaint': 'complaint_count',
    'fee_dispute': 'fee_dispute_count',
    'any_interaction': 'interaction_count',
} %}

{%- set delinquency_factors = {
    'delinquency_by_credit_band': 'credit_score_band',
    'delinquency_by_income_band': 'income_band',
    'delinquency_by_employment': "coalesce(employment_status, 'unknown')",
} %}

with transaction_risk as (

    select * from {{ ref('features_transaction_risk') }}

),

-- not materialized (postgres): read twice, it would be copied whole; inlined, the first
-- month comes from the transaction_date index
transactions as not materialized (

    select * from {{ ref('fact_transactions') }}

),

-- read twice; inlined, the planner keeps its statistics
customers as not materialized (

    select * from {{ ref('dim_customer') }}

),

customer_months as (

    select * from {{ ref('fact_customer_monthly') }}

),

churn_features as (

    select * from {{ ref('features_customer_month') }}

),

fraud_cells as (

    -- one pass over the transactions: counts and sums per combination of the factors
    -- (a few thousand cells), and each signal's among them; every fraud row below is a
    -- sum of cells, exact since counts and amounts add up. A signal's sums are null, not
    -- 0, when no transaction has it: what a sum over none gives
    select
        {%- for analysis, expression in fraud_factors.items() %}
        cast({{ expression }} as {{ dbt.type_string() }}) as {{ analysis }},
        {%- endfor %}
        {%- for signal, expression in fraud_signals.items() %}
        count(case when {{ expression }} then 1 end) as {{ signal }}_population_count,
        sum(case when {{ expression }} then case when is_fraud then 1 else 0 end end) as {{ signal }}_event_count,
        sum(case when {{ expression }} then case when is_fraud then amount_abs else 0 end end)
            as {{ signal }}_event_amount,
        {%- endfor %}
        count(*) as population_count,
        sum(case when is_fraud then 1 else 0 end) as event_count,
        sum(case when is_fraud then amount_abs else 0 end) as event_amount
    from transaction_risk
    group by {{ range(1, fraud_factors | length + 1) | join(', ') }}

),

fraud_rows as (

    {% for analysis in fraud_factors %}
    select
        '{{ analysis }}' as analysis,
        {{ analysis }} as factor_value,
        cast(sum(population_count) as {{ dbt.type_bigint() }}) as population_count,
        sum(event_count) as event_count,
        sum(event_amount) as event_amount,
        cast(null as {{ dbt.type_float() }}) as average_value
    from fraud_cells
    group by 1, 2
    union all
    {% endfor %}
    {% for signal in fraud_signals %}
    select
        'fraud_by_signal' as analysis,
        '{{ signal }}' as factor_value,
        cast(coalesce(sum({{ signal }}_population_count), 0) as {{ dbt.type_bigint() }}) as population_count,
        sum({{ signal }}_event_count) as event_count,
        sum({{ signal }}_event_amount) as event_amount,
        cast(null as {{ dbt.type_float() }}) as average_value
    from fraud_cells
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

fraud_baseline as (

    select {{ safe_ratio('sum(event_count)', 'sum(population_count)') }} as baseline_rate
    from fraud_cells

),

transaction_outcomes as (

    -- one pass: transactions by outcome and decline reason
    select
        is_declined,
        case when is_declined then coalesce(decline_reason, 'unspecified') end as decline_reason,
        count(*) as transaction_count,
        sum(transaction_amount_abs) as transaction_amount
    from transactions
    group by 1, 2

),

transaction_totals as (

    select
        cast(sum(transaction_count) as {{ dbt.type_bigint() }}) as transaction_count,
        sum(case when is_declined then transaction_count else 0 end) as declined_count
    from transaction_outcomes

),

decline_rows as (

    select
        'decline_reasons' as analysis,
        transaction_outcomes.decline_reason as factor_value,
        transaction_totals.transaction_count as population_count,
        transaction_outcomes.transaction_count as event_count,
        transaction_outcomes.transaction_amount as event_amount,
        cast(null as {{ dbt.type_float() }}) as average_value
    from transaction_outcomes
    cross join transaction_totals
    where transaction_outcomes.is_declined

),

decline_baseline as (

    select {{ safe_ratio('declined_count', 'transaction_count') }} as baseline_rate
    from transaction_totals

),

churn_population as (

    -- current customers as of the last complete month; churned = no open account left or
    -- no approved transaction in the last 60 days (what the bank observes)
    select
        customers.customer_id,
        customers.tenure_band,
        customers.customer_segment,
        churn_features.complaints_12m,
        churn_features.fee_amount_12m,
        churn_features.open_accounts_at_month_end = 0
        or churn_features.days_since_last_transaction > 60 as is_churned
    from customers
    inner join churn_features
        on
            customers.customer_id = churn_features.customer_id
            and churn_features.is_scoring_month
    where
        customers.is_current
        and customers.customer_key <> {{ unknown_member_key() }}

),

churn_rows as (

    {% for analysis, expression in churn_factors.items() %}
    select
        '{{ analysis }}' as analysis,
        cast({{ expression }} as {{ dbt.type_string() }}) as factor_value,
        count(*) as population_count,
        sum(case when is_churned then 1 else 0 end) as event_count,
        cast(null as {{ dbt.type_numeric() }}) as event_amount,
        cast(null as {{ dbt.type_float() }}) as average_value
    from churn_population
    group by 1, 2
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

churn_baseline as (

    select {{ safe_ratio('sum(case when is_churned then 1 else 0 end)', 'count(*)') }} as baseline_rate
    from churn_population

),

active_month_totals as (

    -- one pass over the customer-months since the first transaction's month: per customer
    -- (the instalments of the borrowers) and over all of them (the service issues, their
    -- satisfaction averaged over the same rows as before)
    select
        customer_id,
        grouping(customer_id) as is_all_customers,
        count(*) as customer_month_count,
        {% for issue, column in service_issues.items() -%}
        sum({{ column }}) as {{ issue }}_event_count,
        avg(case when {{ column }} > 0 then {{ as_double('avg_satisfaction_score') }} end)
            as {{ issue }}_average_value,
        {% endfor -%}
        sum(loan_installment_due_count) as installments_due,
        sum(late_payment_count + missed_payment_count) as late_or_missed
    from customer_months
    where
        month_start_date >= (
            select cast({{ dbt.date_trunc('month', 'min(transaction_date)') }} as date) from transactions
        )
    group by grouping sets ((customer_id), ())  -- noqa: AM06

),

service_rows as (

    -- per customer-month: how often each kind of issue occurs, and the satisfaction score
    -- of the months that had one (no rows when there is no customer-month)
    {% for issue in service_issues %}
    select
        'service_issues' as analysis,
        '{{ issue }}' as factor_value,
        customer_month_count as population_count,
        {{ issue }}_event_count as event_count,
        cast(null as {{ dbt.type_numeric() }}) as event_amount,
        {{ issue }}_average_value as average_value
    from active_month_totals
    where
        is_all_customers = 1
        and customer_month_count > 0
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

borrowers as (

    select
        customer_id,
        installments_due,
        late_or_missed
    from active_month_totals
    where
        is_all_customers = 0
        and installments_due > 0

),

delinquency_population as (

    select
        borrowers.*,
        customers.credit_score_band,
        customers.income_band,
        customers.employment_status
    from borrowers
    inner join customers
        on
            borrowers.customer_id = customers.customer_id
            and customers.is_current

),

delinquency_rows as (

    {% for analysis, expression in delinquency_factors.items() %}
    select
        '{{ analysis }}' as analysis,
        cast({{ expression }} as {{ dbt.type_string() }}) as factor_value,
        count(*) as population_count,
        sum(case when late_or_missed > 0 then 1 else 0 end) as event_count,
        cast(null as {{ dbt.type_numeric() }}) as event_amount,
        avg({{ as_double('late_or_missed') }}) as average_value
    from delinquency_population
    group by 1, 2
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

delinquency_baseline as (

    select {{ safe_ratio('sum(case when late_or_missed > 0 then 1 else 0 end)', 'count(*)') }} as baseline_rate
    from delinquency_population

),

combined as (

    select
        fraud_rows.*,
        fraud_baseline.baseline_rate
    from fraud_rows
    cross join fraud_baseline
    union all
    select
        decline_rows.*,
        decline_baseline.baseline_rate
    from decline_rows
    cross join decline_baseline
    union all
    select
        churn_rows.*,
        churn_baseline.baseline_rate
    from churn_rows
    cross join churn_baseline
    union all
    select
        service_rows.*,
        cast(null as {{ dbt.type_float() }}) as baseline_rate
    from service_rows
    union all
    select
        delinquency_rows.*,
        delinquency_baseline.baseline_rate
    from delinquency_rows
    cross join delinquency_baseline

),

rated as (

    select
        combined.*,
        {{ safe_ratio('combined.event_count', 'combined.population_count') }} as event_rate,
        {{ safe_ratio('combined.event_count', 'sum(combined.event_count) over (partition by combined.analysis)') }}
            as share_of_events
    from combined

),

final as (

    select
        -- keys
        analysis,
        coalesce(factor_value, 'unknown') as factor_value,
        -- attributes
        case
            when analysis like 'fraud%' then 'Which transactions turn out to be fraud?'
            when analysis like 'churn%' then 'Which customers leave?'
            when analysis = 'decline_reasons' then 'Why are transactions declined?'
            when analysis = 'service_issues' then 'What do customers contact us about, and how satisfied are they?'
            else 'Which borrowers pay late or miss payments?'
        end as question,
        case
            when analysis like 'fraud%' or analysis = 'decline_reasons' then 'transaction'
            when analysis like 'churn%' then 'customer'
            when analysis = 'service_issues' then 'customer_month'
            else 'borrower'
        end as population_unit,
        -- measures
        population_count,
        event_count,
        round(cast(event_rate as numeric), 6) as event_rate,
        -- Wilson 95% interval of the rate: a factor value seen on few units says so
        round(cast({{ wilson_lower('event_rate', 'population_count') }} as numeric), 6) as event_rate_ci_lower_95,
        round(cast({{ wilson_upper('event_rate', 'population_count') }} as numeric), 6) as event_rate_ci_upper_95,
        round(cast(baseline_rate as numeric), 6) as baseline_rate,
        round(cast({{ safe_ratio('event_rate', 'baseline_rate') }} as numeric), 4) as lift,
        event_amount,
        round(cast(share_of_events as numeric), 6) as share_of_events,
        round(cast(average_value as numeric), 4) as average_value,
        -- flags
        coalesce(population_count, 0) < {{ var('min_group_size', 30) }} as is_small_sample,
        cast(row_number() over (
            partition by analysis
            order by event_rate desc nulls last, event_count desc, factor_value asc
        ) as {{ dbt.type_int() }}) as rank_in_analysis
    from rated

)

select * from final
