"""Loan instalments: one loan_payments row per instalment once it falls due.

Each loan amortises monthly (annuity payment from principal, rate and term, interest on the
outstanding principal). Repayment behaviour: p_bad = sigmoid(-3.4 + 0.012 (650 - score) +
0.9 (unemployment - unemployment at start) + 0.3 fee_z); of the bad outcomes 40% are missed,
20% partial (30-70% paid) and 40% late (1-30 days). The principal part of what is paid is
posted to the loan account (balance = -outstanding principal); a paid-off loan closes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.generator import calendar
from scripts.generator.calendar import DAY
from scripts.generator.context import Context
from scripts.generator.rows import DESC, TxnRows, postings
from scripts.generator.transactions import C, T

STATUSES = ("on_time", "late", "partial", "missed")
LATE_FEE = np.array([0, 2_500, 1_500, 3_500], dtype=np.int64)


@dataclass
class LoanBook:
    rows: np.ndarray  # account rows of loans
    payment: np.ndarray
    rem: np.ndarray
    rate: np.ndarray
    next_no: np.ndarray
    dom: np.ndarray
    first_month: np.ndarray

    @classmethod
    def from_accounts(cls, accounts: pd.DataFrame) -> LoanBook:
        rows = np.flatnonzero(accounts["account_type"].to_numpy() == "loan")
        sub = accounts.iloc[rows]
        return cls(
            rows=rows,
            payment=sub["loan_payment_cents"].to_numpy(dtype=np.int64).copy(),
            rem=sub["loan_rem_cents"].to_numpy(dtype=np.int64).copy(),
            rate=sub["loan_monthly_rate"].to_numpy(dtype=float),
            next_no=sub["loan_next_no"].to_numpy(dtype=np.int64).copy(),
            dom=sub["loan_due_dom"].to_numpy(dtype=np.int64),
            first_month=sub["loan_first_month"].to_numpy(dtype=np.int64),
        )

    def store(self, accounts: pd.DataFrame) -> None:
        accounts.loc[accounts.index[self.rows], "loan_rem_cents"] = self.rem
        accounts.loc[accounts.index[self.rows], "loan_next_no"] = self.next_no


@dataclass
class Instalments:
    acc: np.ndarray
    cust: np.ndarray
    number: np.ndarray
    due_day: np.ndarray
    pay_day: np.ndarray  # -1 when missed
    scheduled: np.ndarray
    paid: np.ndarray
    principal: np.ndarray
    interest: np.ndarray
    late_fee: np.ndarray
    dpd: np.ndarray
    status: np.ndarray


def due_in_period(
    book: LoanBook,
    ctx: Context,
    g: np.random.Generator,
    fee_z: np.ndarray,
    unemployment_delta: float,
    first_day: int,
    last_day: int,
    as_of_day: int,
    window_first_day: int,
) -> tuple[Instalments, TxnRows]:
    due = calendar.month_start_day(book.first_month + book.next_no) + book.dom - 1
    acc = book.rows
    due_t = due * DAY + 12 * 3600
    sel = np.flatnonzero(
        (due >= first_day) & (due <= last_day) & (book.rem > 0) & ctx.account_valid(acc, due_t)
    )
    n = len(sel)
    cust = ctx.acc_customer[acc[sel]]
    interest = np.round(book.rem[sel] * book.rate[sel]).astype(np.int64)
    scheduled = np.minimum(book.payment[sel], book.rem[sel] + interest)
    logit = (
        -3.4 + 0.012 * (650 - ctx.credit_score[cust]) + 0.9 * unemployment_delta + 0.3 * fee_z[cust]
    )
    p_bad = 1 / (1 + np.exp(-logit))
    u = g.random(n)
    status = np.where(u < 0.4 * p_bad, 3, np.where(u < 0.6 * p_bad, 2, np.where(u < p_bad, 1, 0)))
    d = due[sel]
    dpd = np.select([status == 1, status == 2], [g.integers(1, 31, n), g.integers(0, 11, n)], 0)
    pay_day = np.maximum(np.where(status == 0, d - g.integers(0, 4, n), d + dpd), window_first_day)
    paid = np.select(
        [status == 0, status == 1, status == 2],
        [scheduled, scheduled, np.round(scheduled * g.uniform(0.3, 0.7, n)).astype(np.int64)],
        0,
    )
    pay_t = pay_day * DAY + 9 * 3600 + g.integers(0, 3600, n)
    too_late = (pay_day > as_of_day) | (pay_t >= ctx.acc_end_s[acc[sel]])
    status = np.where(too_late & (status != 3), 3, status)
    missed = status == 3
    paid = np.where(missed, 0, paid)
    pay_day = np.where(missed, -1, pay_day)
    dpd = np.where(missed, np.clip(np.minimum(as_of_day - d, 30), 0, None), dpd)
    interest_part = np.minimum(interest, paid)
    principal = paid - interest_part
    book.rem[sel] -= principal
    book.next_no[sel] += 1
    post = principal > 0
    rows = postings(
        pay_t[post],
        cust[post],
        acc[sel][post],
        principal[post],
        T["payment"],
        C["online"],
        DESC["LOAN REPAYMENT"],
    )
    paid_off = sel[book.rem[sel] == 0]
    ctx.acc_end_s[acc[paid_off]] = np.minimum(
        ctx.acc_end_s[acc[paid_off]], pay_t[np.isin(sel, paid_off)] + 1
    )
    np.add.at(ctx.balance, rows.acc, rows.amount)
    np.maximum.at(ctx.last_txn_s, rows.acc, rows.time_s)
    inst = Instalments(
        acc=acc[sel],
        cust=cust,
        number=book.next_no[sel] - 1,
        due_day=d,
        pay_day=pay_day,
        scheduled=scheduled,
        paid=paid,
        principal=principal,
        interest=interest_part,
        late_fee=LATE_FEE[status],
        dpd=dpd,
        status=status,
    )
    return inst, rows
