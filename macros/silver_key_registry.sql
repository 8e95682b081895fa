{#
    key_registry: the body of silver's registry_* models. Every key of `cleaned` (a
    clean_* relation of a master table, passed in by the model with ref) that silver has
    ever staged, with the first and last batch that carried it and whether the current
    extract still has it. The registry is incremental and merges the current extract into
    what it already holds, so a key deleted from a current-state extract stays known.

    It reads the cleaned rows, not the staging model: a master row is accepted or
    rejected by its own values alone, so the registry can be built as soon as its table
    is cleaned, beside the other tables, and every reference to it judged in one step
    after. Of the accepted rows of each key it takes the one its stg_* model keeps (latest
    load, then batch, then content hash), so it registers exactly the keys staging holds.

    `earliest`: columns of which the registry keeps the earliest value any extract gave
    (NULLs ignored), e.g. an account's opening date, which a later extract can fill in or
    correct to an earlier day but never move later: a rule judged against it once stays
    right.
#}
{% macro key_registry(cleaned, key, earliest=[]) -%}
with

cleaned as (

    select * from {{ cleaned }}

),

-- the accepted row of each key that staging keeps
ranked as (

    select
        {{ key }},
        batch_id,
        loaded_at,
        {%- for column in earliest %}
        {{ column }},
        {%- endfor %}
        row_number() over (
            partition by {{ key }}
            order by loaded_at desc, batch_id desc, row_hash desc
        ) as load_rank
    from cleaned
    where rejection_reason is null

),

staged as (

    select * from ranked
    where load_rank = 1

),

registered as (

    {% if is_incremental() %}
    {#- a registry built before an `earliest` column existed reads it as NULL once -#}
    {%- set held = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
    select
        *
        {%- for column in earliest if column not in held %},
        cast(null as {{ 'date' if column.endswith('_date') else dbt.type_string() }}) as {{ column }}
        {%- endfor %}
    from {{ this }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as {{ key }},
        cast(null as {{ dbt.type_string() }}) as first_seen_batch_id,
        cast(null as {{ dbt.type_timestamp() }}) as first_loaded_at,
        cast(null as {{ dbt.type_string() }}) as last_seen_batch_id,
        cast(null as {{ dbt.type_timestamp() }}) as last_loaded_at,
        cast(null as {{ dbt.type_boolean() }}) as is_current
        {%- for column in earliest %},
        cast(null as {{ 'date' if column.endswith('_date') else dbt.type_string() }}) as {{ column }}
        {%- endfor %}
    where 1 = 0
    {% endif %}

),

final as (

    select
        -- keys
        coalesce(staged.{{ key }}, registered.{{ key }}) as {{ key }},
        -- lineage
        coalesce(registered.first_seen_batch_id, staged.batch_id) as first_seen_batch_id,
        coalesce(registered.first_loaded_at, staged.loaded_at) as first_loaded_at,
        coalesce(staged.batch_id, registered.last_seen_batch_id) as last_seen_batch_id,
        coalesce(staged.loaded_at, registered.last_loaded_at) as last_loaded_at,
        -- flags
        staged.{{ key }} is not null as is_current
        {%- for column in earliest %},
        -- least() skips NULLs (postgres, spark): a blank in one extract loses nothing
        least(staged.{{ column }}, registered.{{ column }}) as {{ column }}
        {%- endfor %}
    from staged
    full outer join registered
        on staged.{{ key }} = registered.{{ key }}

)

select * from final
{%- endmacro %}
