{#- Feature helpers of the gold features models. -#}
{#- a month's value against the average of the two months before, smoothed so that
    small or empty months do not divide by zero: (current + s) / (previous_2m / 2 + s) -#}
{% macro trend_ratio(current, previous_2m, smoothing) -%}
    round(cast(
        ({{ current }} + {{ smoothing }}) / (coalesce({{ previous_2m }}, 0) / 2.0 + {{ smoothing }})
        as numeric
    ), 4)
{%- endmacro %}
