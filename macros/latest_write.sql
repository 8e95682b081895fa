{#
    The latest write of an incremental model, and tests scoped to it.

    dbt_loaded_at(): the start time of this dbt invocation (UTC), one value for every row a
    run writes. Incremental models select it as their dbt_loaded_at column, so the rows of
    the latest write are `dbt_loaded_at = max(dbt_loaded_at)`: every row after a full
    refresh, the rows this run inserted or rewrote after an incremental run. It is the one
    column that differs between two runs of the same inputs (the identity tests leave out
    columns named *loaded_at).

    Tests: in `dbt build` a generic test of an incremental model reads only the rows of
    that model's latest write, which the build has just made: every row after a full
    refresh, the rows the run wrote after an incremental one, instead of rescanning all
    history. `dbt test` tests every row. Singular tests opt in by reading
    `latest_write(ref('...'))`. Unique indexes and contract constraints guard every row
    either way. var test_scope overrides the choice: 'all' or 'latest_write' (default
    'auto'). The choice is made when the test runs, from the command (flags.WHICH), so it
    costs no re-parse; a var or an env var that changed between two commands would make
    dbt parse the project again (about 10 s here).
#}

{% macro dbt_loaded_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro latest_write_is_tested() -%}
    {%- set scope = var('test_scope', 'auto') -%}
    {%- if scope not in ['auto', 'all', 'latest_write'] -%}
        {{ exceptions.raise_compiler_error(
            "var test_scope must be 'auto', 'all' or 'latest_write', not '" ~ scope ~ "'"
        ) }}
    {%- endif -%}
    {{ return(scope == 'latest_write' or (scope == 'auto' and flags.WHICH == 'build')) }}
{%- endmacro %}


{% macro is_written_incrementally(relation) -%}
    {#- true when the relation is one the test depends on and an incremental model that
        documents a dbt_loaded_at column (the test's own dependencies: a short list) -#}
    {%- if execute -%}
        {%- for unique_id in model.depends_on.nodes -%}
            {%- set node = graph.nodes.get(unique_id) -%}
            {%- if node and node.resource_type == 'model'
                and node.config.materialized == 'incremental'
                and 'dbt_loaded_at' in node.columns
                and node.schema == relation.schema
                and node.alias == relation.identifier -%}
                {{ return(true) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}


{% macro latest_write_condition(relation) -%}
    dbt_loaded_at = (select max(written.dbt_loaded_at) from {{ relation }} as written)
{%- endmacro %}


{% macro latest_write(relation) -%}
    {#- for singular tests: the relation, or only its latest write when tests are scoped -#}
    {%- if latest_write_is_tested() and is_written_incrementally(relation) -%}
        (select * from {{ relation }} where {{ latest_write_condition(relation) }})
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's own (a test's `where` config) plus the latest-write scope of incremental models -#}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if latest_write_is_tested() and is_written_incrementally(relation) -%}
        {%- do conditions.append(latest_write_condition(relation)) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}


{#
    analyze_incremental: a post-hook of every model (dbt_project.yml) that refreshes the
    planner's statistics of an incremental model after it wrote. Autovacuum analyzes a
    table only after a tenth of it changed, so after an incremental run the statistics
    still say dbt_loaded_at has the values of the full refresh, and a filter on the
    latest write (its tests, the change detection of the models downstream) is planned
    as a scan of every row: 3.3 s instead of 0.13 s for one relationships test on the
    1M account snapshot, measured. Sampled, it takes under a second on 13M rows.
#}
{% macro analyze_incremental() -%}
    {#- a model whose readers no statistics would help opts out: meta analyze_after_write -#}
    {%- if model.config.materialized == 'incremental'
        and model.config.get('meta', {}).get('analyze_after_write', true) -%}
        {{ adapter.dispatch('analyze_relation')(this) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
    {#- other adapters keep their statistics their own way -#}
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    analyze {{ relation }}
{%- endmacro %}
