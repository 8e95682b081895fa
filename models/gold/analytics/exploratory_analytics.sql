{{
    config(
        indexes=[
            {'columns': ['customer_id'], 'unique': true},
            {'columns': ['segment_label']},
        ],
    )
}}

{#
    What patterns exist: one row per current customer with behaviour features over the
    last 365 days, RFM scores, the k-means segment (or a rule-based one before `make ml`),
    outlier flags (z-scores of log spend and log ticket across customers) and, on every
    row, population-level correlations between the main features.
#}

{#- a transaction's calendar month, counted back from the last day's (0): 365 days never
    span more than 13 -#}
{%- set month_offsets = range(13) %}
{%- set as_of_month_start = dbt.date_trunc('month', 'cast(as_of_date as ' ~ dbt.type_timestamp() ~ ')') %}

with customers as (

    select * from {{ ref('dim_customer') }}

),

-- not materialized (postgres): read twice, it would be copied whole; inlined, the last
-- day comes from the transaction_date index
transactions as not materialized (

    select * from {{ ref('fact_transactions') }}

),

merchants as (

    select * from {{ ref('dim_merchant') }}

),

customer_months as (

    select * from {{ ref('features_customer_month') }}

),

segments as (

    select * from {{ ref('stg_ml_customer_segments') }}

),

as_of as (

    select max(transaction_date) as as_of_date
    from transactions

),

-- materialized (postgres): computed once; inlined, every transaction would compute them
as_of_months as materialized (

    -- the first day of the last day's month and of the 11 before it (dates: a
    -- transaction's date is compared, not cast)
    select
        {%- for months in month_offsets if months < 12 %}
        cast({{ dbt.dateadd('month', -months, as_of_month_start) }} as date) as month_start_{{ months }},
        {%- endfor %}
        as_of_date
    from as_of

),

current_customers as (

    select *
    from customers
    where
        is_current
        and customer_key <> {{ unknown_member_key() }}

),

-- materialized (postgres): read three times, as the narrow rows of the columns used (a
-- fact row is wide; scanning it three times costs more than copying these once)
last_year as materialized (

    select
        transactions.customer_id,
        transactions.merchant_id,
        transactions.merchant_key,
        transactions.transaction_date,
        transactions.transaction_amount_abs,
        transactions.is_approved,
        transactions.is_debit,
        transactions.is_fee_transaction,
        transactions.is_purchase,
        transactions.is_digital_channel,
        transactions.is_night,
        transactions.is_international,
        transactions.is_card_not_present,
        -- calendar months before the last day's (0 to 12: 365 days never span more than 13)
        case
            {% for months in month_offsets if months < 12 -%}
            when transactions.transaction_date >= as_of_months.month_start_{{ months }} then {{ months }}
            {% endfor -%}
            else 12
        end as months_back
    from transactions
    cross join as_of_months
    where
        transactions.customer_id is not null
        and transactions.transaction_date > {{ dbt.dateadd('day', -365, 'as_of_months.as_of_date') }}

),

behaviour as (

    -- the same spend definition as the k-means features (scripts/ml/features.py):
    -- approved debits the customer made, fees excluded. Shares are counts over the
    -- transaction count (what avg() of 1.0/0.0 computes, without numeric additions), and
    -- the months with a transaction are flagged one by one rather than counted distinct,
    -- which would sort every transaction
    select
        customer_id,
        max(case when is_approved and is_debit and not is_fee_transaction then transaction_date end)
            as last_spend_date,
        sum(case when is_approved and is_debit and not is_fee_transaction then 1 else 0 end) as frequency_count,
        sum(case when is_approved and is_debit and not is_fee_transaction then transaction_amount_abs else 0 end)
            as monetary_amount,
        count(*) as transaction_count,
        avg(case when is_approved and is_purchase then transaction_amount_abs end) as avg_ticket_amount,
        {% for share, flag in {
            'digital_share': 'is_digital_channel',
            'night_share': 'is_night',
            'international_share': 'is_international',
            'card_not_present_share': 'is_card_not_present',
        }.items() -%}
        cast(sum(case when {{ flag }} then 1 else 0 end) as {{ dbt.type_numeric() }}) / count(*) as {{ share }},
        {% endfor -%}
        cast(
            {% for months in month_offsets -%}
            max(case when months_back = {{ months }} then 1 else 0 end){{ ' +' if not loop.last }}
            {% endfor -%}
            as {{ dbt.type_bigint() }}
        ) as active_months
    from last_year
    group by customer_id

),

merchant_counts as (

    -- distinct by grouping, not count(distinct), which would sort every transaction
    select
        customer_id,
        count(*) as distinct_merchant_count
    from (
        select
            customer_id,
            merchant_id
        from last_year
        where merchant_id is not null
        group by customer_id, merchant_id
    ) as customer_merchants
    group by customer_id

),

category_spend as (

    select
        last_year.customer_id,
        merchants.category,
        sum(last_year.transaction_amount_abs) as category_amount,
        row_number() over (
            partition by last_year.customer_id
            order by sum(last_year.transaction_amount_abs) desc, merchants.category
        ) as category_rank
    from last_year
    inner join merchants
        on last_year.merchant_key = merchants.merchant_key
    where
        last_year.is_purchase
        and last_year.is_approved
    group by last_year.customer_id, merchants.category

),

profiles as (

    select
        current_customers.customer_id,
        current_customers.customer_key,
        current_customers.customer_segment,
        -- gold shows age as a band only (privacy); its first year keeps a numeric scale
        case current_customers.age_band
            when '18-24' then 18
            when '25-34' then 25
            when '35-44' then 35
            when '45-54' then 45
            when '55-64' then 55
            when '65+' then 65
        end as age_band_floor_years,
        current_customers.tenure_months,
        current_customers.annual_income,
        current_customers.credit_score,
        current_customers.region,
        as_of.as_of_date,
        {{ dbt.datediff(
            'coalesce(behaviour.last_spend_date, current_customers.customer_since_date, as_of.as_of_date)',
            'as_of.as_of_date',
            'day',
        ) }} as recency_days,
        coalesce(behaviour.frequency_count, 0) as frequency_count,
        coalesce(behaviour.monetary_amount, 0) as monetary_amount,
        coalesce(behaviour.transaction_count, 0) as transaction_count,
        behaviour.avg_ticket_amount,
        behaviour.digital_share,
        behaviour.night_share,
        behaviour.international_share,
        behaviour.card_not_present_share,
        coalesce(merchant_counts.distinct_merchant_count, 0) as distinct_merchant_count,
        coalesce(behaviour.active_months, 0) as active_months,
        category_spend.category as top_merchant_category,
        scoring_month.end_of_month_balance_amount
    from current_customers
    cross join as_of
    left join behaviour
        on current_customers.customer_id = behaviour.customer_id
    left join merchant_counts
        on current_customers.customer_id = merchant_counts.customer_id
    left join category_spend
        on
            current_customers.customer_id = category_spend.customer_id
            and category_spend.category_rank = 1
    left join customer_months as scoring_month
        on
            current_customers.customer_id = scoring_month.customer_id
            and scoring_month.is_scoring_month

),

scored as (

    select
        profiles.*,
        -- quintiles in SQL for the rule-based fallback (5 = best)
        ntile(5) over (order by profiles.recency_days desc, profiles.customer_id asc) as rule_r_score,
        ntile(5) over (order by profiles.frequency_count, profiles.customer_id) as rule_f_score,
        ntile(5) over (order by profiles.monetary_amount, profiles.customer_id) as rule_m_score,
        ln(1 + profiles.monetary_amount) as log_monetary,
        ln(1 + coalesce(profiles.avg_ticket_amount, 0)) as log_ticket
    from profiles

),

population as (

    select
        avg(log_monetary) as mean_log_monetary,
        stddev_samp(log_monetary) as sd_log_monetary,
        avg(log_ticket) as mean_log_ticket,
        stddev_samp(log_ticket) as sd_log_ticket,
        corr({{ as_double('annual_income') }}, {{ as_double('monetary_amount') }}) as corr_income_monetary,
        corr({{ as_double('tenure_months') }}, {{ as_double('monetary_amount') }}) as corr_tenure_monetary,
        corr({{ as_double('frequency_count') }}, {{ as_double('monetary_amount') }}) as corr_frequency_monetary,
        corr({{ as_double('digital_share') }}, {{ as_double('monetary_amount') }}) as corr_digital_share_monetary,
        corr({{ as_double('age_band_floor_years') }}, {{ as_double('digital_share') }}) as corr_age_digital_share,
        corr({{ as_double('credit_score') }}, {{ as_double('annual_income') }}) as corr_credit_score_income
    from scored

),

segmented as (

    select
        scored.*,
        population.*,
        coalesce(segments.r_score, scored.rule_r_score) as r_score,
        coalesce(segments.f_score, scored.rule_f_score) as f_score,
        coalesce(segments.m_score, scored.rule_m_score) as m_score,
        segments.cluster_id as segment_cluster_id,
        coalesce(
            segments.segment_label,
            case
                when scored.rule_r_score >= 4 and scored.rule_f_score + scored.rule_m_score >= 8 then 'Champions'
                when scored.rule_r_score <= 2 and scored.rule_f_score + scored.rule_m_score >= 6 then 'At risk'
                when scored.rule_r_score <= 2 then 'Hibernating'
                when scored.rule_f_score + scored.rule_m_score >= 7 then 'Loyal'
                else 'Promising'
            end
        ) as segment_label,
        case when segments.segment_label is not null then 'model' else 'rules' end as segment_source,
        segments.model_version as segment_model_version
    from scored
    cross join population
    left join segments
        on scored.customer_id = segments.customer_id

),

final as (

    select
        -- keys
        customer_id,
        customer_key,
        -- attributes
        customer_segment,
        region,
        top_merchant_category,
        -- segments
        segment_label,
        segment_cluster_id,
        segment_source,
        segment_model_version,
        cast(r_score as {{ dbt.type_int() }}) as r_score,
        cast(f_score as {{ dbt.type_int() }}) as f_score,
        cast(m_score as {{ dbt.type_int() }}) as m_score,
        {{ dbt.concat([
            "cast(r_score as " ~ dbt.type_string() ~ ")",
            "cast(f_score as " ~ dbt.type_string() ~ ")",
            "cast(m_score as " ~ dbt.type_string() ~ ")",
        ]) }} as rfm_code,
        cast(r_score + f_score + m_score as {{ dbt.type_int() }}) as rfm_total_score,
        -- behaviour over the last 365 days
        cast(recency_days as {{ dbt.type_int() }}) as recency_days,
        frequency_count,
        monetary_amount,
        transaction_count,
        cast(round(cast(avg_ticket_amount as numeric), 2) as numeric(16, 2)) as avg_ticket_amount,
        round(cast(digital_share as numeric), 4) as digital_share,
        round(cast(night_share as numeric), 4) as night_share,
        round(cast(international_share as numeric), 4) as international_share,
        round(cast(card_not_present_share as numeric), 4) as card_not_present_share,
        distinct_merchant_count,
        active_months,
        end_of_month_balance_amount,
        annual_income,
        credit_score,
        cast(age_band_floor_years as {{ dbt.type_int() }}) as age_band_floor_years,
        tenure_months,
        -- outliers
        round(cast((log_monetary - mean_log_monetary) / nullif(sd_log_monetary, 0) as numeric), 4) as spend_zscore,
        round(cast((log_ticket - mean_log_ticket) / nullif(sd_log_ticket, 0) as numeric), 4) as ticket_zscore,
        coalesce(abs((log_monetary - mean_log_monetary) / nullif(sd_log_monetary, 0)) > 3, false) as is_spend_outlier,
        coalesce(abs((log_ticket - mean_log_ticket) / nullif(sd_log_ticket, 0)) > 3, false) as is_ticket_outlier,
        -- population correlations (identical on every row)
        round(cast(corr_income_monetary as numeric), 4) as corr_income_monetary,
        round(cast(corr_tenure_monetary as numeric), 4) as corr_tenure_monetary,
        round(cast(corr_frequency_monetary as numeric), 4) as corr_frequency_monetary,
        round(cast(corr_digital_share_monetary as numeric), 4) as corr_digital_share_monetary,
        round(cast(corr_age_digital_share as numeric), 4) as corr_age_digital_share,
        round(cast(corr_credit_score_income as numeric), 4) as corr_credit_score_income,
        -- dates
        as_of_date
    from segmented

)

select * from final
