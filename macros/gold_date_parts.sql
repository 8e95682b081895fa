{#
    ISO calendar parts that dbt-core has no cross-database macro for.
    part: isodow (1 = Monday .. 7 = Sunday), isoweek (ISO week 1-53), isoyear.
#}

{% macro iso_date_part(part, column) -%}
    {{ return(adapter.dispatch('iso_date_part')(part, column)) }}
{%- endmacro %}

{% macro default__iso_date_part(part, column) -%}
    {%- set spark_parts = {'isodow': 'dayofweek_iso', 'isoweek': 'week', 'isoyear': 'yearofweek'} -%}
    cast(extract({{ spark_parts[part] }} from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro postgres__iso_date_part(part, column) -%}
    {%- set pg_parts = {'isodow': 'isodow', 'isoweek': 'week', 'isoyear': 'isoyear'} -%}
    cast(extract({{ pg_parts[part] }} from {{ column }}) as {{ dbt.type_int() }})
{%- endmacro %}
