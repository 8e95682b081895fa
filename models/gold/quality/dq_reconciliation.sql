{#
    Where each bronze table's rows went (silver's reconciliation, counts only) and how
    fresh the table is: when its last batch was loaded, and the freshness thresholds the
    bronze sources declare (models/bronze/_bronze__sources.yml), so a report can judge
    the age at the time it is read. One row per bronze table.
#}
{#- hours of each bronze table's warn_after and error_after, from the parsed sources -#}
{%- set hours_per = {'minute': 1.0 / 60, 'hour': 1, 'day': 24} %}
{%- set thresholds = {} %}
{%- if execute %}
    {%- for node in graph.sources.values() if node.source_name == 'bronze' and node.name != 'batches' %}
        {%- set hours = {} %}
        {%- for level in ['warn_after', 'error_after'] %}
            {%- set rule = (node.freshness or {}).get(level) or {} %}
            {%- if rule.get('count') and rule.get('period') in hours_per %}
                {%- do hours.update({level: rule['count'] * hours_per[rule['period']]}) %}
            {%- else %}
                {%- do hours.update({level: 'null'}) %}
            {%- endif %}
        {%- endfor %}
        {%- do thresholds.update({node.name: hours}) %}
    {%- endfor %}
{%- endif %}

with

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

loads as (

    select
        source_table,
        max(batch_loaded_at) as last_loaded_at,
        max(batch_id) as last_batch_id,
        count(distinct batch_id) as batch_count
    from {{ ref('dq_rejections_by_batch') }}
    group by source_table

),

thresholds as (

    {% for table, hours in thresholds.items() %}
    select
        '{{ table }}' as source_table,
        cast({{ hours['warn_after'] }} as numeric) as warn_after_hours,
        cast({{ hours['error_after'] }} as numeric) as error_after_hours
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as text) as source_table,
        cast(null as numeric) as warn_after_hours,
        cast(null as numeric) as error_after_hours
    {% endfor %}

),

final as (

    select
        -- keys
        cast(reconciliation.source_table as text) as source_table,
        -- measures
        cast(reconciliation.bronze_rows as bigint) as bronze_row_count,
        cast(reconciliation.silver_rows as bigint) as silver_row_count,
        cast(reconciliation.rejected_rows as bigint) as rejected_row_count,
        cast(reconciliation.duplicates_removed as bigint) as duplicate_row_count,
        cast(reconciliation.resends_superseded as bigint) as superseded_row_count,
        cast(reconciliation.codes_repaired as bigint) as repaired_code_count,
        cast(reconciliation.incomplete_rows as bigint) as incomplete_row_count,
        cast(reconciliation.unknown_references_kept as bigint) as unknown_reference_count,
        cast(loads.batch_count as bigint) as batch_count,
        -- flags
        reconciliation.is_balanced,
        -- freshness
        cast(loads.last_batch_id as text) as last_batch_id,
        loads.last_loaded_at,
        thresholds.warn_after_hours,
        thresholds.error_after_hours
    from reconciliation
    left join loads
        on reconciliation.source_table = loads.source_table
    left join thresholds
        on reconciliation.source_table = thresholds.source_table

)

select * from final
