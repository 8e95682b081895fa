{#
    Statistics helpers of the analytics layer (inferential and causal models).

    All take SQL expressions and return SQL expressions, so a model keeps its aggregation
    visible and only the formula is shared. Numbers are cast to double precision for the
    arithmetic and rounded by the caller where the value is stored.

    std_error(stddev, n):            standard error of a mean.
    proportion_std_error(p, n):      standard error of a proportion (Wald).
    ci95_lower / ci95_upper(est, se): normal 95% interval, estimate -/+ 1.96 se.
    wilson_lower / wilson_upper(p, n): Wilson score 95% interval of a proportion; unlike
                                      the Wald interval it does not collapse to [0, 0] when
                                      no event was seen, and it stays inside [0, 1].
    normal_cdf(z):                    standard normal CDF; PostgreSQL has no erf(), so the
                                      Abramowitz-Stegun 26.2.17 approximation (|error| < 7.5e-8).
    two_sided_p_value(z):             2 * (1 - Phi(|z|)).
    safe_ratio(numerator, denominator): numerator / denominator, NULL when the denominator is 0.
#}

{% macro z_95() -%}
    1.959964
{%- endmacro %}


{% macro as_double(expression) -%}
    cast({{ expression }} as {{ dbt.type_float() }})
{%- endmacro %}


{% macro safe_ratio(numerator, denominator) -%}
    ({{ as_double(numerator) }} / nullif({{ as_double(denominator) }}, 0))
{%- endmacro %}


{% macro std_error(stddev, n) -%}
    ({{ as_double(stddev) }} / sqrt(nullif({{ as_double(n) }}, 0)))
{%- endmacro %}


{% macro proportion_std_error(p, n) -%}
    sqrt({{ as_double(p) }} * (1 - {{ as_double(p) }}) / nullif({{ as_double(n) }}, 0))
{%- endmacro %}


{% macro ci95_lower(estimate, se) -%}
    ({{ estimate }} - {{ z_95() }} * {{ se }})
{%- endmacro %}


{% macro ci95_upper(estimate, se) -%}
    ({{ estimate }} + {{ z_95() }} * {{ se }})
{%- endmacro %}


{#- Wilson score interval: (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n) -#}
{% macro wilson_bound(p, n, sign) -%}
    {%- set z = z_95() -%}
    {%- set p_ = as_double(p) -%}
    {%- set n_ = "nullif(" ~ as_double(n) ~ ", 0)" -%}
    (
        ({{ p_ }} + {{ z }} * {{ z }} / (2 * {{ n_ }})
            {{ sign }} {{ z }} * sqrt({{ p_ }} * (1 - {{ p_ }}) / {{ n_ }} + {{ z }} * {{ z }} / (4 * {{ n_ }} * {{ n_ }})))
        / (1 + {{ z }} * {{ z }} / {{ n_ }})
    )
{%- endmacro %}


{% macro wilson_lower(p, n) -%}
    {{ wilson_bound(p, n, '-') }}
{%- endmacro %}


{% macro wilson_upper(p, n) -%}
    {{ wilson_bound(p, n, '+') }}
{%- endmacro %}


{#- z is clamped to +-37: beyond it the tail is below 1e-300, and exp() of the square
    underflows the double (large samples give such z) -#}
{% macro normal_cdf(z) -%}
    {%- set clamped = "least(greatest(" ~ as_double(z) ~ ", -37.0), 37.0)" -%}
    {%- set t = "(1.0 / (1.0 + 0.2316419 * abs(" ~ clamped ~ ")))" -%}
    {%- set tail = "(exp(-0.5 * " ~ clamped ~ " * " ~ clamped ~ ") / 2.5066282746310002 * "
        ~ t ~ " * (0.319381530 + " ~ t ~ " * (-0.356563782 + " ~ t ~ " * (1.781477937 + "
        ~ t ~ " * (-1.821255978 + " ~ t ~ " * 1.330274429)))))" -%}
    {#- least/greatest skip NULLs on PostgreSQL: a missing z must stay a missing p -#}
    (case when {{ z }} is null then null when {{ z }} >= 0 then 1 - {{ tail }} else {{ tail }} end)
{%- endmacro %}


{% macro two_sided_p_value(z) -%}
    (2 * (1 - {{ normal_cdf("abs(" ~ z ~ ")") }}))
{%- endmacro %}
