{#
    replace_changed_rows: the incremental strategy of a small analytics table whose
    incremental select returns the whole table, most of it carried over from the rows held
    (descriptive_analytics: a few hundred rows, of which a run recomputes the groups whose
    inputs changed). The strategy writes only the difference: it deletes every row held that
    the select no longer returns as it is (compared NULL-safe on every column but
    dbt_loaded_at; a row held without a write time is rewritten), so rows that changed or
    no longer exist go, then inserts the selected rows whose key is no longer held. A row
    that did not change keeps the dbt_loaded_at of the run that wrote it, so the latest
    write is what changed. unique_key = the table's key columns.
#}
{% macro get_incremental_replace_changed_rows_sql(arg_dict) %}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- if unique_key is string -%}
        {%- set unique_key = [unique_key] -%}
    {%- endif -%}
    {%- set column_names = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set compared_columns = column_names | reject('equalto', 'dbt_loaded_at') | list -%}
    {%- set dest_cols_csv = get_quoted_csv(column_names) -%}

    delete from {{ target_relation }} as held
    where
        not exists (
            select 1
            from {{ temp_relation }} as computed
            where
                {% for key in unique_key -%}
                computed.{{ key }} = held.{{ key }}
                and {% endfor -%}
                (
                    {%- for column in compared_columns %}
                    computed.{{ adapter.quote(column) }}{{ ',' if not loop.last }}
                    {%- endfor %}
                ) is not distinct from (
                    {%- for column in compared_columns %}
                    held.{{ adapter.quote(column) }}{{ ',' if not loop.last }}
                    {%- endfor %}
                )
        )
        {%- if 'dbt_loaded_at' in column_names %}
        or held.dbt_loaded_at is null
        {%- endif %};

    insert into {{ target_relation }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ temp_relation }} as computed
        where not exists (
            select 1
            from {{ target_relation }} as held
            where
                {% for key in unique_key -%}
                held.{{ key }} = computed.{{ key }}{{ ' and' if not loop.last }}
                {% endfor %}
        )
    )
{% endmacro %}


{#
    row_hash: a 64-bit hash of the values of some columns, to be summed over rows into a
    fingerprint that a later run compares (the sum of a multiset's hashes does not depend
    on row order, and equal values hash alike). On postgres, hash_record_extended hashes
    the typed values without casting them to text: about half the cost of the md5 of
    gold_surrogate_key, the default. A server upgrade that changed the hash would only make
    one run recompute everything.
#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash')(columns)) }}
{%- endmacro %}

{% macro default__row_hash(columns) -%}
    {{ gold_surrogate_key(columns) }}
{%- endmacro %}

{% macro postgres__row_hash(columns) -%}
    hash_record_extended(row({{ columns | join(', ') }}), 0)
{%- endmacro %}
