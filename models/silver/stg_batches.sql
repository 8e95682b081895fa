{#
    Every batch bronze holds, with its simulated extract time and the window it covers:
    the one place silver reads bronze.batches. The clean_* models judge an event after
    its batch's as_of a future_timestamp, and data_start_at() reads the first batch's
    window_start. A view: a handful of rows, read by a few models.
#}
{{ config(materialized='view') }}

with

source as (

    select * from {{ source('bronze', 'batches') }}

),

final as (

    select
        -- keys
        batch_id,
        -- attributes
        kind,
        as_of,
        window_start,
        -- lineage
        loaded_at
    from source

)

select * from final
