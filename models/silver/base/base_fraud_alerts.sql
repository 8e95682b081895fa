{#
    Every bronze fraud_alerts row, cleaned and judged: one row per bronze row. stg_fraud_alerts
    keeps the accepted rows (rejection_reason is null) and deduplicates them;
    rejected_rows keeps the others with their raw row. A table,
    rebuilt each run: every reader shares one verdict per row.
#}
with

source as (

    select * from {{ source('bronze', 'fraud_alerts') }}

),

-- the simulated extract time of each batch: later events are in the future
batches as (

    select
        batch_id,
        as_of
    from {{ source('bronze', 'batches') }}

),

known_transactions as (

    select transaction_id from {{ ref('stg_transactions') }}

),

-- every transaction id the source sent, accepted or not
sent_transactions as (

    select distinct transaction_id
    from {{ ref('base_transactions') }}
    where transaction_id is not null

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

cleaned as (

    select
        {{ clean_id('alert_id') }} as alert_id,
        {{ clean_id('transaction_id') }} as transaction_id,
        {{ clean_id('customer_id') }} as customer_id,
        alert_time,
        {{ clean_code('alert_type') }} as alert_type,
        {{ clean_code('severity') }} as severity,
        rule_score,
        {{ clean_code('alert_status') }} as alert_status,
        resolved_at,
        -- a code that only needed trimming or a case change (repaired, not rejected)
        (
            coalesce({{ clean_code('alert_type') }} != alert_type, false)
            or coalesce({{ clean_code('severity') }} != severity, false)
            or coalesce({{ clean_code('alert_status') }} != alert_status, false)
        ) as is_code_repaired,
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        {{ raw_row_json('source') }} as raw_row
    from source

),

judged as (

    select
        cleaned.*,
        case
            when {{ id_too_long(['cleaned.alert_id', 'cleaned.transaction_id', 'cleaned.customer_id']) }}
                then 'value_too_long'
            when
                cleaned.alert_id is null
                or cleaned.transaction_id is null
                or cleaned.customer_id is null
                or cleaned.alert_time is null
                or cleaned.alert_type is null
                or cleaned.alert_status is null
                then 'missing_required_field'
            when
                cleaned.alert_type not in ('velocity', 'amount', 'geo', 'merchant_risk', 'night_cnp')
                or cleaned.severity not in ('low', 'medium', 'high', 'critical')
                or cleaned.alert_status not in ('confirmed_fraud', 'false_positive', 'open')
                then 'invalid_code'
            when
                cleaned.rule_score not between 0 and 100
                then 'invalid_value'
            when
                cleaned.alert_time > coalesce(batches.as_of, cleaned.loaded_at)
                then 'future_timestamp'
            when
                cleaned.alert_time < {{ data_start_at() }}
                then 'before_data_start'
            when
                cleaned.resolved_at < cleaned.alert_time
                then 'invalid_date_range'
            when
                cleaned.transaction_id is not null and sent_transactions.transaction_id is null
                then 'orphan_transaction'
            -- the transaction was sent but silver rejected it: the alert cannot be trusted either
            when
                cleaned.transaction_id is not null and known_transactions.transaction_id is null
                then 'parent_rejected'
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
        end as rejection_reason
    from cleaned
    left join batches
        on cleaned.batch_id = batches.batch_id
    left join sent_transactions
        on cleaned.transaction_id = sent_transactions.transaction_id
    left join known_transactions
        on cleaned.transaction_id = known_transactions.transaction_id
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id

),

hashed as (

    select
        judged.*,
        {{ row_content_hash([
            'alert_id',
            'transaction_id',
            'customer_id',
            'alert_time',
            'alert_type',
            'severity',
            'rule_score',
            'alert_status',
            'resolved_at',
        ]) }} as row_hash
    from judged

),

-- two accepted rows of one key in one load that say different things
-- (conflicting_duplicate): the alert's later state (resolved_at) wins.
-- The same content twice is a duplicate, which staging removes
verdicts as (

    select
        hashed.*,
        {{ conflicting_duplicate_verdict('alert_id', 'resolved_at desc nulls last') }} as verdict
    from hashed

),

final as (

    select
        -- keys
        alert_id as natural_key,
        -- attributes
        alert_id,
        transaction_id,
        customer_id,
        alert_time,
        alert_type,
        severity,
        rule_score,
        alert_status,
        resolved_at,
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict
        verdict as rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns
        case when verdict is not null then raw_row end as raw_row
    from verdicts

)

select * from final
