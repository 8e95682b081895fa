{#
    Every customer_id silver has ever staged, kept when the row later disappears from the
    current-state extract (a deleted customer). The orphan rules of the event tables test
    against this registry, so the history of a deleted customer stays in silver. It holds
    history a rebuild cannot recover from bronze (a replace table keeps only its latest
    batch), hence full_refresh=false, as for snapshots. Each run rewrites every key.
#}
{{
    config(
        materialized='incremental',
        unique_key='customer_id',
        incremental_strategy='delete+insert',
        full_refresh=false,
        on_schema_change='fail',
        indexes=[{'columns': ['customer_id'], 'unique': true}],
    )
}}

with

stg_customers as (

    select * from {{ ref('stg_customers') }}

),

registered as (

    {% if is_incremental() %}
    select * from {{ this }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as first_seen_batch_id,
        cast(null as {{ dbt.type_timestamp() }}) as first_loaded_at,
        cast(null as {{ dbt.type_string() }}) as last_seen_batch_id,
        cast(null as {{ dbt.type_timestamp() }}) as last_loaded_at,
        cast(null as {{ dbt.type_boolean() }}) as is_current
    where 1 = 0
    {% endif %}

),

final as (

    select
        -- keys
        coalesce(stg_customers.customer_id, registered.customer_id) as customer_id,
        -- lineage
        coalesce(registered.first_seen_batch_id, stg_customers.batch_id) as first_seen_batch_id,
        coalesce(registered.first_loaded_at, stg_customers.loaded_at) as first_loaded_at,
        coalesce(stg_customers.batch_id, registered.last_seen_batch_id) as last_seen_batch_id,
        coalesce(stg_customers.loaded_at, registered.last_loaded_at) as last_loaded_at,
        -- flags
        stg_customers.customer_id is not null as is_current
    from stg_customers
    full outer join registered
        on stg_customers.customer_id = registered.customer_id

)

select * from final
