{#
    The generator's truths (source generator_truth) are for tests only: no model, in
    any layer, may read them. Returns one row per offending model.
#}
{%- set offenders = [] -%}
{%- if execute -%}
{%- for node in graph.nodes.values() if node.resource_type in ['model', 'snapshot'] -%}
{%- for parent in node.depends_on.nodes if parent.startswith('source.' ~ project_name ~ '.generator_truth.') -%}
{%- do offenders.append(node.unique_id ~ ' reads ' ~ parent) -%}
{%- endfor -%}
{%- endfor -%}
{%- endif %}

with

offenders as (

    {%- for offender in offenders %}
        select '{{ offender }}' as offence
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- if not offenders %}
    select cast(null as {{ dbt.type_string() }}) as offence
    where 1 = 0
    {%- endif %}

)

select * from offenders
