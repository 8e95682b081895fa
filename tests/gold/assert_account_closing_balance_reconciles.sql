{{ config(severity='warn', store_failures=true, tags=['source_finding']) }}
-- A finding about the sources, not our logic: warns, keeps the failing rows in
-- quality.<test name>, and never blocks the build (README: 'Which tests block a build').
-- The closing balance of an account's last snapshot day equals the account's
-- current_balance in the extract (opening_balance plus every approved amount net of its
-- fee). Open accounts end on the data's as-of date, closed ones on their closed_date.
-- Scoped to the latest write, an incremental run checks the last days it wrote.
with snapshots as (

    select * from {{ latest_write(ref('fact_account_daily_snapshot')) }}

),

accounts as (

    select * from {{ ref('stg_accounts') }}

)

select
    snapshots.account_id,
    snapshots.snapshot_date,
    snapshots.closing_balance_amount,
    accounts.current_balance
from snapshots
inner join accounts
    on snapshots.account_id = accounts.account_id
where
    snapshots.is_last_day
    and abs(snapshots.closing_balance_amount - accounts.current_balance) > 0.005
