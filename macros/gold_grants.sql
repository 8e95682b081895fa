{#
    Table grants come from +grants in dbt_project.yml; a role also needs USAGE on the
    schema to reach them. Called once at the end of a run (on-run-end), only when the
    run built something in gold, and only for gold: bronze, silver and snapshots stay
    closed to the analyst role.
#}
{% macro grant_gold_schema_usage(schemas, role='analyst', schema='gold') %}
    {% if execute and schema in schemas and target.type == 'postgres' %}
        {% do run_query('grant usage on schema ' ~ adapter.quote(schema) ~ ' to ' ~ adapter.quote(role)) %}
        {% do log('granted usage on schema ' ~ schema ~ ' to ' ~ role, info=false) %}
    {% endif %}
{% endmacro %}
