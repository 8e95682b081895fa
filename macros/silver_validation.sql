{#
    Validation helpers of the silver layer.

    regex_matches: portable regular-expression match (postgres `~`, spark `rlike`).
    is_valid_email: local@domain.tld, no spaces, one @, a dot in the domain (the local
        part may hold letters, digits and . _ % + ' -).
    is_valid_phone: only digits, spaces and the separators + ( ) - . remain, an
        optional extension (x123 / ext. 123) after them, and 7 to 15 digits in all
        (E.164 allows at most 15), not all of them zeros (a placeholder, not a number).
    Both return NULL for a NULL input, so "missing" and "malformed" stay apart.
#}

{% macro regex_matches(column, pattern) -%}
    {{ return(adapter.dispatch('regex_matches')(column, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(column, pattern) -%}
    ({{ column }} rlike '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_matches(column, pattern) -%}
    ({{ column }} ~ '{{ pattern }}')
{%- endmacro %}


{% macro is_valid_email(column) -%}
    {{ regex_matches(column, "^[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$") }}
{%- endmacro %}


{% macro phone_digits(column) -%}
    {{ return(adapter.dispatch('phone_digits')(column)) }}
{%- endmacro %}

{% macro default__phone_digits(column) -%}
    regexp_replace(regexp_replace({{ column }}, '(x|ext\\.?) *[0-9]+$', ''), '[^0-9]', '')
{%- endmacro %}

{% macro postgres__phone_digits(column) -%}
    regexp_replace(regexp_replace({{ column }}, '(x|ext\.?) *[0-9]+$', '', 'i'), '[^0-9]', '', 'g')
{%- endmacro %}


{% macro is_valid_phone(column) -%}
    (
        {{ regex_matches(column, '^\\+?[0-9 ().-]+((x|ext\\.?) *[0-9]+)?$') }}
        and {{ dbt.length(phone_digits(column)) }} between 7 and 15
        and not {{ regex_matches(phone_digits(column), '^0+$') }}
    )
{%- endmacro %}


{#
    row_content_hash: md5 of the business columns of a row (metadata excluded), the
    stable last tie-breaker when two rows of one key share _loaded_at and _batch_id,
    and the test of "same content" for exact duplicates.
#}
{% macro row_content_hash(columns) -%}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- do fields.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')"
        ) -%}
        {%- if not loop.last %}{% do fields.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(fields)) }}
{%- endmacro %}


{#
    raw_row_json: the whole bronze row, metadata included, as a json document, kept on
    rejected rows so nothing the source sent is lost.
#}
{% macro raw_row_json(relation_alias) -%}
    {{ return(adapter.dispatch('raw_row_json')(relation_alias)) }}
{%- endmacro %}

{% macro default__raw_row_json(relation_alias) -%}
    to_json(struct({{ relation_alias }}.*))
{%- endmacro %}

{#- the load time is kept in its own column; leaving it out of the raw row keeps the
    row's content the same when the same inputs are loaded again -#}
{% macro postgres__raw_row_json(relation_alias) -%}
    (to_jsonb({{ relation_alias }}) - '_loaded_at')
{%- endmacro %}


{#
    raw_row_changes / raw_row_rebuilt: the raw row of a row the clean step accepted, kept
    small. A clean_* model of a table that refers to others cannot know whether its
    judged_* model will reject a row it accepts, so it must keep enough to give that row
    its raw row; the whole raw row on every row would make it several times the size of
    bronze. Cleaning changes only text values (trimmed, blanks to NULL, case), and every
    other column keeps bronze's type and value, so it keeps only the text values cleaning
    changed. raw_row_changes(text_columns), in the clean model's final select, reads each
    text column cleaned (`<column>`) and as bronze sent it (`raw_<column>`, selected
    beside it), and gives a jsonb object of the values that differ, as sent ('{}' when
    none). It never reads the whole raw row: postgres inlines the clean model's CTEs, so
    each reference to it would build it again for every row. raw_row_rebuilt(columns) in
    the judged model puts the raw row back together from the cleaned columns (all of
    bronze's, in any order), the batch and those changes: equal to raw_row_json() of the
    bronze row (jsonb compares by content). NULL when the changes are (a held row judged
    again, whose changes were not kept).
#}
{% macro raw_row_changes(text_columns) -%}
    jsonb_strip_nulls(jsonb_build_object(
        {%- for column in text_columns %}
        '{{ column }}', case when raw_{{ column }} is distinct from {{ column }} then to_jsonb(raw_{{ column }}) end
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ))
{%- endmacro %}


{% macro raw_row_rebuilt(columns) -%}
    (
        jsonb_build_object(
            {%- for column in columns %}
            '{{ column }}', {{ column }},
            {%- endfor %}
            '_batch_id', batch_id
        )
        || raw_row_changes
    )
{%- endmacro %}
