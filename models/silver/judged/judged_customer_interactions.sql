{#
    Every row of clean_customer_interactions with its final verdict. A row its own
    values accepted is judged against what it refers to: a customer silver never staged
    (orphan_customer: not in registry_customers); a fault of the row's own keeps the
    reason clean_customer_interactions gave it, so it always comes first. Then the rows
    of one key and load still accepted are compared (conflicting_duplicate: no column
    says which came later, so the content hash decides; the same content twice is a
    duplicate, which staging removes). stg_customer_interactions keeps the accepted rows
    and deduplicates them; rejected_rows keeps the others with their raw row. A table,
    rebuilt each run: every reader shares one verdict per row.
#}
{%- set columns = [
    'interaction_id', 'customer_id', 'interaction_time', 'channel', 'interaction_type', 'reason',
    'resolution_status', 'handle_time_seconds', 'satisfaction_score',
] %}

with

cleaned as (

    select * from {{ ref('clean_customer_interactions') }}

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
                cleaned.customer_id is not null and known_customers.customer_id is null
                then 'orphan_customer'
        end as rejection_reason
    from cleaned
    left join known_customers
        on cleaned.customer_id = known_customers.customer_id

),

-- two accepted rows of one key in one load that say different things (conflicting_duplicate):
-- no column says which came later, so the content hash decides
verdicts as (

    select
        judged.*,
        {{ conflicting_duplicate_verdict('interaction_id') }} as verdict
    from judged

),

final as (

    select
        {{ judged_output_columns(columns) }}
    from verdicts

)

select * from final
