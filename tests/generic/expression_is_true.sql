{#
    expression_is_true: fails on every row where the SQL expression is not true (false
    or NULL). Model-level, or column-level with the column name in the expression.
    Proven to fail on bad data: qa_generic_test_cases (see _silver__models.yml).
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
