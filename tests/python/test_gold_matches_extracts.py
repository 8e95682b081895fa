"""Gold against what the source extracts say, not only against itself.

Every row gold holds can be internally consistent and still wrong: an account whose first
extract named an orphan owner, corrected by the next extract without a new updated_at,
sat under the unknown customer for its whole life. Each check reads the latest extracts
(silver staging: typed, cleaned, one row per key) or bronze's batches beside gold's facts
and dimensions, and returns the rows where they disagree: who owns each account, from
which day it exists, what each current customer looks like, each customer's month-end
balance, and where the data's months begin. test_source_faults.py runs the same checks on
a warehouse whose sources misbehave.
"""

from __future__ import annotations

import psycopg2.extensions
import pytest

pytestmark = pytest.mark.integration

EXTRACT_CHECKS: dict[str, str] = {
    "every account day belongs to the owner the extract names": """
        select days.account_id, days.snapshot_date, accounts.customer_id, customers.customer_id
        from gold.fact_account_daily_snapshot as days
        inner join silver.stg_accounts as accounts on accounts.account_id = days.account_id
        left join gold.dim_customer as customers on customers.customer_key = days.customer_key
        where accounts.is_customer_known
          and customers.customer_id is distinct from accounts.customer_id
    """,
    "every account has its days from the opening date the extract gives": """
        with data_window as (
            select min(window_start)::date as first_day, max(as_of)::date as last_day
            from bronze.batches
        ),
        days as (
            select account_id, min(snapshot_date) as first_day
            from gold.fact_account_daily_snapshot
            group by account_id
        )
        select accounts.account_id, accounts.opened_date, days.first_day
        from silver.stg_accounts as accounts
        cross join data_window
        left join days on days.account_id = accounts.account_id
        where accounts.opened_date is not null
          and coalesce(accounts.closed_date, data_window.last_day) >= data_window.first_day
          and days.first_day is distinct from greatest(accounts.opened_date, data_window.first_day)
    """,
    "current customers look as the latest extract says": """
        select extract.customer_id
        from silver.stg_customers as extract
        left join gold.dim_customer as current_version
            on current_version.customer_id = extract.customer_id and current_version.is_current
        where (extract.customer_segment is not null
               and current_version.customer_segment is distinct from extract.customer_segment)
           or (extract.customer_status is not null
               and current_version.customer_status is distinct from extract.customer_status)
           or (extract.risk_rating is not null
               and current_version.risk_rating is distinct from extract.risk_rating)
           or (extract.annual_income is not null
               and current_version.annual_income is distinct from extract.annual_income)
    """,
    # customers all of whose accounts in gold the latest extract names them the owner of:
    # their month-end balance is the sum of those accounts' last closing balance per month
    "month-end balances add up the accounts the extract gives each customer": """
        with extract_owner as (
            select account_id, customer_id from silver.stg_accounts where is_customer_known
        ),
        gold_owner as (
            select distinct days.account_id, customers.customer_id
            from gold.fact_account_daily_snapshot as days
            inner join gold.dim_customer as customers on customers.customer_key = days.customer_key
        ),
        clear_customers as (
            select gold_owner.customer_id
            from gold_owner
            left join extract_owner
                on extract_owner.account_id = gold_owner.account_id
                and extract_owner.customer_id = gold_owner.customer_id
            group by gold_owner.customer_id
            having bool_and(extract_owner.account_id is not null)
        ),
        month_ends as (
            select distinct on (days.account_id, date_trunc('month', days.snapshot_date))
                owner.customer_id,
                date_trunc('month', days.snapshot_date)::date as month_start_date,
                days.closing_balance_amount
            from gold.fact_account_daily_snapshot as days
            inner join extract_owner as owner on owner.account_id = days.account_id
            order by days.account_id, date_trunc('month', days.snapshot_date), days.snapshot_date desc
        ),
        expected as (
            select customer_id, month_start_date, sum(closing_balance_amount) as balance
            from month_ends
            where customer_id in (select customer_id from clear_customers)
            group by customer_id, month_start_date
        )
        select expected.customer_id, expected.month_start_date, expected.balance,
               monthly.end_of_month_balance_amount
        from expected
        left join gold.fact_customer_monthly as monthly using (customer_id, month_start_date)
        where monthly.end_of_month_balance_amount is distinct from expected.balance
    """,
    "no customer month and no account day before the data starts": """
        with data_start as (select min(window_start)::date as first_day from bronze.batches)
        select 'fact_customer_monthly', count(*) from gold.fact_customer_monthly
        where month_start_date < (select date_trunc('month', first_day)::date from data_start)
        having count(*) > 0
        union all
        select 'fact_account_daily_snapshot', count(*) from gold.fact_account_daily_snapshot
        where snapshot_date < (select first_day from data_start)
        having count(*) > 0
    """,
}


def disagreements(conn: psycopg2.extensions.connection, check: str) -> list[tuple]:
    """The first rows where gold and the extracts disagree for one check (none: agreed)."""
    with conn.cursor() as cur:
        cur.execute(f"select * from ({EXTRACT_CHECKS[check]}) as disagreeing limit 5")
        return cur.fetchall()


@pytest.mark.parametrize("check", sorted(EXTRACT_CHECKS))
def test_gold_agrees_with_the_extracts(conn, check):
    wrong = disagreements(conn, check)
    assert not wrong, f"{check}: {wrong}"
