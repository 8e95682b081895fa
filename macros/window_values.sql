{#
    first_present_value: the first value of a column, within a partition, that is not
    missing, in the given order (a window over the whole partition, so every row of the
    partition gets it). "Missing" is NULL unless the caller says otherwise (e.g. an id
    that points nowhere). Used to take an account's attributes from the versions of its
    history that have them: the earliest for what does not change over its life, the
    latest for what does.
#}
{% macro first_present_value(column, partition_by, order_by, missing=none) -%}
    first_value({{ column }}) over (
        partition by {{ partition_by }}
        order by case when {{ missing or (column ~ ' is null') }} then 1 else 0 end, {{ order_by }}
        rows between unbounded preceding and unbounded following
    )
{%- endmacro %}
