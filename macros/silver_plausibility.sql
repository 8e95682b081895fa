{#
    The limits silver holds every source row to, beyond types and codes: how long an
    identifier may be and when an event may have happened. Each broken limit is a
    rejection reason (macros/silver_rejection_reasons.sql), never a failed build.

    silver_max_id_length: identifiers (every *_id column) hold at most this many characters
        (var silver_max_id_length, default 64; the generator's are at most 12). A longer one
        cannot be a key of ours, and would not fit an index entry: the row is rejected
        as value_too_long.
    id_too_long(columns): true when any of the identifiers is longer than the limit.
    bounded_id(column): the identifier cut to the limit, for the natural key of a rejected
        row (an accepted identifier is never longer, so no two keys merge).
    conflicting_duplicate_verdict(key, order_by): the verdict of a judged row (columns
        rejection_reason, row_hash, loaded_at) once the rows of its key in the same load
        are compared: among the accepted rows, the first by order_by (the table's "recorded
        later" column; then by row_hash, so the rule is total) wins, and an accepted row with other content is a
        conflicting_duplicate. Rows with the winner's content stay accepted (exact
        duplicates, which staging removes).
    data_start_at(): the start of the data: the window start the first batch declares in
        bronze.batches, read through stg_batches (var data_start_date when set; dim_date's
        first day when no batch declares one). An event before it is before_data_start: no single row can move a
        model's first day back.
#}

{% macro silver_max_id_length() -%}
    {{ return(var('silver_max_id_length', 64)) }}
{%- endmacro %}


{% macro id_too_long(columns) -%}
    (
        {%- for column in columns %}
        coalesce({{ dbt.length(column) }} > {{ silver_max_id_length() }}, false)
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    )
{%- endmacro %}


{% macro bounded_id(column) -%}
    substring({{ column }}, 1, {{ silver_max_id_length() }})
{%- endmacro %}


{% macro data_start_at() -%}
    {%- if var('data_start_date', none) -%}
    cast('{{ var("data_start_date") }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
    (
        select coalesce(min(window_start), cast('{{ var("calendar_start_date", "2020-01-01") }}' as {{ dbt.type_timestamp() }}))
        from {{ ref('stg_batches') }}
    )
    {%- endif -%}
{%- endmacro %}


{% macro conflicting_duplicate_verdict(key, order_by=none) -%}
    case
        when
            rejection_reason is null
            and row_hash <> first_value(row_hash) over (
                partition by {{ key }}, loaded_at, rejection_reason is null
                order by {% if order_by %}{{ order_by }}, {% endif %}row_hash desc
            )
            then 'conflicting_duplicate'
        else rejection_reason
    end
{%- endmacro %}
