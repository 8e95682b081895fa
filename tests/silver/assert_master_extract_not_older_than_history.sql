{{ config(severity='warn', store_failures=true, tags=['source_finding']) }}
{#
    A source finding: a customer or account the latest extract sends with an updated_at
    older than the version its SCD2 history already holds (a stale re-send, a restore
    from backup). History never moves back in time: the snapshot keeps the newer version
    and gold follows it, while silver staging shows the row as the extract sent it. One
    row per such key; warns and keeps the rows in quality.<test name>.
#}
{%- set masters = [
    {'name': 'customers', 'key': 'customer_id', 'history': 'snap_customers'},
    {'name': 'accounts', 'key': 'account_id', 'history': 'snap_accounts'},
] %}

with

{% for master in masters %}
extract_{{ master.name }} as (

    select * from {{ ref('stg_' ~ master.name) }}

),

history_{{ master.name }} as (

    select * from {{ ref(master.history) }}

),

stale_{{ master.name }} as (

    select
        '{{ master.name }}' as source_table,
        extract_rows.{{ master.key }} as natural_key,
        {{ to_utc_timestamp('extract_rows.updated_at') }} as extract_updated_at,
        current_versions.updated_at as history_updated_at
    from extract_{{ master.name }} as extract_rows
    inner join history_{{ master.name }} as current_versions
        on
            extract_rows.{{ master.key }} = current_versions.{{ master.key }}
            and current_versions.dbt_valid_to = {{ scd_far_future() }}
    where {{ to_utc_timestamp('extract_rows.updated_at') }} < current_versions.updated_at

),

{% endfor %}
final as (

    {% for master in masters -%}
    select * from stale_{{ master.name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
