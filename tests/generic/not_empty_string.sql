{#
    not_empty_string: fails on every value that is an empty or blank string (NULLs are
    not_null's business). Silver turns blanks into NULL; this checks it did.
#}
{% test not_empty_string(model, column_name) %}

select *
from {{ model }}
where trim({{ column_name }}) = ''

{% endtest %}
