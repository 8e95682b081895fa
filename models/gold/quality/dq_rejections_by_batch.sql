{#
    What silver rejected, per batch, bronze table and reason, beside how many rows the
    batch sent to that table. Aggregate counts only: the rejected rows themselves (raw
    source rows, personal data included) stay in silver.rejected_rows, which the reports'
    gold-only reader cannot read. A batch and table with nothing rejected is one row with
    reason 'none' and rejected_row_count 0, so clean batches show as clean, not missing.
#}
{%- set bronze_tables = [
    'products', 'merchants', 'customers', 'accounts', 'transactions',
    'credit_applications', 'fraud_alerts', 'customer_interactions',
    'economic_indicators', 'marketing_campaigns', 'loan_payments',
] %}

with

rejected_rows as (

    select * from {{ ref('rejected_rows') }}

),

batches as (

    select * from {{ source('bronze', 'batches') }}

),

{% for table in bronze_tables %}
bronze_{{ table }} as (

    select
        '{{ table }}' as source_table,
        _batch_id as batch_id,
        count(*) as batch_table_row_count
    from {{ source('bronze', table) }}
    group by _batch_id

),

{% endfor %}
sent as (

    {% for table in bronze_tables %}
    select * from bronze_{{ table }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

rejected as (

    select
        batch_id,
        source_table,
        reason,
        count(*) as rejected_row_count
    from rejected_rows
    group by batch_id, source_table, reason

),

final as (

    select
        -- keys
        cast(sent.batch_id as text) as batch_id,
        cast(sent.source_table as text) as source_table,
        cast(coalesce(rejected.reason, 'none') as text) as reason,
        -- attributes
        cast(batches.kind as text) as batch_kind,
        batches.as_of as batch_as_of_at,
        batches.loaded_at as batch_loaded_at,
        -- measures
        cast(coalesce(rejected.rejected_row_count, 0) as bigint) as rejected_row_count,
        cast(sent.batch_table_row_count as bigint) as batch_table_row_count
    from sent
    left join rejected
        on
            sent.batch_id = rejected.batch_id
            and sent.source_table = rejected.source_table
    left join batches
        on sent.batch_id = batches.batch_id

)

select * from final
