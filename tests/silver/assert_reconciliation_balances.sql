{#
    Every bronze row is accounted for, per table: bronze rows = silver rows + rejected
    rows + removed duplicates + superseded re-sends. Returns the tables that do not
    balance; also fails when a bronze table is missing from the reconciliation.
#}
with

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

unbalanced as (

    select
        source_table,
        bronze_rows,
        silver_rows,
        rejected_rows,
        duplicates_removed,
        resends_superseded,
        bronze_rows
        - silver_rows
        - rejected_rows
        - duplicates_removed
        - resends_superseded as unaccounted_rows
    from reconciliation
    where
        bronze_rows
        != silver_rows + rejected_rows + duplicates_removed + resends_superseded

),

missing_tables as (

    select
        cast(null as {{ dbt.type_string() }}) as source_table,
        cast(null as {{ dbt.type_bigint() }}) as bronze_rows,
        cast(null as {{ dbt.type_bigint() }}) as silver_rows,
        cast(null as {{ dbt.type_bigint() }}) as rejected_rows,
        cast(null as {{ dbt.type_bigint() }}) as duplicates_removed,
        cast(null as {{ dbt.type_bigint() }}) as resends_superseded,
        cast(null as {{ dbt.type_bigint() }}) as unaccounted_rows
    from reconciliation
    having count(*) != 11

),

final as (

    select * from unbalanced
    union all
    select * from missing_tables

)

select * from final
