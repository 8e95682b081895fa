{{
    config(
        indexes=[
            {'columns': ['customer_id'], 'unique': true},
            {'columns': ['churn_risk_score']},
        ],
    )
}}

{%- set horizon = var('churn_horizon_months', 2) %}
{%- set clv_months = var('clv_horizon_months', 60) %}
{%- set monthly_discount_rate = var('clv_monthly_discount_rate', 0.01) %}
{%- set interchange_rate = var('interchange_rate', 0.015) %}
{%- set deposit_margin_rate = var('deposit_margin_rate', 0.02) %}

with customers as (

    select * from {{ ref('dim_customer') }}

),

-- not materialized (postgres): read twice, it would be copied whole; inlined, the latest
-- day comes from the transaction_date index and the other read takes only these columns
transactions as not materialized (

    select
        customer_id,
        transaction_date,
        is_approved,
        is_fee_transaction,
        is_purchase,
        approved_amount_abs,
        transaction_amount_abs,
        fee_amount
    from {{ ref('fact_transactions') }}

),

-- not materialized: read twice (the scoring month, the balance window), each through
-- its own filter
customer_months as not materialized (

    select * from {{ ref('features_customer_month') }}

),

transaction_risk as (

    select * from {{ ref('features_transaction_risk') }}

),

accounts as (

    select * from {{ ref('stg_accounts') }}

),

churn_scores as (

    select * from {{ ref('stg_ml_churn_scores') }}

),

fraud_scores as (

    select * from {{ ref('stg_ml_fraud_scores') }}

),

as_of as (

    select max(transaction_date) as as_of_date
    from transactions

),

current_customers as (

    select *
    from customers
    where
        is_current
        and customer_key <> {{ unknown_member_key() }}

),

relationships as (

    -- the relationship at the data's last day: an account open then (opened, not closed by
    -- then) makes a current customer; accounts that were all closed make a churned one,
    -- lost on the day the last of them closed
    select
        accounts.customer_id,
        sum(
            case
                when
                    accounts.opened_date <= as_of.as_of_date
                    and (accounts.closed_date is null or accounts.closed_date > as_of.as_of_date)
                    and coalesce(accounts.account_status, 'active') <> 'closed'
                    then 1
                else 0
            end
        ) as open_account_count,
        max(accounts.closed_date) as last_closed_date
    from accounts
    cross join as_of
    where accounts.customer_id is not null
    group by accounts.customer_id

),

scoring_month as (

    select *
    from customer_months
    where is_scoring_month

),

scoring_month_dates as (

    select month_start_date as scoring_month_date
    from scoring_month
    group by month_start_date

),

activity as (

    -- aggregate before joining: the last 90 days and the last 12 months per customer
    select
        transactions.customer_id,
        sum(
            case
                when transactions.transaction_date > {{ dbt.dateadd('day', -90, 'as_of.as_of_date') }} then 1
                else 0
            end
        ) as total_transactions_90d,
        sum(
            case
                when transactions.transaction_date > {{ dbt.dateadd('day', -90, 'as_of.as_of_date') }}
                    then transactions.approved_amount_abs
                else 0
            end
        ) as transaction_volume_90d_amount,
        max(case when transactions.is_approved then transactions.transaction_date end) as last_transaction_date,
        sum(
            case
                when transactions.is_approved and transactions.is_fee_transaction
                    then transactions.transaction_amount_abs
                when transactions.is_approved then transactions.fee_amount
                else 0
            end
        ) as fee_revenue_12m_amount,
        sum(
            case
                when transactions.is_approved and transactions.is_purchase then transactions.transaction_amount_abs
                else 0
            end
        ) as purchase_volume_12m_amount,
        count(distinct {{ dbt.date_trunc('month', 'transactions.transaction_date') }}) as active_months_12m
    from transactions
    cross join as_of
    where
        transactions.customer_id is not null
        and transactions.transaction_date > {{ dbt.dateadd('day', -365, 'as_of.as_of_date') }}
    group by transactions.customer_id

),

balances as (

    -- average positive month-end balance over the last 12 complete months (deposit margin)
    select
        customer_months.customer_id,
        avg(
            case
                when customer_months.end_of_month_balance_amount > 0 then customer_months.end_of_month_balance_amount
                else 0
            end
        ) as average_balance_amount
    from customer_months
    inner join scoring_month_dates
        on
            customer_months.month_start_date > {{ dbt.dateadd('month', -12, 'scoring_month_dates.scoring_month_date') }}
            and customer_months.month_start_date <= scoring_month_dates.scoring_month_date
    group by customer_months.customer_id

),

fraud_exposure as (

    select
        transaction_risk.customer_id,
        max(coalesce(fraud_scores.fraud_score, transaction_risk.rule_fraud_score)) as fraud_risk_score,
        sum(
            case
                when coalesce(fraud_scores.is_flagged, transaction_risk.rule_fraud_score >= 0.5) then 1
                else 0
            end
        ) as fraud_flagged_transactions_90d,
        sum(case when transaction_risk.is_fraud then 1 else 0 end) as confirmed_fraud_transactions_90d,
        min(case when fraud_scores.fraud_score is null then 0 else 1 end) as all_scored_by_model
    from transaction_risk
    cross join as_of
    left join fraud_scores
        on transaction_risk.transaction_id = fraud_scores.transaction_id
    where
        transaction_risk.transaction_date > {{ dbt.dateadd('day', -90, 'as_of.as_of_date') }}
        and transaction_risk.customer_id is not null
    group by transaction_risk.customer_id

),

scored as (

    select
        current_customers.customer_id,
        current_customers.customer_key,
        current_customers.customer_segment,
        current_customers.tenure_months,
        current_customers.tenure_band,
        current_customers.age_band,
        current_customers.income_band,
        current_customers.credit_score,
        current_customers.credit_score_band,
        scoring_month.month_start_date as features_month_date,
        scoring_month.txn_count_1m,
        scoring_month.activity_trend_ratio,
        scoring_month.recent_rate_ratio,
        scoring_month.inflow_trend_ratio,
        scoring_month.complaints_3m,
        scoring_month.fee_disputes_3m,
        scoring_month.fee_amount_3m,
        scoring_month.late_payments_12m,
        scoring_month.end_of_month_balance_amount,
        scoring_month.open_accounts_at_month_end,
        scoring_month.rule_churn_score,
        churn_scores.churn_score as model_churn_score,
        churn_scores.top_driver,
        churn_scores.model_version as churn_model_version,
        coalesce(activity.total_transactions_90d, 0) as total_transactions_90d,
        coalesce(activity.transaction_volume_90d_amount, 0) as transaction_volume_90d_amount,
        activity.last_transaction_date,
        coalesce(activity.fee_revenue_12m_amount, 0) as fee_revenue_12m_amount,
        coalesce(activity.purchase_volume_12m_amount, 0) as purchase_volume_12m_amount,
        coalesce(activity.active_months_12m, 0) as active_months_12m,
        coalesce(balances.average_balance_amount, 0) as average_balance_amount,
        fraud_exposure.fraud_risk_score,
        coalesce(fraud_exposure.fraud_flagged_transactions_90d, 0) as fraud_flagged_transactions_90d,
        coalesce(fraud_exposure.confirmed_fraud_transactions_90d, 0) as confirmed_fraud_transactions_90d,
        fraud_exposure.all_scored_by_model,
        coalesce(relationships.open_account_count, 0) as open_accounts_at_as_of,
        relationships.last_closed_date,
        relationships.customer_id is not null as has_had_account,
        as_of.as_of_date
    from current_customers
    cross join as_of
    left join scoring_month
        on current_customers.customer_id = scoring_month.customer_id
    left join churn_scores
        on current_customers.customer_id = churn_scores.customer_id
    left join activity
        on current_customers.customer_id = activity.customer_id
    left join balances
        on current_customers.customer_id = balances.customer_id
    left join fraud_exposure
        on current_customers.customer_id = fraud_exposure.customer_id
    left join relationships
        on current_customers.customer_id = relationships.customer_id

),

statused as (

    select
        scored.*,
        case
            when scored.open_accounts_at_as_of > 0 then 'active'
            when scored.has_had_account then 'churned'
            else 'no_account'
        end as relationship_status
    from scored

),

churn as (

    select
        statused.*,
        -- only a current customer has a churn risk: a lost one is a fact (relationship_status
        -- 'churned', churned_date), not a probability. Model first; rules when `make ml` has
        -- not scored this customer; a prior for customers without a complete month of history
        case
            when statused.relationship_status = 'active'
                then cast(
                    coalesce(
                        statused.model_churn_score, statused.rule_churn_score, {{ var('churn_prior_score', 0.05) }}
                    )
                    as {{ dbt.type_numeric() }}
                )
        end as churn_risk_score,
        case
            when statused.relationship_status <> 'active' then 'not_scored'
            when statused.model_churn_score is not null then 'model'
            when statused.rule_churn_score is not null then 'rules'
            else 'prior'
        end as score_source,
        -- expected monthly margin: fees and interchange on purchases per active month, plus
        -- the deposit margin on the average balance
        (
            {{ as_double('statused.fee_revenue_12m_amount') }}
            + {{ interchange_rate }} * {{ as_double('statused.purchase_volume_12m_amount') }}
        )
        / greatest(statused.active_months_12m, 1)
        + {{ deposit_margin_rate }} / 12.0 * {{ as_double('statused.average_balance_amount') }}
            as expected_monthly_value
    from statused

),

valued as (

    select
        churn.*,
        -- a discounted geometric sum over {{ clv_months }} months of the monthly margin:
        -- value x r (1 - r^n) / (1 - r), r = monthly survival / (1 + discount).
        -- Lifetime value: the customer's value as a customer, at the monthly survival of
        -- the average current customer (their mean churn risk over the horizon), so a
        -- customer at risk keeps the value that makes keeping them worth something
        power(
            1 - least(avg({{ as_double('churn.churn_risk_score') }}) over (), 0.999999), 1.0 / {{ horizon }}
        )
        / (1 + {{ monthly_discount_rate }}) as portfolio_discounted_survival,
        -- risk-adjusted: the same sum at the customer's own survival; a lost customer is
        -- worth nothing more
        power(1 - least(coalesce({{ as_double('churn.churn_risk_score') }}, 1), 0.999999), 1.0 / {{ horizon }})
        / (1 + {{ monthly_discount_rate }}) as own_discounted_survival
    from churn

),

final as (

    select
        -- keys
        customer_id,
        customer_key,
        -- attributes
        customer_segment,
        tenure_months,
        tenure_band,
        age_band,
        income_band,
        credit_score_band,
        -- scores: churn
        relationship_status,
        case when relationship_status = 'churned' then last_closed_date end as churned_date,
        round(churn_risk_score, 6) as churn_risk_score,
        case
            when churn_risk_score is null then 'not_scored'
            when churn_risk_score >= 0.5 then 'high'
            when churn_risk_score >= 0.2 then 'medium'
            else 'low'
        end as churn_risk_band,
        score_source,
        churn_model_version,
        round(cast(rule_churn_score as {{ dbt.type_numeric() }}), 6) as rule_churn_score,
        coalesce(
            top_driver,
            case
                when activity_trend_ratio < 0.6 or recent_rate_ratio < 0.5 then 'falling_activity'
                when complaints_3m + fee_disputes_3m > 0 then 'complaints'
                when fee_amount_3m > 50 then 'fees'
                else 'none'
            end
        ) as churn_driver,
        -- scores: value (0 for a customer who is not current)
        case
            when relationship_status = 'active'
                then cast(round(cast(
                    expected_monthly_value * portfolio_discounted_survival
                    * (1 - power(portfolio_discounted_survival, {{ clv_months }}))
                    / nullif(1 - portfolio_discounted_survival, 0)
                    as numeric
                ), 2) as numeric(16, 2))
            else 0
        end as customer_lifetime_value,
        cast(round(cast(
            expected_monthly_value * own_discounted_survival * (1 - power(own_discounted_survival, {{ clv_months }}))
            / nullif(1 - own_discounted_survival, 0)
            as numeric
        ), 2) as numeric(16, 2)) as risk_adjusted_lifetime_value,
        cast(round(cast(expected_monthly_value as numeric), 2) as numeric(16, 2)) as expected_monthly_value,
        -- scores: fraud (highest transaction score of the last 90 days)
        round(cast(fraud_risk_score as {{ dbt.type_numeric() }}), 6) as fraud_risk_score,
        case
            when fraud_risk_score is null then 'none'
            when all_scored_by_model = 1 then 'model'
            else 'rules'
        end as fraud_score_source,
        fraud_flagged_transactions_90d,
        confirmed_fraud_transactions_90d,
        -- scores: credit (rules: bureau score, repayment history, overdraft)
        round(cast(1.0 / (1.0 + exp(-(
            -2.5
            + (650 - coalesce(credit_score, 650)) / 60.0
            + 0.8 * least(coalesce(late_payments_12m, 0), 5)
            + case when end_of_month_balance_amount < 0 then 0.7 else 0 end
        ))) as {{ dbt.type_numeric() }}), 6) as credit_risk_score,
        'rules' as credit_score_source,
        credit_score,
        -- features behind the scores
        total_transactions_90d,
        transaction_volume_90d_amount,
        txn_count_1m as transactions_last_month,
        activity_trend_ratio,
        recent_rate_ratio,
        inflow_trend_ratio,
        complaints_3m,
        fee_disputes_3m,
        fee_amount_3m,
        late_payments_12m,
        end_of_month_balance_amount,
        open_accounts_at_month_end,
        fee_revenue_12m_amount,
        purchase_volume_12m_amount,
        cast(round(cast(average_balance_amount as numeric), 2) as numeric(16, 2)) as average_balance_amount,
        {{ dbt.datediff('last_transaction_date', 'as_of_date', 'day') }}
            as days_since_last_transaction,
        -- flags
        coalesce(open_accounts_at_month_end, 0) = 0 as has_no_open_account,
        -- dates
        features_month_date,
        as_of_date
    from valued

)

select * from final
