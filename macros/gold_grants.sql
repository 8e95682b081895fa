{#
    Who reads gold: the reader role (analyst) reads every relation in gold and nothing
    else. Table grants come from +grants in dbt_project.yml; the role also needs USAGE on
    the schema, and tables created in gold outside dbt (the ML score tables written by
    scripts/ml) are covered by the default privileges of the role that builds gold.
    Called once at the end of a run (on-run-end), only when the run built something in
    gold, and only for gold: bronze, silver, snapshots and private stay closed to the
    reader. The embedded server's scripts/db.py sets the same grants when it creates a
    database, so a reader can connect before the first build.
#}
{% macro grant_gold_schema_usage(schemas, role='analyst', schema='gold') %}
    {% if execute and schema in schemas and target.type == 'postgres' %}
        {% do run_query('grant usage on schema ' ~ adapter.quote(schema) ~ ' to ' ~ adapter.quote(role)) %}
        {% do run_query(
            'alter default privileges in schema ' ~ adapter.quote(schema)
            ~ ' grant select on tables to ' ~ adapter.quote(role)
        ) %}
        {% do log('granted usage and default select on schema ' ~ schema ~ ' to ' ~ role, info=false) %}
    {% endif %}
{% endmacro %}
