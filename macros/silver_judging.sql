{#
    The column lists every judged_<event table> model shares, so each model reads as its
    own rules: what it refers to, in which order, and which record wins a conflict.

    judged_input_columns(columns): the clean row's key, its bronze columns, its lineage and
    raw row, read from the `cleaned` import; the model adds its own rejection_reason.

    judged_output_columns(columns, flags): the final row, read from `verdicts` (the judged
    rows with their conflicting_duplicate verdict): key, columns, the model's flags, lineage,
    the verdict as rejection_reason, and the raw row of a rejected row (a row the clean
    step accepted brings only the text values cleaning changed, so its raw row is rebuilt).
#}
{% macro judged_input_columns(columns) -%}
        cleaned.natural_key,
        {%- for column in columns %}
        cleaned.{{ column }},
        {%- endfor %}
        cleaned.is_code_repaired,
        cleaned.batch_id,
        cleaned.loaded_at,
        cleaned.row_hash,
        cleaned.raw_row,
        cleaned.raw_row_changes,
{%- endmacro %}


{% macro judged_output_columns(columns, flags=[]) -%}
        -- keys
        natural_key,
        -- attributes
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        -- flags
        {%- for flag in flags %}
        {{ flag }},
        {%- endfor %}
        is_code_repaired,
        -- lineage
        batch_id,
        loaded_at,
        row_hash,
        -- verdict
        verdict as rejection_reason,
        case when verdict is not null then coalesce(raw_row, {{ raw_row_rebuilt(columns) }}) end as raw_row
{%- endmacro %}
