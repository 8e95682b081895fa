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
        cleaned.natural_key,
        {%- for column in columns %}
        cleaned.{{ column }},
        {%- endfor %}
        cleaned.is_code_repaired,
        cleaned.batch_id,
        cleaned.loaded_at,
        cleaned.row_hash,
        cleaned.raw_row,
        cleaned.raw_row_changes,
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
        -- keys
        natural_key,
        -- attributes
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        -- flags
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict
        verdict as rejection_reason,
        -- the raw row is what a rejected row is kept for; accepted rows have their columns.
        -- A row accepted by clean_customer_interactions brings only the text values cleaning changed
        case when verdict is not null then coalesce(raw_row, {{ raw_row_rebuilt(columns) }}) end as raw_row
    from verdicts

)

select * from final
