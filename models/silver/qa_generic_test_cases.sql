{#
    Known-bad rows for the project's own generic tests: each test in tests/generic/ runs
    once on this fixture with an inverted fail_calc and must find failures, which
    proves it can fail. Ephemeral: never built in the warehouse.
#}
{{ config(materialized='ephemeral') }}

with

cases as (

    select
        'A' as case_id,
        1 as case_part,
        -5 as score,
        '   ' as case_text
    union all
    select
        'A' as case_id,
        1 as case_part,
        150 as score,
        '' as case_text
    union all
    select
        'B' as case_id,
        2 as case_part,
        50 as score,
        'ok' as case_text

),

final as (

    select
        case_id,
        case_part,
        score,
        case_text
    from cases

)

select * from final
