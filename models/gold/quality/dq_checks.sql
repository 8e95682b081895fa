{#
    Value-range and consistency checks on what gold serves, one row per check: how many
    rows it looked at and how many broke the rule. The data tests fail a build on these
    rules; this model keeps the counts of the last build for the data-quality report.
    severity 'error' marks a wrong number, 'warn' a row kept on purpose but worth a look
    (a fact whose customer or merchant did not resolve points at the unknown member).
#}
with

fact_transactions as (

    select * from {{ ref('fact_transactions') }}

),

dim_customer as (

    select * from {{ ref('dim_customer') }}

),

descriptive_analytics as (

    select * from {{ ref('descriptive_analytics') }}

),

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

transaction_checks as (

    select
        count(*) as checked_row_count,
        sum(case when transaction_hour not between 0 and 23 then 1 else 0 end) as bad_hour,
        sum(case when fee_amount < 0 then 1 else 0 end) as negative_fee,
        sum(
            case when approved_amount_abs > transaction_amount_abs then 1 else 0 end
        ) as approved_above_amount,
        sum(case when customer_key = {{ unknown_member_key() }} then 1 else 0 end) as unknown_customer,
        sum(
            case when merchant_key = {{ unknown_member_key() }} then 1 else 0 end
        ) as unknown_merchant
    from fact_transactions

),

customer_checks as (

    select
        count(*) as checked_row_count,
        sum(case when credit_score not between 300 and 850 then 1 else 0 end) as bad_credit_score,
        sum(case when annual_income < 0 then 1 else 0 end) as negative_income
    from dim_customer
    where is_current

),

monthly_totals as (

    select sum(transaction_count) as transaction_count
    from descriptive_analytics
    where breakdown = 'overall'

),

reconciliation_checks as (

    select
        count(*) as checked_row_count,
        sum(case when is_balanced then 0 else 1 end) as unbalanced_tables
    from reconciliation

),

checks as (

    select
        'transaction_hour_in_range' as check_name,
        'value_range' as check_kind,
        'fact_transactions' as relation_name,
        'transaction_hour between 0 and 23' as rule_text,
        'error' as severity,
        checked_row_count,
        bad_hour as failing_row_count
    from transaction_checks

    union all

    select
        'fee_not_negative' as check_name,
        'value_range' as check_kind,
        'fact_transactions' as relation_name,
        'fee_amount >= 0' as rule_text,
        'error' as severity,
        checked_row_count,
        negative_fee as failing_row_count
    from transaction_checks

    union all

    select
        'credit_score_in_range' as check_name,
        'value_range' as check_kind,
        'dim_customer' as relation_name,
        'credit_score between 300 and 850 (current versions)' as rule_text,
        'error' as severity,
        checked_row_count,
        bad_credit_score as failing_row_count
    from customer_checks

    union all

    select
        'income_not_negative' as check_name,
        'value_range' as check_kind,
        'dim_customer' as relation_name,
        'annual_income >= 0 (current versions)' as rule_text,
        'error' as severity,
        checked_row_count,
        negative_income as failing_row_count
    from customer_checks

    union all

    select
        'approved_within_amount' as check_name,
        'consistency' as check_kind,
        'fact_transactions' as relation_name,
        'approved_amount_abs <= transaction_amount_abs' as rule_text,
        'error' as severity,
        checked_row_count,
        approved_above_amount as failing_row_count
    from transaction_checks

    union all

    select
        'customer_resolved' as check_name,
        'consistency' as check_kind,
        'fact_transactions' as relation_name,
        'customer_key resolves to a customer version (not the unknown member)' as rule_text,
        'warn' as severity,
        checked_row_count,
        unknown_customer as failing_row_count
    from transaction_checks

    union all

    select
        'merchant_resolved' as check_name,
        'consistency' as check_kind,
        'fact_transactions' as relation_name,
        'merchant_key resolves to a merchant (not the unknown member)' as rule_text,
        'warn' as severity,
        checked_row_count,
        unknown_merchant as failing_row_count
    from transaction_checks

    union all

    select
        'monthly_kpis_add_up' as check_name,
        'consistency' as check_kind,
        'descriptive_analytics' as relation_name,
        'monthly transaction counts add up to the fact rows' as rule_text,
        'error' as severity,
        transaction_checks.checked_row_count,
        abs(
            transaction_checks.checked_row_count - coalesce(monthly_totals.transaction_count, 0)
        ) as failing_row_count
    from transaction_checks
    cross join monthly_totals

    union all

    select
        'bronze_rows_accounted_for' as check_name,
        'consistency' as check_kind,
        'reconciliation' as relation_name,
        'every bronze row is a silver, rejected, duplicate or superseded row (tables)' as rule_text,
        'error' as severity,
        checked_row_count,
        unbalanced_tables as failing_row_count
    from reconciliation_checks

),

final as (

    select
        -- keys
        cast(check_name as text) as check_name,
        -- attributes
        cast(check_kind as text) as check_kind,
        cast(relation_name as text) as relation_name,
        cast(rule_text as text) as rule_text,
        cast(severity as text) as severity,
        -- measures
        cast(checked_row_count as bigint) as checked_row_count,
        cast(coalesce(failing_row_count, 0) as bigint) as failing_row_count,
        -- flags
        coalesce(failing_row_count, 0) = 0 as is_passing
    from checks

)

select * from final
