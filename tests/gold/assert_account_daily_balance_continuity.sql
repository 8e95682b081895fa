-- Each day opens with the previous day's closing balance, and closes with its opening
-- balance plus the day's net change. With tests scoped to the latest write
-- (macros/latest_write.sql), only the days an incremental run wrote are checked, each
-- against the day before it, held or written.
with snapshots as (

    select * from {{ ref('fact_account_daily_snapshot') }}

),

checked as (

    select * from {{ latest_write(ref('fact_account_daily_snapshot')) }}

),

first_checked_days as (

    select
        account_id,
        min(snapshot_date) as first_checked_date
    from checked
    group by account_id

),

sequenced as (

    -- every checked account from the day before its first checked day (that day only
    -- supplies the previous closing balance), read as a range of the (account_id,
    -- snapshot_date) index: a hash join would scan every day held
    select
        held_days.account_id,
        held_days.snapshot_date,
        held_days.opening_balance_amount,
        held_days.closing_balance_amount,
        held_days.net_change_amount,
        first_checked_days.first_checked_date,
        held_days.previous_closing_balance_amount
    from first_checked_days
    cross join
        lateral (
            select
                snapshots.account_id,
                snapshots.snapshot_date,
                snapshots.opening_balance_amount,
                snapshots.closing_balance_amount,
                snapshots.net_change_amount,
                lag(snapshots.closing_balance_amount) over (
                    order by snapshots.snapshot_date
                ) as previous_closing_balance_amount
            from snapshots
            where
                snapshots.account_id = first_checked_days.account_id
                and snapshots.snapshot_date
                >= {{ dbt.dateadd('day', -1, 'first_checked_days.first_checked_date') }}
        ) as held_days

)

select *
from sequenced
where
    snapshot_date >= first_checked_date
    and (
        opening_balance_amount + net_change_amount <> closing_balance_amount
        or opening_balance_amount <> coalesce(previous_closing_balance_amount, opening_balance_amount)
    )
