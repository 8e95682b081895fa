"""Accounts: checking (97%), savings (~60%, always when no checking), credit card (~50%,
by segment), loans (~20%, amortising monthly schedules).

Balance convention, used by the reconciliation in the warehouse:
current_balance = opening_balance + sum over the account's transactions whose final status
is approved and that silver keeps of (amount - fee_amount). Fees charged on top of a
transaction (FX, ATM) are in fee_amount and reduce the balance; monthly maintenance and
overdraft fees are separate ``fee`` rows with a negative amount and fee_amount 0.
For accounts opened before the start date, opening_balance is the balance at the start
date (history before it is not generated); credit cards and loans carry negative balances
(amount owed). Closing an account posts a closing transaction that brings it to 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.generator import calendar
from scripts.generator.customers import NEVER
from scripts.generator.reference import PRODUCT_INDEX, PRODUCTS

YEAR_S = int(365.25 * 86_400)
CHECKING_BY_SEGMENT = {
    "mass": "PRD001",
    "affluent": "PRD001",
    "premier": "PRD002",
    "student": "PRD003",
    "small_business": "PRD004",
}
BALANCE_MEDIAN = {
    "mass": 2_500,
    "affluent": 12_000,
    "premier": 40_000,
    "student": 600,
    "small_business": 15_000,
}
CARD_SHARE = {
    "mass": 0.45,
    "affluent": 0.65,
    "premier": 0.85,
    "student": 0.30,
    "small_business": 0.55,
}
LOAN_SHARE = {
    "mass": 0.22,
    "affluent": 0.22,
    "premier": 0.15,
    "student": 0.03,
    "small_business": 0.30,
}
ACCOUNT_CLOSE_HAZARD_PER_YEAR = 0.05


def create(
    g: np.random.Generator,
    customers: pd.DataFrame,
    first_no: int,
    start_s: int,
    signup: bool,
) -> pd.DataFrame:
    """Accounts of ``customers``; pre-window customers get balances as of ``start_s``."""
    n = len(customers)
    seg = customers["segment"].to_numpy()
    created_s = customers["created_s"].to_numpy()
    fee_z = customers["fee_z"].to_numpy()
    income = customers["income_cents"].to_numpy() / 100
    score = customers["credit_score"].to_numpy()
    has_checking = g.random(n) < 0.97
    has_savings = (g.random(n) < 0.6) | ~has_checking
    has_card = g.random(n) < np.array([CARD_SHARE[s] for s in seg])
    has_loan = g.random(n) < np.array([LOAN_SHARE[s] for s in seg])
    median = np.array([BALANCE_MEDIAN[s] for s in seg], dtype=float)
    frames = []

    def opened_between(lo_s: np.ndarray, hi_s: int) -> np.ndarray:
        if signup:
            return lo_s
        return lo_s + (g.random(len(lo_s)) * np.clip(hi_s - lo_s, 0, None)).astype(np.int64)

    def frame(mask: np.ndarray, kind: str) -> pd.DataFrame:
        idx = np.flatnonzero(mask)
        return pd.DataFrame(
            {
                "customer_no": customers["customer_no"].to_numpy()[idx],
                "account_type": kind,
                "_row": idx,
            }
        )

    chk = frame(has_checking, "checking")
    chk["product_id"] = [CHECKING_BY_SEGMENT[s] for s in seg[chk["_row"]]]
    chk["opened_s"] = created_s[chk["_row"]]
    level = median[chk["_row"]] * np.exp(g.normal(0, 0.8, len(chk)) - 0.6 * fee_z[chk["_row"]])
    chk["opening_cents"] = np.round(
        np.where(signup, g.uniform(50, 1000, len(chk)), level) * 100
    ).astype(np.int64)
    chk["limit_cents"] = np.where(chk["product_id"] == "PRD003", 25_000, 100_000)
    frames.append(chk)

    sav = frame(has_savings, "savings")
    rich = np.isin(seg[sav["_row"]], ["affluent", "premier"])
    sav["product_id"] = np.where(rich, "PRD006", "PRD005")
    sav["opened_s"] = opened_between(created_s[sav["_row"]], start_s)
    level = 3 * median[sav["_row"]] * np.exp(g.normal(0, 1.0, len(sav)) - 0.6 * fee_z[sav["_row"]])
    sav["opening_cents"] = np.round(
        np.where(signup, g.uniform(0, 500, len(sav)), level) * 100
    ).astype(np.int64)
    sav["limit_cents"] = 0
    frames.append(sav)

    crd = frame(has_card, "credit_card")
    rows = crd["_row"].to_numpy()
    crd["product_id"] = np.where(
        seg[rows] == "student",
        "PRD009",
        np.where(np.isin(seg[rows], ["affluent", "premier"]), "PRD008", "PRD007"),
    )
    max_limit = np.array([PRODUCTS[PRODUCT_INDEX[p]].credit_limit_max for p in crd["product_id"]])
    limit = np.minimum(
        max_limit,
        income[rows]
        * g.uniform(0.08, 0.3, len(crd))
        * np.clip((score[rows] - 450) / 300, 0.2, 1.5),
    )
    crd["limit_cents"] = (np.maximum(np.round(limit / 100), 5) * 10_000).astype(np.int64)
    crd["opened_s"] = opened_between(created_s[rows], start_s)
    crd["opening_cents"] = np.where(
        signup, 0, -np.round(crd["limit_cents"] * g.uniform(0, 0.35, len(crd)))
    ).astype(np.int64)
    frames.append(crd)

    loans = _loans(g, customers, np.flatnonzero(has_loan), start_s, signup)
    frames.append(loans)

    acc = pd.concat(frames, ignore_index=True)
    acc = acc.sort_values(["_row", "account_type"], kind="stable").reset_index(drop=True)
    acc["account_no"] = np.arange(first_no, first_no + len(acc))
    acc["account_id"] = [f"ACC{k:07d}" for k in acc["account_no"]]
    # an explicit dtype: a batch without new accounts would make an empty float column,
    # and the concatenated state would carry floats into every later batch's fee lookup
    acc["product_idx"] = np.array([PRODUCT_INDEX[p] for p in acc["product_id"]], dtype=np.int64)
    rate = np.array([PRODUCTS[i].interest_rate for i in acc["product_idx"]])
    card = (acc["account_type"] == "credit_card").to_numpy()
    acc["interest_rate"] = np.where(
        acc["account_type"].to_numpy() == "loan", acc.get("loan_rate_pct", rate), rate
    )
    acc.loc[card, "interest_rate"] = rate[card] + np.round(g.uniform(-2, 3, card.sum()), 2)
    acc["currency"] = "USD"
    acc["balance_cents"] = acc["opening_cents"]
    acc["created_s"] = acc["opened_s"]
    acc["updated_s"] = acc["opened_s"]
    acc["status"] = "active"
    acc["closed_s"] = NEVER
    acc["last_txn_s"] = np.maximum(acc["opened_s"], start_s if not signup else 0)
    closable = acc["account_type"].isin(["savings", "credit_card"]).to_numpy()
    origin = np.maximum(acc["opened_s"].to_numpy(), start_s)
    plan = origin + g.exponential(YEAR_S / ACCOUNT_CLOSE_HAZARD_PER_YEAR, len(acc)).astype(np.int64)
    acc["end_s"] = np.where(closable, plan, NEVER)
    for column, default in (
        ("loan_payment_cents", 0),
        ("loan_rem_cents", 0),
        ("loan_monthly_rate", 0.0),
        ("loan_term", 0),
        ("loan_next_no", 0),
        ("loan_due_dom", 1),
        ("loan_first_month", 0),
    ):
        acc[column] = acc[column].fillna(default) if column in acc else default
    int_cols = [
        "loan_payment_cents",
        "loan_rem_cents",
        "loan_term",
        "loan_next_no",
        "loan_due_dom",
        "loan_first_month",
    ]
    acc[int_cols] = acc[int_cols].astype(np.int64)
    acc["opened_day"] = acc["opened_s"] // calendar.DAY
    return acc.drop(columns=["_row", "loan_rate_pct"], errors="ignore")


def _loans(
    g: np.random.Generator, customers: pd.DataFrame, rows: np.ndarray, start_s: int, signup: bool
) -> pd.DataFrame:
    """Amortising loans; pre-window loans are part-way through their schedule at the start."""
    n = len(rows)
    income = customers["income_cents"].to_numpy()[rows] / 100
    score = customers["credit_score"].to_numpy()[rows]
    created_s = customers["created_s"].to_numpy()[rows]
    auto = g.random(n) < 0.3
    product = np.where(auto, "PRD011", "PRD010")
    term = np.where(auto, g.choice([48, 60, 72], n), g.choice([24, 36, 48, 60], n))
    principal = np.where(
        auto, g.uniform(8_000, 45_000, n), np.minimum(40_000, income * g.uniform(0.05, 0.4, n))
    )
    principal = np.maximum(np.round(principal / 100) * 100, 1_000)
    base = np.where(auto, 7.5, 11.5)
    rate_pct = np.round(np.clip(base + (700 - score) / 100 * 2.5 + g.normal(0, 0.5, n), 3, 29), 2)
    r = rate_pct / 1200
    payment = principal * r / (1 - (1 + r) ** -term)
    if signup:
        opened = created_s
    else:
        back = (g.uniform(0, 0.9, n) * term * 30.44 * 86_400).astype(np.int64)
        opened = np.maximum(created_s, start_s - back)
    opened_day = opened // calendar.DAY
    due_dom = np.minimum(calendar.fmt.civil_from_days(opened_day)[2], 28)
    start_day = start_s // calendar.DAY
    # next instalment number whose due date is on or after the data start
    months_since = calendar.month_index(np.full(n, start_day)) - calendar.month_index(opened_day)
    next_no = np.maximum(months_since, 1)
    due = calendar.add_months(opened_day, next_no, due_dom)
    next_no = np.where(due < start_day, next_no + 1, next_no)
    if signup:
        next_no = np.ones(n, dtype=np.int64)
    paid = next_no - 1
    growth = (1 + r) ** paid
    remaining = principal * growth - payment * (growth - 1) / r
    remaining = np.clip(remaining, 0, principal)
    return pd.DataFrame(
        {
            "customer_no": customers["customer_no"].to_numpy()[rows],
            "account_type": "loan",
            "_row": rows,
            "product_id": product,
            "opened_s": opened,
            "opening_cents": -np.round(remaining * 100).astype(np.int64),
            "limit_cents": np.round(principal * 100).astype(np.int64),
            "loan_rate_pct": rate_pct,
            "loan_payment_cents": np.round(payment * 100).astype(np.int64),
            "loan_rem_cents": np.round(remaining * 100).astype(np.int64),
            "loan_monthly_rate": r,
            "loan_term": term,
            "loan_next_no": next_no,
            "loan_due_dom": due_dom,
            "loan_first_month": calendar.month_index(opened_day),
        }
    )
