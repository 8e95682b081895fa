{#
    Schemas are exactly bronze, silver, gold and snapshots, as users of the reference
    design query them: a custom schema is used as is, never prefixed with the target's.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
