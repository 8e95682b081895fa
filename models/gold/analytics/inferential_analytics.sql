{{
    config(
        indexes=[
            {'columns': ['analysis', 'group_name', 'group_value', 'period_offset'], 'unique': true},
        ],
    )
}}

{#
    Can we generalise: group estimates with sample size, mean, standard deviation, standard
    error and a 95% confidence interval (normal for means, Wilson score for proportions);
    where a group is compared with a reference group, the difference, its interval, a z
    statistic and a two-sided p-value.

    analyses: monthly_spend_by_segment (mean per customer, Welch z-test against 'mass'),
    fraud_rate_by_channel and churn_rate_by_tenure (proportions, against the largest group),
    cohort_retention (share of a signup-month cohort active k months later),
    campaign_conversion_test (randomised campaigns: treatment against control).
    Proportions are compared with the pooled two-proportion z-test and Newcombe's hybrid
    score interval of the difference.
#}

{%- set months_since_signup = dbt.datediff(
    'cohort_members.cohort_month_date',
    'window_months.month_start_date',
    'month',
) %}

{#- the rate of both groups together, for the pooled two-proportion z-test -#}
{%- set pooled_rate = safe_ratio(
    'estimates.mean_value * estimates.sample_size + reference.mean_value * reference.sample_size',
    'estimates.sample_size + reference.sample_size',
) %}

with customers as (

    select * from {{ ref('dim_customer') }}

),

-- not materialized (postgres): read twice, it would be copied whole; inlined, the first
-- and last days come from the transaction_date index and the other read takes only these
-- columns
transactions as not materialized (

    select
        transaction_date,
        channel,
        is_fraud
    from {{ ref('fact_transactions') }}

),

customer_months as (

    select * from {{ ref('fact_customer_monthly') }}

),

churn_features as (

    select * from {{ ref('features_customer_month') }}

),

campaign_contacts as (

    select * from {{ ref('fact_campaign_contacts') }}

),

data_window as (

    select
        cast({{ dbt.date_trunc('month', 'min(transaction_date)') }} as date) as first_month_date,
        cast({{ dbt.date_trunc('month', 'max(transaction_date)') }} as date) as last_month_date
    from transactions

),

current_customers as (

    select *
    from customers
    where
        is_current
        and customer_key <> {{ unknown_member_key() }}

),

window_months as (

    -- the complete months of the data, read once for the spend and the cohorts (a cohort
    -- starts in the window); only the columns used, as it is read twice
    select
        customer_months.customer_id,
        customer_months.month_start_date,
        customer_months.purchase_volume_amount,
        customer_months.is_active
    from customer_months
    cross join data_window
    where
        customer_months.month_start_date >= data_window.first_month_date
        and customer_months.month_start_date < data_window.last_month_date

),

-- 1. mean monthly purchase spend per customer, by segment -------------------------------

customer_spend as (

    select
        customer_id,
        avg({{ as_double('purchase_volume_amount') }}) as monthly_spend
    from window_months
    group by customer_id

),

spend_groups as (

    select
        'monthly_spend_by_segment' as analysis,
        'customer_segment' as group_name,
        current_customers.customer_segment as group_value,
        cast(null as {{ dbt.type_int() }}) as period_offset,
        'mean monthly purchase spend per customer' as metric,
        count(*) as sample_size,
        avg(customer_spend.monthly_spend) as mean_value,
        stddev_samp(customer_spend.monthly_spend) as std_dev,
        {{ std_error('stddev_samp(customer_spend.monthly_spend)', 'count(*)') }} as std_error
    from customer_spend
    inner join current_customers
        on customer_spend.customer_id = current_customers.customer_id
    group by current_customers.customer_segment

),

-- 2. proportions: fraud by channel, churn by tenure band --------------------------------

fraud_groups as (

    select
        'fraud_rate_by_channel' as analysis,
        'channel' as group_name,
        channel as group_value,
        cast(null as {{ dbt.type_int() }}) as period_offset,
        'share of transactions confirmed as fraud' as metric,
        count(*) as sample_size,
        avg(case when is_fraud then 1.0 else 0.0 end) as mean_value
    from transactions
    group by channel

),

churn_groups as (

    select
        'churn_rate_by_tenure' as analysis,
        'tenure_band' as group_name,
        current_customers.tenure_band as group_value,
        cast(null as {{ dbt.type_int() }}) as period_offset,
        'share of customers churned (no open account or inactive 60 days)' as metric,
        count(*) as sample_size,
        avg(
            case
                when
                    churn_features.open_accounts_at_month_end = 0
                    or churn_features.days_since_last_transaction > 60 then 1.0
                else 0.0
            end
        ) as mean_value
    from current_customers
    inner join churn_features
        on
            current_customers.customer_id = churn_features.customer_id
            and churn_features.is_scoring_month
    group by current_customers.tenure_band

),

-- 3. cohort retention by signup month ----------------------------------------------------

cohort_members as (

    select
        current_customers.customer_id,
        current_customers.cohort_month_date
    from current_customers
    cross join data_window
    where current_customers.cohort_month_date >= data_window.first_month_date

),

cohort_activity as (

    select
        cohort_members.cohort_month_date,
        cast({{ months_since_signup }} as {{ dbt.type_int() }}) as period_offset,
        count(distinct case when window_months.is_active then cohort_members.customer_id end) as active_customers
    from cohort_members
    inner join window_months
        on
            cohort_members.customer_id = window_months.customer_id
            and cohort_members.cohort_month_date <= window_months.month_start_date
    group by
        cohort_members.cohort_month_date,
        cast({{ months_since_signup }} as {{ dbt.type_int() }})

),

cohort_sizes as (

    select
        cohort_month_date,
        count(*) as cohort_size
    from cohort_members
    group by cohort_month_date

),

cohort_groups as (

    select
        'cohort_retention' as analysis,
        'signup_month' as group_name,
        cast(cohort_activity.cohort_month_date as {{ dbt.type_string() }}) as group_value,
        cohort_activity.period_offset,
        'share of the cohort active in the month' as metric,
        cohort_sizes.cohort_size as sample_size,
        {{ safe_ratio('cohort_activity.active_customers', 'cohort_sizes.cohort_size') }} as mean_value
    from cohort_activity
    inner join cohort_sizes
        on cohort_activity.cohort_month_date = cohort_sizes.cohort_month_date

),

-- 4. randomised campaigns: treatment against control --------------------------------------

campaign_groups as (

    select
        'campaign_conversion_test' as analysis,
        campaign_id as group_name,
        assignment_group as group_value,
        cast(null as {{ dbt.type_int() }}) as period_offset,
        'conversion rate' as metric,
        count(*) as sample_size,
        avg(case when is_converted then 1.0 else 0.0 end) as mean_value
    from campaign_contacts
    where is_randomised
    group by campaign_id, assignment_group

),

-- estimates: Wilson intervals for proportions, normal intervals for means ----------------

proportion_groups as (

    select * from fraud_groups
    union all
    select * from churn_groups
    union all
    select * from cohort_groups
    union all
    select * from campaign_groups

),

proportions as (

    select
        proportion_groups.*,
        sqrt(proportion_groups.mean_value * (1 - proportion_groups.mean_value)) as std_dev,
        {{ proportion_std_error('proportion_groups.mean_value', 'proportion_groups.sample_size') }} as std_error,
        {{ wilson_lower('proportion_groups.mean_value', 'proportion_groups.sample_size') }} as ci_lower,
        {{ wilson_upper('proportion_groups.mean_value', 'proportion_groups.sample_size') }} as ci_upper,
        true as is_proportion,
        -- what each group is compared with: the largest group, a campaign's control group;
        -- cohorts are not compared
        case
            when proportion_groups.analysis = 'cohort_retention' then null
            when proportion_groups.analysis = 'campaign_conversion_test' then 'control'
            else first_value(proportion_groups.group_value) over (
                partition by proportion_groups.analysis
                order by proportion_groups.sample_size desc, proportion_groups.group_value asc
            )
        end as reference_value
    from proportion_groups

),

spend_estimates as (

    select
        spend_groups.*,
        {{ ci95_lower('spend_groups.mean_value', 'spend_groups.std_error') }} as ci_lower,
        {{ ci95_upper('spend_groups.mean_value', 'spend_groups.std_error') }} as ci_upper,
        false as is_proportion,
        cast('mass' as {{ dbt.type_string() }}) as reference_value
    from spend_groups

),

estimates as (

    select * from spend_estimates
    union all
    select * from proportions

),

-- comparisons with the reference group ---------------------------------------------------
-- means: Welch (unpooled) z. Proportions: the pooled two-proportion z-test.
-- The interval of the difference combines the distances from each estimate to its own
-- interval's ends (Newcombe's hybrid score interval): for proportions these are the Wilson
-- ends, so a group with no event still has a width; for means both distances are 1.96 se,
-- which gives the normal interval 1.96 sqrt(se1^2 + se2^2)

compared as (

    select
        estimates.*,
        reference.group_value as reference_group,
        estimates.mean_value - reference.mean_value as difference,
        estimates.mean_value - reference.mean_value
        - sqrt(
            power(estimates.mean_value - estimates.ci_lower, 2)
            + power(reference.ci_upper - reference.mean_value, 2)
        ) as difference_ci_lower,
        estimates.mean_value - reference.mean_value
        + sqrt(
            power(estimates.ci_upper - estimates.mean_value, 2)
            + power(reference.mean_value - reference.ci_lower, 2)
        ) as difference_ci_upper,
        (estimates.mean_value - reference.mean_value) / nullif(
            case
                when estimates.is_proportion
                    then sqrt(
                        {{ pooled_rate }} * (1 - {{ pooled_rate }})
                        * (1.0 / estimates.sample_size + 1.0 / reference.sample_size)
                    )
                else sqrt(power(estimates.std_error, 2) + power(reference.std_error, 2))
            end,
            0
        ) as test_statistic
    from estimates
    left join estimates as reference
        on
            estimates.analysis = reference.analysis
            and estimates.group_name = reference.group_name
            and estimates.reference_value = reference.group_value
            and estimates.group_value <> reference.group_value
            and reference.period_offset is null

),

final as (

    select
        -- keys
        analysis,
        group_name,
        coalesce(cast(group_value as {{ dbt.type_string() }}), 'unknown') as group_value,
        coalesce(period_offset, -1) as period_offset,
        -- attributes
        metric,
        reference_group,
        -- measures
        sample_size,
        round(cast(mean_value as numeric), 6) as mean_value,
        round(cast(std_dev as numeric), 6) as std_dev,
        round(cast(std_error as numeric), 6) as std_error,
        round(cast(ci_lower as numeric), 6) as ci_lower_95,
        round(cast(ci_upper as numeric), 6) as ci_upper_95,
        round(cast(difference as numeric), 6) as difference,
        round(cast(difference_ci_lower as numeric), 6) as difference_ci_lower_95,
        round(cast(difference_ci_upper as numeric), 6) as difference_ci_upper_95,
        round(cast(test_statistic as numeric), 4) as test_statistic,
        round(cast({{ two_sided_p_value('test_statistic') }} as numeric), 6) as p_value,
        -- flags
        coalesce({{ two_sided_p_value('test_statistic') }} < 0.05, false) as is_significant_5pct,
        -- too few to read on its own (README: minimum group size); the interval says how little
        coalesce(sample_size, 0) < {{ var('min_group_size', 30) }} as is_small_sample
    from compared

)

select * from final
