{#
    delete_unbacked_rows: post-hook of incremental staging models. Removes the rows of
    the target whose key no longer has any accepted bronze row: a parent that
    disappeared from a current-state extract turned them into orphans, or a batch was
    reloaded without them. A full refresh would not select them, so without this an
    incremental run would keep rows a full refresh drops. On a full refresh it deletes
    nothing.
#}
{% macro delete_unbacked_rows(target_relation, base_relation, key_column) -%}
    delete from {{ target_relation }} as kept
    where not exists (
        select 1
        from {{ base_relation }} as backing
        where
            backing.rejection_reason is null
            and backing.{{ key_column }} = kept.{{ key_column }}
    )
{%- endmacro %}


{#
    delete_rows_of_withdrawn_loads: post-hook of incremental base models. Removes the
    judged rows of loads bronze no longer holds: the loader replaces a reloaded batch's
    rows (a new _loaded_at), and a full refresh would not find the old ones. Bronze's
    loads are few, so the anti-join reads one distinct list and the held load columns.
#}
{% macro delete_rows_of_withdrawn_loads(target_relation, bronze_relation) -%}
    delete from {{ target_relation }} as held
    where not exists (
        select 1
        from (
            select distinct
                bronze_rows._batch_id,
                bronze_rows._loaded_at
            from {{ bronze_relation }} as bronze_rows
        ) as loads
        where
            loads._batch_id = held.batch_id
            and loads._loaded_at = held.loaded_at
    )
{%- endmacro %}
