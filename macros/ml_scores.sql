{#
    ml_scores_or_empty: read a model-score table written by `make ml`, or nothing.

    The gold.ml_* tables are written by scripts/ml (Python) and declared as dbt sources
    (models/gold/_gold__ml_sources.yml). Before `make ml` has run they do not exist, and the
    analytics models must still build: then this macro returns a typed, empty relation with
    the same columns, the models' left joins find no score and they fall back to the
    documented rule-based score (score_source = 'rules'). The model passes the source()
    itself, so the lineage graph still shows the dependency.

    columns: a dict of column name -> type expression, the columns the model reads.
#}

{% macro ml_scores_or_empty(source_relation, columns) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=source_relation.database,
            schema=source_relation.schema,
            identifier=source_relation.identifier,
        ) -%}
    {%- endif -%}
    {%- if existing is not none %}
    select
        {%- for name, type in columns.items() %}
        cast({{ name }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ source_relation }}
    {%- else %}
    -- {{ source_relation }} does not exist yet (`make ml` has not run): no model scores
    select
        {%- for name, type in columns.items() %}
        cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endif %}
{%- endmacro %}
