{#
    scd2_valid_range: fails on every version whose validity range is empty, reversed or
    open (valid_from and valid_to are never NULL and valid_from < valid_to), and on
    every current version that does not end at the far-future date.
#}
{% test scd2_valid_range(model, valid_from='valid_from', valid_to='valid_to', is_current='is_current') %}

select *
from {{ model }}
where {{ valid_from }} is null
    or {{ valid_to }} is null
    or not ({{ valid_from }} < {{ valid_to }})
    or ({{ is_current }} and {{ valid_to }} <> {{ scd_far_future() }})
    or (not {{ is_current }} and {{ valid_to }} = {{ scd_far_future() }})

{% endtest %}
