{#
    The data-quality report's counts are silver's: per bronze table, the rejected rows
    summed over batches and reasons in dq_rejections_by_batch equal the rows in
    silver.rejected_rows (counted from a different relation, so a join that drops or
    repeats rows shows). Returns the tables that differ.
#}
with

by_batch as (

    select
        source_table,
        sum(rejected_row_count) as rejected_row_count
    from {{ ref('dq_rejections_by_batch') }}
    group by source_table

),

rejected_rows as (

    select
        source_table,
        count(*) as rejected_row_count
    from {{ ref('rejected_rows') }}
    group by source_table

)

select
    coalesce(by_batch.source_table, rejected_rows.source_table) as source_table,
    by_batch.rejected_row_count as report_rejected_rows,
    rejected_rows.rejected_row_count as silver_rejected_rows
from by_batch
full outer join rejected_rows
    on by_batch.source_table = rejected_rows.source_table
where coalesce(by_batch.rejected_row_count, 0) <> coalesce(rejected_rows.rejected_row_count, 0)
