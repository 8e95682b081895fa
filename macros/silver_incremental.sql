{#
    The incremental mechanics of silver, shared by the models that use them.

    after_newest_held_load(column): the filter that reads each load once. Bronze stamps
    _loaded_at in commit order, so the loads after the newest one the model holds are
    exactly the loads it has not seen: clean_transactions reads bronze's new loads with it,
    judged_transactions the rows clean_transactions cleaned from them. On a full refresh
    (or a first run) it is not applied: the model's select reads everything.
#}
{% macro after_newest_held_load(column) -%}
    {{ column }} > (
        select coalesce(max(held.loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }} as held
    )
{%- endmacro %}


{#
    delete_unbacked_rows: post-hook of incremental staging models. Removes the rows of
    the target whose key no longer has any accepted judged row: a parent that
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
    delete_rows_of_withdrawn_loads: post-hook of incremental per-row models. Removes the
    rows of loads the upstream relation no longer holds: the loader replaces a reloaded
    batch's rows (a new _loaded_at), and a full refresh would not find the old ones.
    clean_transactions checks against bronze (_batch_id, _loaded_at), judged_transactions
    against clean_transactions (batch_id, loaded_at), whose own post-hook ran before.
    Loads are few, so the anti-join reads one distinct list and the held load columns.
#}
{% macro delete_rows_of_withdrawn_loads(
    target_relation, upstream_relation, batch_column='_batch_id', loaded_at_column='_loaded_at'
) -%}
    delete from {{ target_relation }} as held
    where not exists (
        select 1
        from (
            select distinct
                upstream_rows.{{ batch_column }} as batch_id,
                upstream_rows.{{ loaded_at_column }} as loaded_at
            from {{ upstream_relation }} as upstream_rows
        ) as loads
        where
            loads.batch_id = held.batch_id
            and loads.loaded_at = held.loaded_at
    )
{%- endmacro %}
