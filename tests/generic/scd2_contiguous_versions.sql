{#
    scd2_contiguous_versions: fails on every version that is followed by another
    version of the same entity starting later than it ends (a gap in the history).
#}
{% test scd2_contiguous_versions(model, entity_column, valid_from='valid_from', valid_to='valid_to') %}

with versions as (

    select
        {{ entity_column }} as entity_id,
        {{ valid_to }} as valid_to,
        lead({{ valid_from }}) over (
            partition by {{ entity_column }}
            order by {{ valid_from }}
        ) as next_valid_from
    from {{ model }}

)

select *
from versions
where next_valid_from is not null
    and next_valid_from <> valid_to

{% endtest %}
