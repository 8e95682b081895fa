{#
    Every row of clean_fraud_alerts with its final verdict. A row its own values accepted
    is judged against what it refers to, in this order: a transaction the source never
    sent (orphan_transaction: no row of judged_transactions has its id), a transaction
    sent but rejected (parent_rejected: none of its rows was accepted, so it is not in
    stg_transactions; the alert cannot be trusted either), a customer silver never staged
    (orphan_customer: not in registry_customers). A fault of the row's own keeps the
    reason clean_fraud_alerts gave it, so it always comes first. Then the rows of one key
    and load still accepted are compared (conflicting_duplicate: the alert's later state,
    resolved_at, wins; the same content twice is a duplicate, which staging removes).
    stg_fraud_alerts keeps the accepted rows and deduplicates them; rejected_rows keeps
    the others with their raw row. A table, rebuilt each run: every reader shares one
    verdict per row.

    It reads judged_transactions, not stg_transactions: a transaction is staged when one
    of its rows is accepted, so the verdicts are the same, and the alerts need not wait
    for the transactions' deduplication.
#}
{%- set columns = [
    'alert_id', 'transaction_id', 'customer_id', 'alert_time', 'alert_type', 'severity',
    'rule_score', 'alert_status', 'resolved_at',
] %}

with

cleaned as (

    select * from {{ ref('clean_fraud_alerts') }}

),

judged_transactions as (

    select * from {{ ref('judged_transactions') }}

),

alert_transaction_ids as (

    select distinct transaction_id
    from cleaned
    where transaction_id is not null

),

-- the transactions the alerts name: whether the source sent each one, and whether
-- silver accepted any of its rows. An array, not a semi-join: postgres then reads the
-- few rows through judged_transactions' natural_key index (an id short enough to be
-- accepted is its own natural_key) instead of scanning the table for them
sent_transactions as (

    select
        judged_transactions.transaction_id,
        bool_or(judged_transactions.rejection_reason is null) as is_accepted
    from judged_transactions
    where
        judged_transactions.natural_key
        = any(array(select alert_transaction_ids.transaction_id from alert_transaction_ids))
    group by judged_transactions.transaction_id

),

known_customers as (

    select customer_id from {{ ref('registry_customers') }}

),

judged as (

    select
        {{ judged_input_columns(columns) }}
        case
            -- a fault of the row's own comes first
            when cleaned.rejection_reason is not null
                then cleaned.rejection_reason
            when
                cleaned.transaction_id is not null and sent_transactions.transaction_id is null
                then 'orphan_transaction'
            when
                cleaned.transaction_id is not null and not sent_transactions.is_accepted
                then 'parent_rejected'
            when
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
        end as rejection_reason
    from cleaned
    left join sent_transactions
        on cleaned.transaction_id = sent_transactions.transaction_id
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id

),

-- two accepted rows of one key in one load that say different things (conflicting_duplicate):
-- the alert's later state (resolved_at) wins
verdicts as (

    select
        judged.*,
        {{ conflicting_duplicate_verdict('alert_id', 'resolved_at desc nulls last') }} as verdict
    from judged

),

final as (

    select
        {{ judged_output_columns(columns) }}
    from verdicts

)

select * from final
