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
    the target whose key no longer has any accepted judged row: a batch was reloaded
    without them, or their rows were judged again and rejected (a conflicting duplicate
    that lost to a row accepted late). A full refresh would not select them, so without
    this an incremental run would keep rows a full refresh drops.

    Only two sets of held keys can have lost their backing since the last run, so only
    they are checked, through indexes (checking every held key was an anti-join of both
    whole tables, 12 s a run at 10M transactions):
    - the keys of judged rows stamped after the target's write before its newest one. A
      run writes its dbt_loaded_at on every row it inserts, the judged model runs first
      in the same invocation with the same stamp, and each run's hook has checked what
      was stamped up to its own run, so every judged row stamped before that write has
      been checked (when this run wrote nothing, it reaches one run further back);
    - the held rows of withdrawn loads (withdrawn_loads(), below): the judged model
      deletes their rows, which leaves no stamp.
    An accepted key is its natural key, so the base is probed through its natural_key
    index. After a full refresh every row has the same stamp: all judged rows are checked.
#}
{% macro delete_unbacked_rows(target_relation, base_relation, key_column) -%}
    {#- the scope is read first and written in as literals, so the planner sees how few
        keys it holds and probes the indexes (with subqueries it estimated millions and
        chose the anti-join of both tables) -#}
    {%- set scope_query -%}
        with recent_writes as (

            select max(newest.dbt_loaded_at) as newest_written_at
            from {{ target_relation }} as newest

        )

        select
            cast(coalesce(max(held.dbt_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
                as {{ dbt.type_string() }}) as checked_at,
            (
                select string_agg(cast(withdrawn.loaded_at as {{ dbt.type_string() }}), '|')
                from ({{ withdrawn_loads(target_relation) | indent(16) }}) as withdrawn
            ) as withdrawn_loads
        from {{ target_relation }} as held
        where held.dbt_loaded_at < (select recent_writes.newest_written_at from recent_writes)
    {%- endset -%}
    {%- set scope = {'checked_at': '1900-01-01', 'withdrawn_loads': []} -%}
    {%- if execute -%}
        {%- set row = run_query(scope_query).rows[0] -%}
        {%- do scope.update({'checked_at': row['checked_at']}) -%}
        {%- if row['withdrawn_loads'] -%}
            {%- do scope.update({'withdrawn_loads': row['withdrawn_loads'].split('|')}) -%}
        {%- endif -%}
    {%- endif %}
    delete from {{ target_relation }} as kept
    -- = any(array): one lookup of the key index per unbacked key
    where kept.{{ key_column }} = any(array(
        select candidates.checked_key
        from (
            select judged.natural_key as checked_key
            from {{ base_relation }} as judged
            where judged.dbt_loaded_at > cast('{{ scope.checked_at }}' as {{ dbt.type_timestamp() }})
            {%- for loaded_at in scope.withdrawn_loads %}
            {%- if loop.first %}
            union
            select held.{{ key_column }} as checked_key
            from {{ target_relation }} as held
            where held.loaded_at in (
            {%- endif %}
                cast('{{ loaded_at }}' as {{ dbt.type_timestamp() }} with time zone){{ ',' if not loop.last else ')' }}
            {%- endfor %}
        ) as candidates
        -- lateral with a limit: one probe of the natural_key index per key checked, not a
        -- join with every judged row
        left join lateral (
            select true as is_backed
            from {{ base_relation }} as backing
            where
                backing.natural_key = candidates.checked_key
                and backing.rejection_reason is null
            limit 1
        ) as backing on true
        where backing.is_backed is null
    ))
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
