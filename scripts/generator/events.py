"""Service events of a period: customer interactions and credit applications.

Interactions per active customer-month (Poisson): inquiry 0.06, service_request 0.04,
compliment 0.01, complaint 0.015 x exp(0.9 complaint_z) (x8 for complaint-driven churners and
x3 for other churners during the 90 days before churn), fee_dispute 0.25 per fee charged,
fraud_report 0.7 per customer hit by fraud in the period (after the first fraud).

Credit applications: 0.012 per active customer-month; product by segment; declared income
slightly overstated; debt-to-income ~ N(0.32 + 0.06 fee_z, 0.1); 4% withdrawn; approval
logit = 0.025 (score - 640) - 9 (dti - 0.4) + 0.5; reason codes follow the binding
constraint; offered rate = product rate + 2.5 per 100 points below 720.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.generator.calendar import DAY
from scripts.generator.context import Context

INTERACTION_TYPES = (
    "complaint",
    "inquiry",
    "service_request",
    "fee_dispute",
    "fraud_report",
    "compliment",
)
INTERACTION_CHANNELS = ("phone", "chat", "email", "branch", "app")
REASONS = {
    "complaint": ("fees", "service_quality", "app_issue", "wait_time", "card_declined"),
    "inquiry": ("balance", "interest_rates", "product_info", "statement"),
    "service_request": ("address_change", "card_replacement", "limit_increase", "statement_copy"),
    "fee_dispute": ("maintenance_fee", "overdraft_fee", "fx_fee"),
    "fraud_report": ("unrecognised_transaction", "lost_card"),
    "compliment": ("staff", "mobile_app"),
}
REASON_LABELS = tuple(r for t in INTERACTION_TYPES for r in REASONS[t])
RESOLUTIONS = ("resolved", "pending", "escalated")
DECISIONS = ("approved", "declined", "withdrawn")
DECISION_REASONS = (
    "meets_criteria",
    "low_credit_score",
    "high_debt_to_income",
    "insufficient_income",
    "policy_rule",
    "customer_withdrew",
)


@dataclass
class Interactions:
    cust: np.ndarray
    time_s: np.ndarray
    channel: np.ndarray
    itype: np.ndarray
    reason: np.ndarray
    resolution: np.ndarray
    handle_s: np.ndarray
    satisfaction: np.ndarray  # -1 when not surveyed


@dataclass
class Applications:
    cust: np.ndarray
    product_id: np.ndarray
    time_s: np.ndarray
    requested: np.ndarray
    term: np.ndarray  # -1 for cards
    income: np.ndarray
    dti: np.ndarray
    score: np.ndarray
    decision: np.ndarray
    reason: np.ndarray
    approved: np.ndarray  # -1 unless approved
    rate: np.ndarray
    decision_s: np.ndarray


def _exposure(
    ctx: Context, no: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    start = np.maximum(ctx.created_s[no], lo)
    end = np.minimum(ctx.churn_s[no], hi)
    return start, end, np.clip(end - start, 0, None) / (30.44 * DAY)


def interactions(
    ctx: Context,
    g: np.random.Generator,
    customers: pd.DataFrame,
    lo: int,
    hi: int,
    fee_customers: np.ndarray,
    fraud_first: dict[int, int],
    pre_churn_multiplier: float,
) -> Interactions:
    no = customers["customer_no"].to_numpy()
    start, end, months = _exposure(ctx, no, lo, hi)
    churn = ctx.churn_s[no]
    pre = np.clip(np.minimum(end, churn) - np.maximum(start, churn - 90 * DAY), 0, None)
    pre_share = np.where(end > start, pre / np.maximum(end - start, 1), 0)
    driver = customers["churn_driver"].to_numpy()
    boost = np.where(driver == "complaints", pre_churn_multiplier, 3.0)
    complaint_rate = 0.015 * np.exp(0.9 * customers["complaint_z"].to_numpy())
    complaint_rate = complaint_rate * (1 + (boost - 1) * pre_share)
    fees = np.bincount(fee_customers, minlength=len(ctx.created_s))[no]
    victims = np.zeros(len(no))
    fraud_t = np.full(len(no), -1, dtype=np.int64)
    if fraud_first:
        index = pd.Index(no)
        pos = index.get_indexer(list(fraud_first))
        ok = pos >= 0
        victims[pos[ok]] = 0.7
        fraud_t[pos[ok]] = np.array(list(fraud_first.values()))[ok]
    rates = np.column_stack(
        [
            complaint_rate * months,
            0.06 * months,
            0.04 * months,
            0.25 * fees * (months > 0),
            victims,
            0.01 * months,
        ]
    )
    counts = g.poisson(rates)
    cust_idx, itype = np.nonzero(counts)
    reps = counts[cust_idx, itype]
    cust_idx = np.repeat(cust_idx, reps)
    itype = np.repeat(itype, reps)
    m = len(cust_idx)
    t_lo = np.where(itype == 4, np.maximum(fraud_t[cust_idx], start[cust_idx]), start[cust_idx])
    t_hi = np.maximum(end[cust_idx], t_lo + 1)
    if (itype == 4).any():
        t_hi = np.where(itype == 4, np.maximum(t_hi, t_lo + 3 * DAY), t_hi)
        t_hi = np.minimum(t_hi, hi)
        t_hi = np.maximum(t_hi, t_lo + 1)
    t = t_lo + (g.random(m) * (t_hi - t_lo)).astype(np.int64)
    t = np.minimum(t, hi - 1)
    offsets = np.cumsum([0] + [len(REASONS[k]) for k in INTERACTION_TYPES])
    sizes = np.diff(offsets)
    reason = offsets[itype] + (g.random(m) * sizes[itype]).astype(np.int64)
    u = g.random(m)
    escalate = np.where(itype == 0, 0.2, 0.05)
    resolution = np.where(u < escalate, 2, np.where(u < escalate + 0.12, 1, 0))
    survey = g.random(m) < 0.4
    sat = np.where(itype == 0, g.integers(1, 4, m), np.where(itype == 5, 5, g.integers(3, 6, m)))
    return Interactions(
        cust=no[cust_idx],
        time_s=t,
        channel=g.choice(len(INTERACTION_CHANNELS), m, p=[0.35, 0.2, 0.15, 0.15, 0.15]),
        itype=itype,
        reason=reason,
        resolution=resolution,
        handle_s=np.round(
            420 * np.exp(g.normal(0, 0.6, m)) * np.where(itype == 0, 1.8, 1.0)
        ).astype(np.int64),
        satisfaction=np.where(survey, sat, -1),
    )


def applications(
    ctx: Context, g: np.random.Generator, customers: pd.DataFrame, lo: int, hi: int, as_of_s: int
) -> Applications:
    no = customers["customer_no"].to_numpy()
    start, end, months = _exposure(ctx, no, lo, hi)
    counts = g.poisson(0.012 * months)
    idx = np.repeat(np.arange(len(no)), counts)
    m = len(idx)
    seg = customers["segment"].to_numpy()[idx]
    u = g.random(m)
    card_product = np.where(
        seg == "student",
        "PRD009",
        np.where(np.isin(seg, ["affluent", "premier"]), "PRD008", "PRD007"),
    )
    product = np.where(u < 0.4, "PRD010", np.where(u < 0.75, card_product, "PRD011")).astype(object)
    is_card = u >= 0.4
    is_card &= u < 0.75
    income = customers["income_cents"].to_numpy()[idx] / 100
    requested = np.select(
        [product == "PRD010", is_card],
        [g.uniform(2_000, 40_000, m), g.uniform(1_000, 15_000, m)],
        g.uniform(8_000, 50_000, m),
    )
    requested = np.round(requested / 100) * 100
    term = np.select(
        [product == "PRD010", is_card],
        [g.choice([24, 36, 48, 60], m), -1],
        g.choice([48, 60, 72], m),
    )
    declared = np.round(income * np.exp(g.normal(0.05, 0.1, m)), -2)
    dti = np.clip(g.normal(0.32 + 0.06 * customers["fee_z"].to_numpy()[idx], 0.1), 0.02, 0.95)
    score = np.clip(
        customers["credit_score"].to_numpy()[idx] + np.round(g.normal(0, 10, m)), 300, 850
    ).astype(np.int64)
    logit = 0.025 * (score - 640) - 9 * (dti - 0.4) + 0.5
    approve = g.random(m) < 1 / (1 + np.exp(-logit))
    withdrawn = g.random(m) < 0.04
    decision = np.where(withdrawn, 2, np.where(approve, 0, 1))
    reason = np.select(
        [withdrawn, approve, score < 620, dti > 0.43, declared < 20_000], [5, 0, 1, 2, 3], 4
    )
    approved = np.where(
        decision == 0,
        np.round(requested * np.where(score < 680, g.uniform(0.6, 1.0, m), 1.0), -2),
        -1,
    )
    base = np.select([product == "PRD010", is_card], [11.5, 22.99], 7.5)
    rate = np.round(np.clip(base + (720 - score) / 100 * 2.5, 3, 35), 2)
    t = start[idx] + (g.random(m) * np.clip(end[idx] - start[idx], 1, None)).astype(np.int64)
    decided = np.minimum(t + g.integers(300, 48 * 3600, m), as_of_s)
    return Applications(
        cust=no[idx],
        product_id=product,
        time_s=t,
        requested=(requested * 100).astype(np.int64),
        term=term,
        income=(declared * 100).astype(np.int64),
        dti=np.round(dti, 4),
        score=score,
        decision=decision,
        reason=reason,
        approved=(approved * 100).astype(np.int64),
        rate=rate,
        decision_s=decided,
    )
