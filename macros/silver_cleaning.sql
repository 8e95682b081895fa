{#
    Column cleaning of the silver staging models, applied to every bronze column the
    same way so the staging contract holds everywhere:

    clean_text: trimmed; a blank string becomes NULL (before any validation).
    clean_code: an enumerated code (status, type, channel ...): clean_text, lower-cased.
    clean_id:   an identifier (customer_id, account_id ...): clean_text, upper-cased.
    clean_iso_code: an ISO code (currency, country): clean_text, upper-cased as the
                standard writes it.
#}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{% macro clean_code(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}


{% macro clean_id(column) -%}
    upper({{ clean_text(column) }})
{%- endmacro %}


{% macro clean_iso_code(column) -%}
    upper({{ clean_text(column) }})
{%- endmacro %}


{#- clean_upper_code: a code the bronze contract writes in upper case (gender F | M | X). -#}
{% macro clean_upper_code(column) -%}
    upper({{ clean_text(column) }})
{%- endmacro %}
