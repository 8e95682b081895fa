{{
    config(
        materialized='view',
        grants={'select': ['analyst']},
    )
}}

{#
    MetricFlow's daily time spine: the calendar days of dim_date, without its unknown
    member (a NULL day would be a period of its own in every query joined to the spine).
#}

with calendar as (

    select * from {{ ref('dim_date') }}

),

final as (

    select calendar_date as date_day
    from calendar
    where date_key <> -1

)

select * from final
