{#
    at_most_n_distinct_values: fails (one row) when the column holds more than max_count
    distinct values, e.g. a current-state bronze table holding more than one batch.
#}
{% test at_most_n_distinct_values(model, column_name, max_count) %}

select count(distinct {{ column_name }}) as distinct_values
from {{ model }}
having count(distinct {{ column_name }}) > {{ max_count }}

{% endtest %}
