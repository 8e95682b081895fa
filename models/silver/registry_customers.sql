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

{{ key_registry(ref('clean_customers'), 'customer_id') }}
