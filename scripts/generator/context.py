"""Per-batch lookup arrays over the population, used by the vectorised event generators.

Customers and accounts live in pandas frames between batches; the hot paths need flat numpy
arrays indexed by customer number / account row, plus samplers (cumulative weights) for
"which customer acts", "which merchant of a category" and "which new high-risk merchant".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.generator.calendar import DAY
from scripts.generator.reference import CATEGORIES, HOME_COUNTRY
from scripts.generator.sampling import Weighted

CHECKING, SAVINGS, CARD, LOAN = "checking", "savings", "credit_card", "loan"


@dataclass
class Context:
    # customers, indexed by customer_no (slot 0 unused)
    created_s: np.ndarray
    churn_s: np.ndarray
    ramp_s: np.ndarray
    night_owl: np.ndarray
    spend_scale: np.ndarray
    n_devices: np.ndarray
    credit_score: np.ndarray
    treated: np.ndarray
    checking: np.ndarray  # account row or -1
    savings: np.ndarray
    card: np.ndarray
    # customer sampler
    candidates: np.ndarray
    customer_sampler: Weighted
    # accounts, indexed by account row
    acc_customer: np.ndarray
    acc_open_s: np.ndarray
    acc_end_s: np.ndarray  # planned close or owner's churn, whichever first
    balance: np.ndarray  # cents, updated as events are generated
    last_txn_s: np.ndarray
    # merchants, indexed by merchant row
    m_category: np.ndarray
    m_online: np.ndarray
    m_foreign: np.ndarray
    m_onboarded: np.ndarray
    m_high_risk: np.ndarray
    m_by_category: np.ndarray  # merchant rows sorted by category
    m_sampler: Weighted  # popularity, merchants in category order
    m_cat_lo: np.ndarray
    m_cat_hi: np.ndarray
    m_anchor: np.ndarray  # oldest merchant of each category
    m_online_rows: np.ndarray
    m_online_sampler: Weighted
    m_online_anchor: int
    hr_days: np.ndarray  # onboarding days of planted high-risk merchants, sorted
    hr_rows: np.ndarray
    cat_cum: np.ndarray
    # campaign uplift
    uplift: float
    cmp_start_s: int
    cmp_end_s: int
    ramp_floor: float

    def customer_multiplier(self, cust: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Relative activity of customers at times t (0 before sign-up and after churn)."""
        churn = self.churn_s[cust]
        alive = (t >= self.created_s[cust]) & (t < churn)
        left = (churn - t) / np.maximum(self.ramp_s[cust], 1)
        ramp = np.where(
            left < 1.0, self.ramp_floor + (1 - self.ramp_floor) * np.clip(left, 0, 1), 1.0
        )
        boost = np.where(
            self.treated[cust] & (t >= self.cmp_start_s) & (t < self.cmp_end_s), self.uplift, 1.0
        )
        return alive * ramp * boost

    def account_valid(self, acc: np.ndarray, t: np.ndarray) -> np.ndarray:
        safe = np.maximum(acc, 0)
        return (acc >= 0) & (self.acc_open_s[safe] <= t) & (t < self.acc_end_s[safe])


def build(
    customers: pd.DataFrame,
    accounts: pd.DataFrame,
    merchants: pd.DataFrame,
    window_start_s: int,
    window_end_s: int,
    uplift: float,
    cmp_start_s: int,
    cmp_end_s: int,
    ramp_floor: float,
) -> Context:
    size = int(customers["customer_no"].max()) + 1
    no = customers["customer_no"].to_numpy()

    def by_no(column: str, dtype: type, fill: object = 0) -> np.ndarray:
        out = np.full(size, fill, dtype=dtype)
        out[no] = customers[column].to_numpy(dtype=dtype)
        return out

    churn = by_no("churn_s", np.int64)
    created = by_no("created_s", np.int64)
    deleted = by_no("deleted_s", np.int64)
    live = (
        (created[no] < window_end_s) & (churn[no] > window_start_s) & (deleted[no] > window_start_s)
    )
    candidates = no[live]
    weights = customers["activity"].to_numpy()[live]

    slots = {}
    acc_type = accounts["account_type"].to_numpy()
    acc_cust = accounts["customer_no"].to_numpy()
    for kind in (CHECKING, SAVINGS, CARD):
        arr = np.full(size, -1, dtype=np.int64)
        rows = np.flatnonzero(acc_type == kind)
        arr[acc_cust[rows]] = rows
        slots[kind] = arr
    acc_end = np.minimum(accounts["end_s"].to_numpy(), churn[acc_cust])
    acc_end = np.minimum(acc_end, accounts["closed_s"].to_numpy())

    cat = merchants["category_idx"].to_numpy()
    order = np.argsort(cat, kind="stable")
    pop = merchants["popularity"].to_numpy()[order]
    cum = np.cumsum(pop)
    bounds = np.searchsorted(cat[order], np.arange(len(CATEGORIES) + 1))
    lo = np.where(bounds[:-1] > 0, cum[np.maximum(bounds[:-1] - 1, 0)], 0.0)
    hi = cum[np.maximum(bounds[1:] - 1, 0)]
    onboarded = merchants["onboarded_day"].to_numpy()
    anchor = np.array(
        [
            order[bounds[c] + np.argmin(onboarded[order[bounds[c] : bounds[c + 1]]])]
            for c in range(len(CATEGORIES))
        ]
    )
    online = merchants["is_online"].to_numpy(dtype=bool)
    online_rows = np.flatnonzero(online & ~merchants["planted_high_risk"].to_numpy(dtype=bool))
    planted = np.flatnonzero(merchants["planted_high_risk"].to_numpy(dtype=bool))
    planted = planted[np.argsort(onboarded[planted], kind="stable")]
    weights_cat = np.array([c.weight for c in CATEGORIES])
    return Context(
        created_s=created,
        churn_s=churn,
        ramp_s=by_no("ramp_days", np.int64) * DAY,
        night_owl=by_no("night_owl", bool, False),
        spend_scale=by_no("spend_scale", float, 1.0),
        n_devices=by_no("n_devices", np.int64, 1),
        credit_score=by_no("credit_score", np.int64, 650),
        treated=by_no("cmp001_group", np.int64, -1) == 1,
        checking=slots[CHECKING],
        savings=slots[SAVINGS],
        card=slots[CARD],
        candidates=candidates,
        customer_sampler=Weighted(weights),
        acc_customer=acc_cust,
        acc_open_s=accounts["opened_s"].to_numpy(dtype=np.int64),
        acc_end_s=acc_end.astype(np.int64),
        balance=accounts["balance_cents"].to_numpy(dtype=np.int64).copy(),
        last_txn_s=accounts["last_txn_s"].to_numpy(dtype=np.int64).copy(),
        m_category=cat,
        m_online=online,
        m_foreign=merchants["country"].to_numpy() != HOME_COUNTRY,
        m_onboarded=onboarded,
        m_high_risk=merchants["risk_level"].to_numpy() == "high",
        m_by_category=order,
        m_sampler=Weighted(pop),
        m_cat_lo=lo,
        m_cat_hi=hi,
        m_anchor=anchor,
        m_online_rows=online_rows,
        m_online_sampler=Weighted(merchants["popularity"].to_numpy()[online_rows]),
        m_online_anchor=int(online_rows[np.argmin(onboarded[online_rows])]),
        hr_days=onboarded[planted],
        hr_rows=planted,
        cat_cum=np.cumsum(weights_cat / weights_cat.sum()),
        uplift=uplift,
        cmp_start_s=cmp_start_s,
        cmp_end_s=cmp_end_s,
        ramp_floor=ramp_floor,
    )
