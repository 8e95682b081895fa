-- Each day opens with the previous day's closing balance, and closes with its opening
-- balance plus the day's net change.
with snapshots as (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

sequenced as (

    select
        account_id,
        snapshot_date,
        opening_balance_amount,
        closing_balance_amount,
        net_change_amount,
        lag(closing_balance_amount) over (
            partition by account_id order by snapshot_date
        ) as previous_closing_balance_amount
    from snapshots

)

select *
from sequenced
where
    opening_balance_amount + net_change_amount <> closing_balance_amount
    or opening_balance_amount <> coalesce(previous_closing_balance_amount, opening_balance_amount)
