{#
    One row per bronze table: where each bronze row went. Every bronze row is a silver
    row, a rejected row, an exact duplicate removed (same natural key in the same load
    as the kept row) or a re-send superseded (same key, an earlier load than the kept
    row), so bronze_rows = silver_rows + rejected_rows + duplicates_removed +
    resends_superseded. The counts come from different relations (bronze itself, the
    judged base views, the staging tables, rejected_rows), so the balance is a real
    check: tests/silver/assert_reconciliation_balances.sql fails when it does not hold.
#}
{%- set reasons = silver_rejection_reasons() %}
with

bronze_products as (

    select * from {{ source('bronze', 'products') }}

),

bronze_merchants as (

    select * from {{ source('bronze', 'merchants') }}

),

bronze_customers as (

    select * from {{ source('bronze', 'customers') }}

),

bronze_accounts as (

    select * from {{ source('bronze', 'accounts') }}

),

bronze_transactions as (

    select * from {{ source('bronze', 'transactions') }}

),

bronze_credit_applications as (

    select * from {{ source('bronze', 'credit_applications') }}

),

bronze_fraud_alerts as (

    select * from {{ source('bronze', 'fraud_alerts') }}

),

bronze_customer_interactions as (

    select * from {{ source('bronze', 'customer_interactions') }}

),

bronze_economic_indicators as (

    select * from {{ source('bronze', 'economic_indicators') }}

),

bronze_marketing_campaigns as (

    select * from {{ source('bronze', 'marketing_campaigns') }}

),

bronze_loan_payments as (

    select * from {{ source('bronze', 'loan_payments') }}

),

base_products as (

    select * from {{ ref('base_products') }}

),

base_merchants as (

    select * from {{ ref('base_merchants') }}

),

base_customers as (

    select * from {{ ref('base_customers') }}

),

base_accounts as (

    select * from {{ ref('base_accounts') }}

),

base_transactions as (

    select * from {{ ref('base_transactions') }}

),

base_credit_applications as (

    select * from {{ ref('base_credit_applications') }}

),

base_fraud_alerts as (

    select * from {{ ref('base_fraud_alerts') }}

),

base_customer_interactions as (

    select * from {{ ref('base_customer_interactions') }}

),

base_economic_indicators as (

    select * from {{ ref('base_economic_indicators') }}

),

base_marketing_campaigns as (

    select * from {{ ref('base_marketing_campaigns') }}

),

base_loan_payments as (

    select * from {{ ref('base_loan_payments') }}

),

stg_products as (

    select * from {{ ref('stg_products') }}

),

stg_merchants as (

    select * from {{ ref('stg_merchants') }}

),

stg_customers as (

    select * from {{ ref('stg_customers') }}

),

stg_accounts as (

    select * from {{ ref('stg_accounts') }}

),

stg_transactions as (

    select * from {{ ref('stg_transactions') }}

),

stg_credit_applications as (

    select * from {{ ref('stg_credit_applications') }}

),

stg_fraud_alerts as (

    select * from {{ ref('stg_fraud_alerts') }}

),

stg_customer_interactions as (

    select * from {{ ref('stg_customer_interactions') }}

),

stg_economic_indicators as (

    select * from {{ ref('stg_economic_indicators') }}

),

stg_marketing_campaigns as (

    select * from {{ ref('stg_marketing_campaigns') }}

),

stg_loan_payments as (

    select * from {{ ref('stg_loan_payments') }}

),

rejected_rows as (

    select * from {{ ref('rejected_rows') }}

),

bronze_counts as (

    select
        'products' as source_table,
        count(*) as bronze_rows
    from bronze_products

    union all

    select
        'merchants' as source_table,
        count(*) as bronze_rows
    from bronze_merchants

    union all

    select
        'customers' as source_table,
        count(*) as bronze_rows
    from bronze_customers

    union all

    select
        'accounts' as source_table,
        count(*) as bronze_rows
    from bronze_accounts

    union all

    select
        'transactions' as source_table,
        count(*) as bronze_rows
    from bronze_transactions

    union all

    select
        'credit_applications' as source_table,
        count(*) as bronze_rows
    from bronze_credit_applications

    union all

    select
        'fraud_alerts' as source_table,
        count(*) as bronze_rows
    from bronze_fraud_alerts

    union all

    select
        'customer_interactions' as source_table,
        count(*) as bronze_rows
    from bronze_customer_interactions

    union all

    select
        'economic_indicators' as source_table,
        count(*) as bronze_rows
    from bronze_economic_indicators

    union all

    select
        'marketing_campaigns' as source_table,
        count(*) as bronze_rows
    from bronze_marketing_campaigns

    union all

    select
        'loan_payments' as source_table,
        count(*) as bronze_rows
    from bronze_loan_payments

),

-- rows sent twice in one batch (same key and content), accepted or not: the source's duplicates
sent_copies as (

    select
        'products' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_products

    union all

    select
        'merchants' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_merchants

    union all

    select
        'customers' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_customers

    union all

    select
        'accounts' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_accounts

    union all

    select
        'transactions' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_transactions

    union all

    select
        'credit_applications' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_credit_applications

    union all

    select
        'fraud_alerts' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_fraud_alerts

    union all

    select
        'customer_interactions' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_customer_interactions

    union all

    select
        'economic_indicators' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_economic_indicators

    union all

    select
        'marketing_campaigns' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_marketing_campaigns

    union all

    select
        'loan_payments' as source_table,
        count(*) - count(distinct {{ dbt.concat(['batch_id', "'|'", 'row_hash']) }}) as duplicate_rows_sent
    from base_loan_payments

),

-- accepted rows ranked exactly as the staging models rank them
accepted as (

    select
        'products' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by product_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by product_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_products
    where rejection_reason is null

    union all

    select
        'merchants' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by merchant_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by merchant_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_merchants
    where rejection_reason is null

    union all

    select
        'customers' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by customer_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by customer_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        is_complete,
        false as has_unknown_reference,
        is_email_valid,
        is_phone_valid
    from base_customers
    where rejection_reason is null

    union all

    select
        'accounts' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by account_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by account_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        is_complete,
        (is_customer_known = false or is_product_known = false) as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_accounts
    where rejection_reason is null

    union all

    select
        'transactions' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by transaction_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by transaction_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        cast(null as {{ dbt.type_boolean() }}) as is_complete,
        coalesce(is_merchant_known = false, false) as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_transactions
    where rejection_reason is null

    union all

    select
        'credit_applications' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by application_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by application_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        cast(null as {{ dbt.type_boolean() }}) as is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_credit_applications
    where rejection_reason is null

    union all

    select
        'fraud_alerts' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by alert_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by alert_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        cast(null as {{ dbt.type_boolean() }}) as is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_fraud_alerts
    where rejection_reason is null

    union all

    select
        'customer_interactions' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by interaction_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by interaction_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        cast(null as {{ dbt.type_boolean() }}) as is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_customer_interactions
    where rejection_reason is null

    union all

    select
        'economic_indicators' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by indicator_month
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by indicator_month
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        cast(null as {{ dbt.type_boolean() }}) as is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_economic_indicators
    where rejection_reason is null

    union all

    select
        'marketing_campaigns' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by campaign_id, customer_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by campaign_id, customer_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        cast(null as {{ dbt.type_boolean() }}) as is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_marketing_campaigns
    where rejection_reason is null

    union all

    select
        'loan_payments' as source_table,
        natural_key,
        batch_id,
        loaded_at,
        row_number() over (
            partition by payment_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank,
        first_value(batch_id) over (
            partition by payment_id
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as kept_batch_id,
        is_code_repaired,
        cast(null as {{ dbt.type_boolean() }}) as is_complete,
        false as has_unknown_reference,
        cast(null as {{ dbt.type_boolean() }}) as is_email_valid,
        cast(null as {{ dbt.type_boolean() }}) as is_phone_valid
    from base_loan_payments
    where rejection_reason is null

),

accepted_counts as (

    select
        source_table,
        count(*) as accepted_rows,
        count(distinct natural_key) as distinct_keys,
        sum(case when load_rank > 1 and batch_id = kept_batch_id then 1 else 0 end) as duplicates_removed,
        sum(case when load_rank > 1 and batch_id != kept_batch_id then 1 else 0 end) as resends_superseded,
        -- flags of the kept rows: repaired or nulled values, unknown parents kept
        sum(case when load_rank = 1 and is_code_repaired then 1 else 0 end) as codes_repaired,
        sum(case when load_rank = 1 and is_complete = false then 1 else 0 end) as incomplete_rows,
        sum(case when load_rank = 1 and has_unknown_reference then 1 else 0 end) as unknown_references_kept,
        sum(case when load_rank = 1 and is_email_valid = false then 1 else 0 end) as invalid_emails_nulled,
        sum(case when load_rank = 1 and is_phone_valid = false then 1 else 0 end) as invalid_phones_nulled
    from accepted
    group by source_table

),

silver_counts as (

    select
        'products' as source_table,
        count(*) as silver_rows
    from stg_products

    union all

    select
        'merchants' as source_table,
        count(*) as silver_rows
    from stg_merchants

    union all

    select
        'customers' as source_table,
        count(*) as silver_rows
    from stg_customers

    union all

    select
        'accounts' as source_table,
        count(*) as silver_rows
    from stg_accounts

    union all

    select
        'transactions' as source_table,
        count(*) as silver_rows
    from stg_transactions

    union all

    select
        'credit_applications' as source_table,
        count(*) as silver_rows
    from stg_credit_applications

    union all

    select
        'fraud_alerts' as source_table,
        count(*) as silver_rows
    from stg_fraud_alerts

    union all

    select
        'customer_interactions' as source_table,
        count(*) as silver_rows
    from stg_customer_interactions

    union all

    select
        'economic_indicators' as source_table,
        count(*) as silver_rows
    from stg_economic_indicators

    union all

    select
        'marketing_campaigns' as source_table,
        count(*) as silver_rows
    from stg_marketing_campaigns

    union all

    select
        'loan_payments' as source_table,
        count(*) as silver_rows
    from stg_loan_payments

),

rejected_counts as (

    select
        source_table,
        count(*) as rejected_rows,
        {%- for reason in reasons %}
        sum(case when reason = '{{ reason }}' then 1 else 0 end) as rejected_{{ reason }},
        {%- endfor %}
        count(distinct natural_key) as rejected_distinct_keys
    from rejected_rows
    group by source_table

),

final as (

    select
        -- keys
        bronze_counts.source_table,
        -- measures
        bronze_counts.bronze_rows,
        coalesce(accepted_counts.distinct_keys, 0) as accepted_distinct_keys,
        sent_copies.duplicate_rows_sent,
        coalesce(accepted_counts.duplicates_removed, 0) as duplicates_removed,
        coalesce(accepted_counts.resends_superseded, 0) as resends_superseded,
        coalesce(rejected_counts.rejected_rows, 0) as rejected_rows,
        {%- for reason in reasons %}
        coalesce(rejected_counts.rejected_{{ reason }}, 0) as rejected_{{ reason }},
        {%- endfor %}
        coalesce(silver_counts.silver_rows, 0) as silver_rows,
        coalesce(accepted_counts.codes_repaired, 0) as codes_repaired,
        coalesce(accepted_counts.incomplete_rows, 0) as incomplete_rows,
        coalesce(accepted_counts.unknown_references_kept, 0) as unknown_references_kept,
        coalesce(accepted_counts.invalid_emails_nulled, 0) as invalid_emails_nulled,
        coalesce(accepted_counts.invalid_phones_nulled, 0) as invalid_phones_nulled,
        -- flags
        bronze_counts.bronze_rows = coalesce(silver_counts.silver_rows, 0)
        + coalesce(rejected_counts.rejected_rows, 0)
        + coalesce(accepted_counts.duplicates_removed, 0)
        + coalesce(accepted_counts.resends_superseded, 0) as is_balanced
    from bronze_counts
    left join sent_copies
        on bronze_counts.source_table = sent_copies.source_table
    left join accepted_counts
        on bronze_counts.source_table = accepted_counts.source_table
    left join rejected_counts
        on bronze_counts.source_table = rejected_counts.source_table
    left join silver_counts
        on bronze_counts.source_table = silver_counts.source_table

)

select * from final
