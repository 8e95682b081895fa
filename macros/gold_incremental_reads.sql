{#
    Helpers that keep fact_transactions' incremental runs in proportion to what changed.

    from_utc_timestamp: a UTC timestamp without time zone back as a timestamptz, the
    inverse of to_utc_timestamp (macros/gold_time.sql), so a watermark held in gold can be
    compared with silver's timestamptz column as it is, through its index.

    changed_from_held: the condition that a computed row differs from the row the target
    holds under the same key (NULL-safe, every documented column but dbt_loaded_at), or
    is not held at all. A model that selects only such rows writes nothing for inputs it
    re-reads without change, and its unchanged rows keep the dbt_loaded_at of the run that
    wrote them. When the target lacks a documented column (a column added since), every
    row counts as changed.
#}

{% macro from_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('from_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__from_utc_timestamp(column) -%}
    from_utc_timestamp({{ column }}, 'UTC')
{%- endmacro %}

{% macro postgres__from_utc_timestamp(column) -%}
    (({{ column }}) at time zone 'UTC')
{%- endmacro %}


{% macro changed_from_held(target_relation, computed_alias, key_columns) -%}
    {%- set held_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(target_relation) -%}
            {%- do held_columns.append(column.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set compared_columns = model.columns.keys() | reject('equalto', 'dbt_loaded_at') | list -%}
    {%- set missing_columns = compared_columns | reject('in', held_columns) | list -%}
    {%- if not execute or missing_columns or not compared_columns -%}
        true
    {%- else -%}
        not exists (
            select 1
            from {{ target_relation }} as held
            where
                {% for key in key_columns -%}
                held.{{ key }} = {{ computed_alias }}.{{ key }}
                and {% endfor -%}
                (
                    {%- for column in compared_columns %}
                    held.{{ adapter.quote(column) }}{{ ',' if not loop.last }}
                    {%- endfor %}
                ) is not distinct from (
                    {%- for column in compared_columns %}
                    {{ computed_alias }}.{{ adapter.quote(column) }}{{ ',' if not loop.last }}
                    {%- endfor %}
                )
        )
    {%- endif -%}
{%- endmacro %}

