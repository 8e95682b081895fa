{#
    scd2_one_current_version: fails on every entity that is not deleted and has not
    exactly one current version, and on every deleted entity that still has one.
#}
{% test scd2_one_current_version(model, entity_column, is_current='is_current', is_deleted='is_deleted') %}

with entities as (

    select
        {{ entity_column }} as entity_id,
        sum(case when {{ is_current }} then 1 else 0 end) as current_versions,
        max(case when {{ is_deleted }} then 1 else 0 end) as is_deleted
    from {{ model }}
    group by {{ entity_column }}

)

select *
from entities
where (is_deleted = 0 and current_versions <> 1)
    or (is_deleted = 1 and current_versions <> 0)

{% endtest %}
