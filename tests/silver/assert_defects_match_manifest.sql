{{ config(severity='warn', store_failures=true, tags=['source_finding', 'demo_data']) }}
{#
    Silver finds exactly the defects the generator injected (generator_truth._manifest),
    per bronze table and kind. Append tables hold every loaded batch, so their counts
    add up over the loaded batches; replace tables hold the latest batch only. Where a
    defect kind goes in silver (see reconciliation):
        duplicate                       -> duplicate_rows_sent
        null_required + blank_required  -> rejected_missing_required_field (event tables)
                                           + incomplete_rows (master tables keep the row)
        code_format                     -> codes_repaired + codes_repaired_on_rejected_rows
        invalid_amount                  -> rejected_invalid_amount
        future_timestamp                -> rejected_future_timestamp
        orphan_account / orphan_customer / orphan_transaction
                                        -> rejected_orphan_* (event tables)
                                           + unknown_references_kept (accounts keep the row)
        orphan_merchant                 -> unknown_references_kept (transactions keep the row)
        malformed_email / malformed_phone -> invalid_emails_nulled / invalid_phones_nulled
        resent                          -> resends_superseded
    Returns one row per (table, check) whose counts differ. Skipped (no rows) when no
    manifest was loaded, e.g. on hand-made bronze data. A test of the demo data, not a
    guard of production: it warns (and keeps its rows in quality.), so a defect the
    generator did not plant never stops a build; pytest runs it with --warn-error on the
    generated data (tests/python/test_warehouse.py).
#}
{%- set replace_tables = ['products', 'merchants', 'customers', 'accounts', 'economic_indicators'] %}
{%- set replace_list = "'" ~ replace_tables | join("', '") ~ "'" %}

with

manifests as (

    select * from {{ source('generator_truth', '_manifest') }}

),

loaded_batches as (

    select * from {{ source('bronze', 'batches') }}

),

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

-- the newest manifest lists the defects of every batch generated so far
latest_manifest as (

    select manifests.manifest
    from manifests
    order by manifests.batch_id desc
    limit 1

),

injected_per_batch as (

    select
        batch_defects.key as batch_id,
        table_defects.key as source_table,
        kind_counts.key as defect_kind,
        cast(kind_counts.value as integer) as injected
    from latest_manifest
    cross join lateral jsonb_each(latest_manifest.manifest -> 'defects') as batch_defects
    cross join lateral jsonb_each(batch_defects.value) as table_defects
    cross join lateral jsonb_each(table_defects.value) as kind_counts

),

-- defects of the batches bronze holds, named after the silver check that finds them
classified as (

    select
        injected_per_batch.source_table,
        injected_per_batch.injected,
        case
            when injected_per_batch.defect_kind in ('null_required', 'blank_required')
                then 'missing_required'
            when injected_per_batch.defect_kind like 'orphan_%'
                then 'orphan_reference'
            else injected_per_batch.defect_kind
        end as check_name
    from injected_per_batch
    inner join loaded_batches
        on injected_per_batch.batch_id = loaded_batches.batch_id
    where
        injected_per_batch.source_table not in ({{ replace_list }})
        or injected_per_batch.batch_id = (select max(newest.batch_id) from loaded_batches as newest)

),

injected as (

    select
        source_table,
        check_name,
        sum(injected) as injected
    from classified
    group by source_table, check_name

),

found as (

    select
        reconciliation.source_table,
        checks.check_name,
        checks.found
    from reconciliation
    cross join lateral (
        values
        ('duplicate', reconciliation.duplicate_rows_sent),
        (
            'missing_required',
            reconciliation.rejected_missing_required_field + reconciliation.incomplete_rows
        ),
        ('code_format', reconciliation.codes_repaired + reconciliation.codes_repaired_on_rejected_rows),
        ('invalid_amount', reconciliation.rejected_invalid_amount),
        ('future_timestamp', reconciliation.rejected_future_timestamp),
        (
            'orphan_reference',
            reconciliation.rejected_orphan_account
            + reconciliation.rejected_orphan_customer
            + reconciliation.rejected_orphan_transaction
            + reconciliation.unknown_references_kept
        ),
        ('malformed_email', reconciliation.invalid_emails_nulled),
        ('malformed_phone', reconciliation.invalid_phones_nulled),
        ('resent', reconciliation.resends_superseded)
    ) as checks (check_name, found)

),

compared as (

    select
        coalesce(found.source_table, injected.source_table) as source_table,
        coalesce(found.check_name, injected.check_name) as check_name,
        coalesce(injected.injected, 0) as injected,
        coalesce(found.found, 0) as found
    from found
    full outer join injected
        on
            found.source_table = injected.source_table
            and found.check_name = injected.check_name

),

final as (

    select
        compared.source_table,
        compared.check_name,
        compared.injected,
        compared.found
    from compared
    where
        compared.injected != compared.found
        and exists (select 1 from latest_manifest)

)

select * from final
