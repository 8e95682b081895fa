{{
    config(
        indexes=[
            {'columns': ['analysis', 'subject', 'metric'], 'unique': true},
        ],
    )
}}

{#
    What causes what. Each row is one effect estimate with a 95% interval.

    randomised_conversion_uplift: treatment minus control conversion rate of a randomised
        campaign, in percentage points (unpooled z).
    randomised_spend_uplift: treatment against control purchases per customer during the
        campaign, in percent (ratio of means, delta method on the log scale).
    did_spend_uplift: difference-in-differences of purchases per customer, campaign window
        against the equally long pre-period, treatment against control, in percent
        ((post_T / pre_T) / (post_C / pre_C) - 1, delta method with the within-customer
        covariance); removes any pre-existing gap between the groups.
    campaign_attribution: every campaign's conversions, value, cost and ROI; randomised
        campaigns also get the incremental (caused) conversions and value, targeted ones
        only the naive figures (no control group, so selection bias is not removed).
    economic_elasticity: partial log-log slopes of the month's purchases on consumer
        confidence and unemployment together, with month-of-year effects (OLS on the
        deviations from each calendar month's mean; complete months only). Seasonality is
        told from the economy only across years, so the estimate needs at least two years
        of complete months; intervals and p-values use Student's t with the residual
        degrees of freedom (months - calendar months seen - 2).
#}


{%- set purchase_metrics = {
    'purchase_count': '1.0',
    'purchase_amount': 'span_purchases.transaction_amount_abs',
} %}

with campaign_contacts as (

    select * from {{ ref('fact_campaign_contacts') }}

),

-- not materialized (postgres): read twice, it would be copied whole; inlined, the
-- campaign windows read their days through the transaction_date index
transactions as not materialized (

    select
        customer_id,
        transaction_date,
        transaction_amount_abs,
        is_purchase,
        is_fraud,
        is_approved
    from {{ ref('fact_transactions') }}

),

indicators as (

    select * from {{ ref('fact_economic_indicators_monthly') }}

),

purchases as (

    -- the customer's own spending: purchases, confirmed fraud excluded
    select
        customer_id,
        transaction_date,
        transaction_amount_abs
    from transactions
    where
        is_purchase
        and not is_fraud
        and customer_id is not null

),

campaigns as (

    select
        campaign_id,
        max(campaign_name) as campaign_name,
        min(campaign_start_date) as start_date,
        max(campaign_end_date) as end_date,
        {{ dbt.datediff('min(campaign_start_date)', 'max(campaign_end_date)', 'day') }}
        + 1 as length_days,
        max(case when is_randomised then 1 else 0 end) = 1 as is_randomised
    from campaign_contacts
    group by campaign_id

),

-- campaign conversions -------------------------------------------------------------------

conversion_groups as (

    select
        campaign_contacts.campaign_id,
        campaign_contacts.assignment_group,
        count(*) as customers,
        sum(case when campaign_contacts.is_converted then 1 else 0 end) as conversions,
        avg(case when campaign_contacts.is_converted then 1.0 else 0.0 end) as conversion_rate,
        sum(campaign_contacts.conversion_value_amount) as conversion_value_amount,
        sum(campaign_contacts.contact_cost_amount) as cost_amount
    from campaign_contacts
    group by campaign_contacts.campaign_id, campaign_contacts.assignment_group

),

conversion_uplift as (

    select
        'randomised_conversion_uplift' as analysis,
        treatment.campaign_id as subject,
        'conversion_rate' as metric,
        'percentage_points' as estimate_unit,
        treatment.customers as treatment_size,
        control.customers as control_size,
        treatment.conversion_rate as treatment_value,
        control.conversion_rate as control_value,
        cast(null as {{ dbt.type_float() }}) as treatment_pre_value,
        cast(null as {{ dbt.type_float() }}) as control_pre_value,
        100 * (treatment.conversion_rate - control.conversion_rate) as estimate,
        100 * sqrt(
            {{ as_double('treatment.conversion_rate') }} * (1 - treatment.conversion_rate) / treatment.customers
            + {{ as_double('control.conversion_rate') }} * (1 - control.conversion_rate) / control.customers
        ) as std_error,
        false as is_log_scale,
        cast(null as {{ dbt.type_bigint() }}) as degrees_of_freedom
    from conversion_groups as treatment
    inner join conversion_groups as control
        on
            treatment.campaign_id = control.campaign_id
            and treatment.assignment_group = 'treatment'
            and control.assignment_group = 'control'

),

-- campaign spend: per customer, campaign window and pre-period ------------------------------

contact_windows as (

    select
        campaign_contacts.campaign_id,
        campaign_contacts.customer_id,
        campaign_contacts.assignment_group,
        campaigns.start_date,
        campaigns.end_date,
        {{ dbt.dateadd('day', '-campaigns.length_days', 'campaigns.start_date') }} as pre_start_date
    from campaign_contacts
    inner join campaigns
        on campaign_contacts.campaign_id = campaigns.campaign_id
    where campaigns.is_randomised

),

campaign_span as (

    -- every randomised campaign's pre-period and window together: the only days of
    -- purchases the customer periods read
    select
        min(pre_start_date) as first_date,
        max(end_date) as last_date
    from contact_windows

),

span_purchases as (

    select purchases.*
    from purchases
    inner join campaign_span
        on purchases.transaction_date between campaign_span.first_date and campaign_span.last_date

),

customer_periods as (

    select
        contact_windows.campaign_id,
        contact_windows.customer_id,
        contact_windows.assignment_group,
        {%- for metric, expression in purchase_metrics.items() %}
        coalesce(sum(
            case
                when
                    span_purchases.transaction_date >= contact_windows.start_date
                    and span_purchases.transaction_date <= contact_windows.end_date
                    then {{ as_double(expression) }}
            end
        ), 0) as {{ metric }}_post,
        coalesce(sum(
            case
                when
                    span_purchases.transaction_date >= contact_windows.pre_start_date
                    and span_purchases.transaction_date < contact_windows.start_date
                    then {{ as_double(expression) }}
            end
        ), 0) as {{ metric }}_pre{% if not loop.last %},{% endif %}
        {%- endfor %}
    from contact_windows
    left join span_purchases
        on
            contact_windows.customer_id = span_purchases.customer_id
            and contact_windows.pre_start_date <= span_purchases.transaction_date
            and contact_windows.end_date >= span_purchases.transaction_date
    group by
        contact_windows.campaign_id,
        contact_windows.customer_id,
        contact_windows.assignment_group

),

group_moments as (

    {% for metric in purchase_metrics %}
    select
        campaign_id,
        assignment_group,
        '{{ metric }}' as metric,
        count(*) as customers,
        avg({{ metric }}_post) as mean_post,
        avg({{ metric }}_pre) as mean_pre,
        var_samp({{ metric }}_post) as var_post,
        var_samp({{ metric }}_pre) as var_pre,
        covar_samp({{ metric }}_post, {{ metric }}_pre) as cov_post_pre
    from customer_periods
    group by campaign_id, assignment_group
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

group_logs as (

    select
        group_moments.*,
        ln(group_moments.mean_post / nullif(group_moments.mean_pre, 0)) as log_ratio,
        group_moments.var_post / (group_moments.customers * power(group_moments.mean_post, 2))
        + group_moments.var_pre / (group_moments.customers * power(group_moments.mean_pre, 2))
        - 2 * group_moments.cov_post_pre / (group_moments.customers * group_moments.mean_post * group_moments.mean_pre)
            as var_log_ratio,
        group_moments.var_post / (group_moments.customers * power(group_moments.mean_post, 2)) as var_log_post
    from group_moments

),

spend_uplift as (

    select
        'randomised_spend_uplift' as analysis,
        treatment.campaign_id as subject,
        treatment.metric,
        'percent' as estimate_unit,
        treatment.customers as treatment_size,
        control.customers as control_size,
        treatment.mean_post as treatment_value,
        control.mean_post as control_value,
        treatment.mean_pre as treatment_pre_value,
        control.mean_pre as control_pre_value,
        ln(treatment.mean_post / nullif(control.mean_post, 0)) as estimate,
        sqrt(treatment.var_log_post + control.var_log_post) as std_error,
        true as is_log_scale,
        cast(null as {{ dbt.type_bigint() }}) as degrees_of_freedom
    from group_logs as treatment
    inner join group_logs as control
        on
            treatment.campaign_id = control.campaign_id
            and treatment.metric = control.metric
            and treatment.assignment_group = 'treatment'
            and control.assignment_group = 'control'
    union all
    select
        'did_spend_uplift' as analysis,
        treatment.campaign_id as subject,
        treatment.metric,
        'percent' as estimate_unit,
        treatment.customers as treatment_size,
        control.customers as control_size,
        treatment.mean_post as treatment_value,
        control.mean_post as control_value,
        treatment.mean_pre as treatment_pre_value,
        control.mean_pre as control_pre_value,
        treatment.log_ratio - control.log_ratio as estimate,
        sqrt(treatment.var_log_ratio + control.var_log_ratio) as std_error,
        true as is_log_scale,
        cast(null as {{ dbt.type_bigint() }}) as degrees_of_freedom
    from group_logs as treatment
    inner join group_logs as control
        on
            treatment.campaign_id = control.campaign_id
            and treatment.metric = control.metric
            and treatment.assignment_group = 'treatment'
            and control.assignment_group = 'control'

),

-- attribution --------------------------------------------------------------------------------

attribution as (

    select
        'campaign_attribution' as analysis,
        campaigns.campaign_id as subject,
        'conversions' as metric,
        'conversions' as estimate_unit,
        treatment.customers as treatment_size,
        control.customers as control_size,
        treatment.conversion_rate as treatment_value,
        control.conversion_rate as control_value,
        cast(null as {{ dbt.type_float() }}) as treatment_pre_value,
        cast(null as {{ dbt.type_float() }}) as control_pre_value,
        -- randomised: conversions caused by the campaign; targeted: all conversions (naive)
        case
            when control.customers is not null
                then (treatment.conversion_rate - control.conversion_rate) * treatment.customers
            else treatment.conversions
        end as estimate,
        case
            when control.customers is not null
                then treatment.customers * sqrt(
                    {{ as_double('treatment.conversion_rate') }} * (1 - treatment.conversion_rate) / treatment.customers
                    + {{ as_double('control.conversion_rate') }} * (1 - control.conversion_rate) / control.customers
                )
        end as std_error,
        false as is_log_scale,
        cast(null as {{ dbt.type_bigint() }}) as degrees_of_freedom,
        treatment.conversions,
        treatment.conversion_value_amount,
        treatment.cost_amount
    from campaigns
    inner join conversion_groups as treatment
        on
            campaigns.campaign_id = treatment.campaign_id
            and treatment.assignment_group = 'treatment'
    left join conversion_groups as control
        on
            campaigns.campaign_id = control.campaign_id
            and control.assignment_group = 'control'

),

-- economy --------------------------------------------------------------------------------------

spend_cells as (

    -- one read and two hashed groupings, where counting distinct days and customers per
    -- month would sort every transaction: a row per day (with its purchases) and a row per
    -- month and approved customer (approved_customer_id null: the month's other rows)
    select
        transaction_date,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start_date,
        case when is_approved then customer_id end as approved_customer_id,
        grouping(transaction_date) = 0 as is_day_row,
        sum(case when is_purchase and not is_fraud then 1 else 0 end) as purchases
    from transactions
    group by grouping sets (
        (transaction_date, cast({{ dbt.date_trunc('month', 'transaction_date') }} as date)),
        (
            cast({{ dbt.date_trunc('month', 'transaction_date') }} as date),
            case when is_approved then customer_id end
        )
    )

),

monthly_spend as (

    select
        month_start_date,
        count(case when is_day_row then transaction_date end) as days_with_data,
        cast(sum(case when is_day_row then purchases else 0 end) as {{ dbt.type_bigint() }}) as purchases,
        count(case when not is_day_row then approved_customer_id end) as active_customers
    from spend_cells
    group by month_start_date

),

economy as (

    -- complete months with published indicators; the month's purchases, not purchases per
    -- active customer: the active population drifts with churn and sign-ups, which is not
    -- the economy's doing (dividing by it biased the confidence elasticity by 15%)
    select
        monthly_spend.month_start_date,
        extract(month from monthly_spend.month_start_date) as month_of_year,
        ln(nullif(monthly_spend.purchases, 0)) as log_purchases,
        ln(nullif({{ as_double('indicators.consumer_confidence') }}, 0)) as log_confidence,
        ln(nullif({{ as_double('indicators.unemployment_rate') }}, 0)) as log_unemployment
    from monthly_spend
    inner join indicators
        on monthly_spend.month_start_date = indicators.month_start_date
    where monthly_spend.days_with_data >= 28

),

economy_within as (

    -- month-of-year effects: each month as its deviation from its calendar month's mean
    select
        log_confidence,
        log_unemployment,
        month_of_year,
        log_purchases - avg(log_purchases) over (partition by month_of_year) as y,
        log_confidence - avg(log_confidence) over (partition by month_of_year) as x1,
        log_unemployment - avg(log_unemployment) over (partition by month_of_year) as x2
    from economy

),

economy_moments as (

    select
        count(*) as months,
        count(*) - count(distinct month_of_year) - 2 as residual_df,
        avg(log_confidence) as mean_log_confidence,
        avg(log_unemployment) as mean_log_unemployment,
        sum(x1 * x1) as s11,
        sum(x2 * x2) as s22,
        sum(x1 * x2) as s12,
        sum(x1 * y) as s1y,
        sum(x2 * y) as s2y,
        sum(y * y) as syy
    from economy_within

),

economy_fit as (

    -- two-regressor OLS by its normal equations; NULL without residual degrees of freedom
    -- (less than two years) or without variation left in the indicators
    select
        months,
        case when residual_df > 0 then residual_df end as residual_df,
        mean_log_confidence,
        mean_log_unemployment,
        s11,
        s22,
        det,
        (s22 * s1y - s12 * s2y) / det as b_confidence,
        (s11 * s2y - s12 * s1y) / det as b_unemployment,
        greatest(syy - ((s22 * s1y - s12 * s2y) * s1y + (s11 * s2y - s12 * s1y) * s2y) / det, 0)
        / residual_df as residual_variance
    from (
        select
            *,
            case when residual_df > 0 then nullif(s11 * s22 - s12 * s12, 0) end as det
        from economy_moments
    ) as moments

),

elasticities as (

    {% for indicator, b, s_own, mean in [
        ('consumer_confidence', 'b_confidence', 's22', 'mean_log_confidence'),
        ('unemployment_rate', 'b_unemployment', 's11', 'mean_log_unemployment'),
    ] %}
    select
        'economic_elasticity' as analysis,
        '{{ indicator }}' as subject,
        'purchase_count' as metric,
        'elasticity' as estimate_unit,
        months as treatment_size,
        cast(null as {{ dbt.type_bigint() }}) as control_size,
        {{ mean }} as treatment_value,
        cast(null as {{ dbt.type_float() }}) as control_value,
        cast(null as {{ dbt.type_float() }}) as treatment_pre_value,
        cast(null as {{ dbt.type_float() }}) as control_pre_value,
        {{ b }} as estimate,
        sqrt(residual_variance * {{ s_own }} / det) as std_error,
        false as is_log_scale,
        residual_df as degrees_of_freedom
    from economy_fit
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

estimates as (

    select * from conversion_uplift
    union all
    select * from spend_uplift
    union all
    select * from elasticities

),

all_rows as (

    select
        estimates.*,
        cast(null as {{ dbt.type_bigint() }}) as conversions,
        cast(null as {{ dbt.type_numeric() }}) as conversion_value_amount,
        cast(null as {{ dbt.type_numeric() }}) as cost_amount
    from estimates
    union all
    select * from attribution

),

{%- set est, se, dof = 'all_rows.estimate', 'all_rows.std_error', 'all_rows.degrees_of_freedom' %}

final as (

    select
        -- keys
        all_rows.analysis,
        all_rows.subject,
        all_rows.metric,
        -- attributes
        all_rows.estimate_unit,
        coalesce(campaigns.is_randomised, false) as is_randomised,
        case
            when all_rows.analysis = 'did_spend_uplift' then 'difference-in-differences'
            when all_rows.analysis like 'randomised%' then 'randomised comparison'
            when all_rows.analysis = 'campaign_attribution' and campaigns.is_randomised then 'randomised comparison'
            when all_rows.analysis = 'campaign_attribution' then 'naive (no control group)'
            else 'log-log OLS with month-of-year effects'
        end as method,  -- noqa: RF04
        campaigns.start_date as campaign_start_date,
        campaigns.end_date as campaign_end_date,
        -- measures
        all_rows.treatment_size,
        all_rows.control_size,
        round(cast(all_rows.treatment_value as numeric), 6) as treatment_value,
        round(cast(all_rows.control_value as numeric), 6) as control_value,
        round(cast(all_rows.treatment_pre_value as numeric), 6) as treatment_pre_value,
        round(cast(all_rows.control_pre_value as numeric), 6) as control_pre_value,
        -- log-scale estimates are reported as percent changes: 100 (exp(x) - 1)
        round(cast(case
            when all_rows.is_log_scale then 100 * (exp(all_rows.estimate) - 1)
            else all_rows.estimate
        end as numeric), 4) as estimate,
        round(cast(all_rows.std_error as numeric), 6) as std_error,
        all_rows.degrees_of_freedom,
        round(cast(case
            when all_rows.is_log_scale then 100 * (exp({{ ci95_lower(est, se, dof) }}) - 1)
            else {{ ci95_lower(est, se, dof) }}
        end as numeric), 4) as ci_lower_95,
        round(cast(case
            when all_rows.is_log_scale then 100 * (exp({{ ci95_upper(est, se, dof) }}) - 1)
            else {{ ci95_upper(est, se, dof) }}
        end as numeric), 4) as ci_upper_95,
        round(
            cast({{ two_sided_p_value(est ~ ' / nullif(' ~ se ~ ', 0)', dof) }} as numeric), 6
        ) as p_value,
        all_rows.conversions,
        all_rows.conversion_value_amount,
        all_rows.cost_amount,
        round(cast(
            {{ safe_ratio('all_rows.conversion_value_amount - all_rows.cost_amount', 'all_rows.cost_amount') }}
            as numeric
        ), 4) as roi
    from all_rows
    left join campaigns
        on all_rows.subject = campaigns.campaign_id

)

select * from final
