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
