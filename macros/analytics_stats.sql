{#
    Statistics helpers of the analytics layer (inferential and causal models).

    All take SQL expressions and return SQL expressions, so a model keeps its aggregation
    visible and only the formula is shared. Numbers are cast to double precision for the
    arithmetic and rounded by the caller where the value is stored.

    std_error(stddev, n):            standard error of a mean.
    proportion_std_error(p, n):      standard error of a proportion (Wald).
    ci95_lower / ci95_upper(est, se[, df]): 95% interval, estimate -/+ 1.96 se; with df (an
                                      expression, NULL for normal rows), Student's t
                                      critical value instead (critical_95).
    critical_95(df):                  t quantile 0.975 for df = 1..30 from the table,
                                      beyond it the Cornish-Fisher expansion (error < 1e-4);
                                      1.959964 where df is NULL.
    wilson_lower / wilson_upper(p, n): Wilson score 95% interval of a proportion; unlike
                                      the Wald interval it does not collapse to [0, 0] when
                                      no event was seen, and it stays inside [0, 1].
    normal_cdf(z):                    standard normal CDF; PostgreSQL has no erf(), so the
                                      Abramowitz-Stegun 26.2.17 approximation (|error| < 7.5e-8).
    two_sided_p_value(z[, df]):       2 * (1 - Phi(|z|)); with df, z is a t statistic, mapped
                                      to the normal scale by Wallace's approximation
                                      (8 df + 1) / (8 df + 3) * sqrt(df ln(1 + t^2 / df)),
                                      within 0.005 of the exact p-value for df >= 5.
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


{% macro critical_95(df=none) -%}
    {%- if df is none -%}
        {{ z_95() }}
    {%- else -%}
        {%- set t_table = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
            2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816,
            2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529,
            2.051831, 2.048407, 2.045230, 2.042272] -%}
        {%- set v = as_double(df) -%}
        (case
            when {{ df }} is null then {{ z_95() }}
            {%- for t in t_table %}
            when {{ df }} = {{ loop.index }} then {{ t }}
            {%- endfor %}
            else {{ z_95() }} + 9.489085 / (4 * {{ v }}) + 270.959876 / (96 * {{ v }} * {{ v }})
        end)
    {%- endif -%}
{%- endmacro %}


{% macro ci95_lower(estimate, se, df=none) -%}
    ({{ estimate }} - {{ critical_95(df) }} * {{ se }})
{%- endmacro %}


{% macro ci95_upper(estimate, se, df=none) -%}
    ({{ estimate }} + {{ critical_95(df) }} * {{ se }})
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


{% macro two_sided_p_value(z, df=none) -%}
    {%- if df is none -%}
        (2 * (1 - {{ normal_cdf("abs(" ~ z ~ ")") }}))
    {%- else -%}
        {%- set v = as_double(df) -%}
        {%- set z_equivalent = "coalesce((8 * " ~ v ~ " + 1) / (8 * " ~ v ~ " + 3) * sqrt(" ~ v
            ~ " * ln(1 + power(" ~ z ~ ", 2) / " ~ v ~ ")), abs(" ~ z ~ "))" -%}
        (2 * (1 - {{ normal_cdf(z_equivalent) }}))
    {%- endif -%}
{%- endmacro %}
