{#
    Time helpers of the gold layer.

    scd_far_future: the valid_to of current dimension versions and the snapshots'
    dbt_valid_to_current, so range joins never meet NULL.
    to_utc_timestamp: a timestamptz as a UTC timestamp without time zone, the one
    timestamp type of the snapshots and gold (snapshot_get_time() is one on postgres).
#}

{% macro scd_far_future() -%}
    cast('9999-12-31 00:00:00' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    to_utc_timestamp({{ column }}, 'UTC')
{%- endmacro %}

{% macro postgres__to_utc_timestamp(column) -%}
    ({{ column }} at time zone 'UTC')
{%- endmacro %}
