{{
    config(
        indexes=[
            {'columns': ['customer_id'], 'unique': true},
            {'columns': ['priority_rank']},
        ],
    )
}}

{#
    What should we do: for every current customer with a churn risk, the retention action
    matched to what drives their risk and its expected value; the retention budget funds
    the positive-value actions in order of value per unit of cost until it is spent.

    expected value = churn risk x retention effect x value if kept - cost, where the
    retention effect is the share of would-be churners the action keeps. The generator
    plants no retention effect, so the effects and costs are planning assumptions, kept in
    one CTE (actions) to review and change. Customers already lost (relationship_status
    'churned') are not here: no budget goes to them.
#}

{%- set retention_budget = var('retention_budget', 400) %}

with predictions as (

    select * from {{ ref('predictive_analytics') }}

),

-- not materialized (postgres): read twice, it would be copied whole (13M rows); inlined,
-- both reads go through the date_key index
account_days as not materialized (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

-- driver -> action, cost per customer, share of would-be churners it keeps (assumed)
actions (churn_driver, retention_action, action_cost, retention_effect) as (

    values
    ('complaints', 'service_recovery_call', 25.0, 0.30),
    ('fees', 'fee_waiver_6_months', 40.0, 0.25),
    ('falling_activity', 'reactivation_cashback_offer', 15.0, 0.15),
    ('none', 'relationship_manager_check_in', 10.0, 0.10)

),

last_day as (

    -- date_key is the day as yyyymmdd (dim_date): its latest is the latest snapshot_date,
    -- read from the end of its index instead of a scan of every day
    select max(date_key) as date_key
    from account_days

),

holdings as (

    -- account types held on the last day of the data
    select
        customer_id,
        max(case when account_type = 'checking' then 1 else 0 end) as has_checking,
        max(case when account_type = 'savings' then 1 else 0 end) as has_savings,
        max(case when account_type = 'credit_card' then 1 else 0 end) as has_credit_card,
        max(case when account_type = 'loan' then 1 else 0 end) as has_loan
    from account_days
    where date_key = (select last_day.date_key from last_day)
    group by customer_id

),

current_customers as (

    select
        predictions.*,
        coalesce(holdings.has_checking, 0) as has_checking,
        coalesce(holdings.has_savings, 0) as has_savings,
        coalesce(holdings.has_credit_card, 0) as has_credit_card,
        coalesce(holdings.has_loan, 0) as has_loan
    from predictions
    left join holdings
        on predictions.customer_id = holdings.customer_id
    where
        predictions.relationship_status = 'active'
        and predictions.churn_risk_score is not null

),

recommended as (

    select
        current_customers.*,
        actions.retention_action,
        actions.action_cost,
        actions.retention_effect,
        -- value saved = probability of churn x share of churners kept x value if kept (CLV)
        {{ as_double('current_customers.churn_risk_score') }} * actions.retention_effect
        * {{ as_double('current_customers.customer_lifetime_value') }} - actions.action_cost as expected_value,
        case
            when current_customers.has_savings = 0 then 'savings_account'
            when
                current_customers.has_credit_card = 0 and coalesce(current_customers.credit_score, 0) >= 650
                then 'cashback_credit_card'
            when
                current_customers.has_loan = 0 and coalesce(current_customers.credit_score, 0) >= 700
                then 'personal_loan'
            else 'premium_checking_upgrade'
        end as next_best_offer
    from current_customers
    inner join actions
        on current_customers.churn_driver = actions.churn_driver

),

offers as (

    -- acceptance: the randomised campaign's control conversion (about 6%) as the base,
    -- halved for customers at high risk; value: a year of the product's margin
    select
        recommended.*,
        0.06 * case when recommended.churn_risk_score >= 0.5 then 0.5 else 1.0 end
            as offer_acceptance_probability,
        case recommended.next_best_offer
            when 'savings_account' then 60.0
            when 'cashback_credit_card' then 120.0
            when 'personal_loan' then 300.0
            when 'premium_checking_upgrade' then 80.0
        end as offer_annual_margin
    from recommended

),

prioritised as (

    -- the positive-value actions by value per unit of cost (the knapsack's greedy order),
    -- funded while their running cost fits in the budget
    select
        offers.*,
        offers.expected_value > 0 as is_positive,
        row_number() over (
            order by
                offers.expected_value > 0 desc,
                offers.expected_value / offers.action_cost desc,
                offers.customer_id asc
        ) as priority_rank,
        sum(case when offers.expected_value > 0 then offers.action_cost else 0 end) over (
            order by
                offers.expected_value > 0 desc,
                offers.expected_value / offers.action_cost desc,
                offers.customer_id asc
            rows between unbounded preceding and current row
        ) as cumulative_cost
    from offers

),

final as (

    select
        -- keys
        customer_id,
        customer_key,
        -- attributes
        customer_segment,
        churn_risk_band,
        score_source,
        churn_driver,
        retention_action,
        next_best_offer,
        -- measures
        churn_risk_score,
        customer_lifetime_value,
        cast(round(cast(churn_risk_score * customer_lifetime_value as numeric), 2) as numeric(16, 2))
            as value_at_risk_amount,
        cast(action_cost as numeric(16, 2)) as action_cost_amount,
        cast(retention_effect as numeric(6, 4)) as action_retention_effect,
        cast(round(cast(expected_value as numeric), 2) as numeric(16, 2)) as expected_value_amount,
        round(cast({{ safe_ratio('expected_value', 'action_cost') }} as numeric), 4) as expected_roi,
        cast(offer_acceptance_probability as numeric(6, 4)) as offer_acceptance_probability,
        cast(round(cast(offer_acceptance_probability * offer_annual_margin as numeric), 2) as numeric(16, 2))
            as offer_expected_value_amount,
        cast(priority_rank as {{ dbt.type_int() }}) as priority_rank,
        cast(cumulative_cost as numeric(16, 2)) as cumulative_cost_amount,
        cast({{ retention_budget }} as numeric(16, 2)) as retention_budget_amount,
        cast(
            case when is_positive and cumulative_cost <= {{ retention_budget }} then action_cost else 0 end
            as numeric(16, 2)
        ) as budget_allocated_amount,
        -- flags
        is_positive and cumulative_cost <= {{ retention_budget }} as is_funded,
        is_positive as has_positive_expected_value
    from prioritised

)

select * from final
