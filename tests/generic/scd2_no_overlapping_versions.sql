{#
    scd2_no_overlapping_versions: fails on every pair of versions of the same entity
    whose half-open validity ranges [valid_from, valid_to) overlap.
#}
{% test scd2_no_overlapping_versions(model, entity_column, valid_from='valid_from', valid_to='valid_to') %}

with versions as (

    select
        {{ entity_column }} as entity_id,
        {{ valid_from }} as valid_from,
        {{ valid_to }} as valid_to,
        lead({{ valid_from }}) over (
            partition by {{ entity_column }}
            order by {{ valid_from }}
        ) as next_valid_from
    from {{ model }}

)

select *
from versions
where next_valid_from < valid_to

{% endtest %}
