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
    withdrawn_loads(relation): a query of the loads the relation holds that bronze no
    longer does (a reloaded batch's earlier load). The loader stamps every row of a load
    and the batch's row in bronze.batches with the same transaction time, one per load, so
    a held loaded_at that stg_batches does not list is a withdrawn load. The loads held are
    found by a loose scan of the loaded_at index (one probe per load), so it costs the same
    however many rows the relation holds.

    delete_rows_of_withdrawn_loads: post-hook of incremental per-row models. Removes the
    rows of withdrawn loads, which a full refresh would not find; a model that read its
    whole history here would pay for it on every run, new data or not.
#}
{% macro withdrawn_loads(relation, loaded_at_column='loaded_at') -%}
    with recursive held_loads as (

        select min({{ loaded_at_column }}) as loaded_at
        from {{ relation }}
        union all
        select (
            select min(later.{{ loaded_at_column }})
            from {{ relation }} as later
            where later.{{ loaded_at_column }} > held_loads.loaded_at
        ) as loaded_at
        from held_loads
        where held_loads.loaded_at is not null

    )

    select held_loads.loaded_at
    from held_loads
    where
        held_loads.loaded_at is not null
        and not exists (
            select 1
            from {{ ref('stg_batches') }} as loads
            where loads.loaded_at = held_loads.loaded_at
        )
{%- endmacro %}


{% macro delete_rows_of_withdrawn_loads(target_relation, loaded_at_column='loaded_at') -%}
    delete from {{ target_relation }} as held
    where held.{{ loaded_at_column }} in (
        {{ withdrawn_loads(target_relation, loaded_at_column) | indent(8) }}
    )
{%- endmacro %}
