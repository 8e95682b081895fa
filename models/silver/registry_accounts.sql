{#
    Every account_id silver has ever staged, kept when the row later disappears from the
    current-state extract (a deleted account). The orphan rules of the event tables test
    against this registry, so the history of a deleted account stays in silver. It holds
    history a rebuild cannot recover from bronze (a replace table keeps only its latest
    batch), hence full_refresh=false, as for snapshots. Each run rewrites every key. It
    keeps each account's earliest opening date, which judged_transactions' before_account_opened
    rule reads (a registry built before opened_date existed gains the column on its next
    run: on_schema_change append_new_columns).
#}
{{
    config(
        materialized='incremental',
        unique_key='account_id',
        incremental_strategy='delete+insert',
        full_refresh=false,
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['account_id'], 'unique': true}],
    )
}}

{{ key_registry(ref('clean_accounts'), 'account_id', earliest=['opened_date']) }}
