"""Postings the bank makes itself in a period (a month or the part of it in the window).

- income on the 25th: salary (employed, self-employed: income/12 x 0.72 net), pension
  (retired: x 0.8), benefit (unemployed: 1,200) or allowance (students: 600);
  churners move income and standing orders to their new bank for the last half of the
  60-90 day run-up to churn (what a bank sees as "salary stopped");
- a standing order on the 2nd: net income x clip(0.82 + 0.07 fee_z, 0.5, 1.1), which is
  what makes fee-prone customers drift into low balances;
- card repayment on the 27th: full (75% - 10% x fee_z), 5% minimum, or nothing;
- loan instalments on their due day (loans.py), posted as the principal part;
- on the last day of the month: maintenance fee when a checking/savings balance is below the
  product's min_balance, then a 35.00 overdraft fee when a checking balance is negative;
- closures: when an account reaches its planned close time or its owner churns, a closing
  posting brings the balance to zero and the account is closed.
Balances are updated in that order, so each step sees the previous ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.generator import calendar
from scripts.generator.calendar import DAY
from scripts.generator.context import Context
from scripts.generator.reference import PRODUCTS
from scripts.generator.rows import DESC, TxnRows, postings
from scripts.generator.transactions import C, T

OVERDRAFT_FEE_CENTS = 3_500
MONTHLY_FEE = np.array([round(p.monthly_fee * 100) for p in PRODUCTS], dtype=np.int64)
MIN_BALANCE = np.array([round(p.min_balance * 100) for p in PRODUCTS], dtype=np.int64)


@dataclass
class PeriodPostings:
    rows: TxnRows
    fees_by_customer: np.ndarray  # customer_no of every fee posting
    closed_accounts: np.ndarray  # account rows closed in the period
    closed_at: np.ndarray


def _day_in(first_day: int, last_day: int, dom: int) -> int | None:
    """Epoch day of day-of-month ``dom`` if it falls inside [first_day, last_day]."""
    year, month, _ = calendar.fmt.civil_from_days(np.array([first_day]))
    day = int(calendar.fmt.days_from_civil(year, month, np.array([dom]))[0])
    return day if first_day <= day <= last_day else None


def _apply(ctx: Context, rows: TxnRows) -> None:
    np.add.at(ctx.balance, rows.acc, rows.amount - rows.fee)
    np.maximum.at(ctx.last_txn_s, rows.acc, rows.time_s)


def income_and_bills(
    ctx: Context,
    g: np.random.Generator,
    customers: pd.DataFrame,
    first_day: int,
    last_day: int,
    income_moves: float,
) -> list[TxnRows]:
    out = []
    no = customers["customer_no"].to_numpy()
    emp = customers["employment_status"].to_numpy()
    income = customers["income_cents"].to_numpy()
    net = np.select(
        [np.isin(emp, ["employed", "self_employed"]), emp == "retired", emp == "unemployed"],
        [income / 12 * 0.72, income / 12 * 0.8, np.full(len(no), 120_000.0)],
        60_000.0,
    )
    desc = np.select(
        [np.isin(emp, ["employed", "self_employed"]), emp == "retired", emp == "unemployed"],
        [DESC["SALARY"], DESC["PENSION"], DESC["BENEFIT"]],
        DESC["ALLOWANCE"],
    )
    ratio = np.clip(0.82 + 0.07 * customers["fee_z"].to_numpy(), 0.5, 1.1)
    for dom, is_income in ((2, False), (25, True)):
        day = _day_in(first_day, last_day, dom)
        if day is None:
            continue
        t = day * DAY + (6 if is_income else 7) * 3600 + g.integers(0, 3600, len(no))
        moved = ctx.churn_s[no] - (ctx.ramp_s[no] * income_moves).astype(np.int64)
        alive = (t >= ctx.created_s[no]) & (t < moved)
        acc = np.where(ctx.account_valid(ctx.checking[no], t), ctx.checking[no], ctx.savings[no])
        ok = alive & ctx.account_valid(acc, t)
        cents = np.round(net * np.where(is_income, 1.0, ratio) * np.exp(g.normal(0, 0.03, len(no))))
        cents = cents.astype(np.int64)
        if is_income:
            rows = postings(t[ok], no[ok], acc[ok], cents[ok], T["deposit"], C["online"], desc[ok])
        else:
            rows = postings(
                t[ok],
                no[ok],
                acc[ok],
                -cents[ok],
                T["transfer_out"],
                C["online"],
                DESC["STANDING ORDER"],
            )
        _apply(ctx, rows)
        out.append(rows)
    return out


def card_repayments(
    ctx: Context,
    g: np.random.Generator,
    fee_z: np.ndarray,
    accounts: pd.DataFrame,
    first_day: int,
    last_day: int,
) -> list[TxnRows]:
    day = _day_in(first_day, last_day, 27)
    if day is None:
        return []
    rows_idx = np.flatnonzero(accounts["account_type"].to_numpy() == "credit_card")
    t = day * DAY + 10 * 3600 + g.integers(0, 3600, len(rows_idx))
    owed = -ctx.balance[rows_idx]
    ok = ctx.account_valid(rows_idx, t) & (owed > 0)
    cust = ctx.acc_customer[rows_idx]
    u = g.random(len(rows_idx))
    p_full = np.clip(0.75 - 0.1 * fee_z[cust], 0.3, 0.95)
    pay = np.where(
        u < p_full,
        owed,
        np.where(u < 0.95, np.maximum(np.round(owed * 0.05), np.minimum(owed, 2_500)), 0),
    )
    ok &= pay > 0
    rows = postings(
        t[ok], cust[ok], rows_idx[ok], pay[ok], T["payment"], C["online"], DESC["CARD PAYMENT"]
    )
    _apply(ctx, rows)
    return [rows]


def month_end_fees(
    ctx: Context, accounts: pd.DataFrame, first_day: int, last_day: int
) -> list[TxnRows]:
    nxt = last_day + 1
    if calendar.fmt.civil_from_days(np.array([nxt]))[2][0] != 1:
        return []  # the month does not end inside this window
    t_fee = last_day * DAY + 23 * 3600
    kind = accounts["account_type"].to_numpy()
    product = accounts["product_idx"].to_numpy()
    rows_idx = np.flatnonzero(np.isin(kind, ["checking", "savings"]))
    valid = ctx.account_valid(rows_idx, np.full(len(rows_idx), t_fee))
    fee = MONTHLY_FEE[product[rows_idx]]
    due = valid & (fee > 0) & (ctx.balance[rows_idx] < MIN_BALANCE[product[rows_idx]])
    maint = postings(
        np.full(due.sum(), t_fee),
        ctx.acc_customer[rows_idx[due]],
        rows_idx[due],
        -fee[due],
        T["fee"],
        C["online"],
        DESC["MONTHLY MAINTENANCE FEE"],
    )
    _apply(ctx, maint)
    chk = rows_idx[valid & (kind[rows_idx] == "checking")]
    over = chk[ctx.balance[chk] < 0]
    od = postings(
        np.full(len(over), t_fee + 1800),
        ctx.acc_customer[over],
        over,
        np.full(len(over), -OVERDRAFT_FEE_CENTS),
        T["fee"],
        C["online"],
        DESC["OVERDRAFT FEE"],
    )
    _apply(ctx, od)
    return [maint, od]


def closures(ctx: Context, first_day: int, last_day: int) -> tuple[TxnRows, np.ndarray, np.ndarray]:
    """Close every account whose end falls in the period; a closing posting zeroes it."""
    lo, hi = first_day * DAY, (last_day + 1) * DAY
    rows_idx = np.flatnonzero(
        (ctx.acc_end_s >= lo) & (ctx.acc_end_s < hi) & (ctx.acc_open_s < ctx.acc_end_s)
    )
    t = ctx.acc_end_s[rows_idx]
    bal = ctx.balance[rows_idx]
    has = bal != 0
    amount = -bal[has]
    ttype = np.where(amount < 0, T["transfer_out"], T["payment"])
    rows = postings(
        t[has],
        ctx.acc_customer[rows_idx[has]],
        rows_idx[has],
        amount,
        0,
        C["branch"],
        DESC["ACCOUNT CLOSURE"],
        closing=True,
    )
    rows.ttype = ttype.astype(np.int8)
    rows.time_s = np.maximum(rows.time_s - 1, lo)
    rows.created_s = rows.time_s
    _apply(ctx, rows)
    return rows, rows_idx, t
