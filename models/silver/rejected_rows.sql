{#
    Every bronze row that silver cannot trust, with the reason, its batch and the raw
    row as the source sent it. Nothing leaves bronze silently: a row is in a staging
    model, in here, or a removed duplicate / superseded re-send (see reconciliation).
    The final verdict of each row is in judged_<table>, or in clean_<table> for the
    tables that refer to no other (products, merchants, customers, economic indicators).
#}
with

clean_products as (

    select * from {{ ref('clean_products') }}

),

clean_merchants as (

    select * from {{ ref('clean_merchants') }}

),

clean_customers as (

    select * from {{ ref('clean_customers') }}

),

judged_accounts as (

    select * from {{ ref('judged_accounts') }}

),

judged_transactions as (

    select * from {{ ref('judged_transactions') }}

),

judged_credit_applications as (

    select * from {{ ref('judged_credit_applications') }}

),

judged_fraud_alerts as (

    select * from {{ ref('judged_fraud_alerts') }}

),

judged_customer_interactions as (

    select * from {{ ref('judged_customer_interactions') }}

),

clean_economic_indicators as (

    select * from {{ ref('clean_economic_indicators') }}

),

judged_marketing_campaigns as (

    select * from {{ ref('judged_marketing_campaigns') }}

),

judged_loan_payments as (

    select * from {{ ref('judged_loan_payments') }}

),

unioned as (

    select
        'products' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from clean_products
    where rejection_reason is not null

    union all

    select
        'merchants' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from clean_merchants
    where rejection_reason is not null

    union all

    select
        'customers' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from clean_customers
    where rejection_reason is not null

    union all

    select
        'accounts' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from judged_accounts
    where rejection_reason is not null

    union all

    select
        'transactions' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from judged_transactions
    where rejection_reason is not null

    union all

    select
        'credit_applications' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from judged_credit_applications
    where rejection_reason is not null

    union all

    select
        'fraud_alerts' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from judged_fraud_alerts
    where rejection_reason is not null

    union all

    select
        'customer_interactions' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from judged_customer_interactions
    where rejection_reason is not null

    union all

    select
        'economic_indicators' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from clean_economic_indicators
    where rejection_reason is not null

    union all

    select
        'marketing_campaigns' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from judged_marketing_campaigns
    where rejection_reason is not null

    union all

    select
        'loan_payments' as source_table,
        natural_key,
        rejection_reason as reason,
        batch_id,
        loaded_at,
        raw_row
    from judged_loan_payments
    where rejection_reason is not null

),

-- identical rejected rows (same table, same raw row) are told apart by their occurrence
numbered as (

    select
        *,
        row_number() over (
            partition by source_table, {{ dbt.cast('raw_row', dbt.type_string()) }}
            order by natural_key
        ) as occurrence
    from unioned

),

final as (

    select
        -- keys
        {{ dbt.hash(dbt.concat([
            'source_table',
            "'|'",
            dbt.cast('raw_row', dbt.type_string()),
            "'|'",
            dbt.cast('occurrence', dbt.type_string()),
        ])) }} as rejected_row_id,
        source_table,
        natural_key,
        -- attributes
        reason,
        raw_row,
        -- lineage
        batch_id,
        loaded_at
    from numbered

)

select * from final
