"""Customers of the bank: attributes drawn by segment, plus latent behavioural traits.

Distributions (also in the manifest "parameters"):
- segment: mass 55%, affluent 18%, premier 5%, student 12%, small_business 10%;
- age: students 18-25, others N(46, 14) clipped to 21-88; employment follows age and segment;
- income: log-normal by segment (params.INCOME_LOGNORMAL), halved for the unemployed;
- credit score: clip(N(600 + 45 ln(income/50k) + 1.2 (age-45), 55), 300, 850), so it is
  correlated with income and age; risk rating from the score with 10% noise;
- created_at: since 2010 (Beta(2, 1.2) towards recent years) or, for sign-ups, uniform in
  the batch window.
Latent traits (never exported): activity weight, spend scale (the customer's "norm"
amount), night owl flag, complaint and fee propensities (z-scores) that drive both the
observable behaviour (complaints, low balances and fees) and the churn hazard, and the
latent churn time (see churn.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.generator import calendar
from scripts.generator.params import (
    ACTIVITY,
    EMPLOYMENT,
    INCOME_LOGNORMAL,
    PREFERRED_CHANNELS,
    SEGMENT_WEIGHTS,
    SEGMENTS,
    SPEND_SCALE,
    Behaviour,
)
from scripts.generator.pools import Pools
from scripts.generator.reference import CITY_WEIGHTS, EMAIL_DOMAINS, HOME_COUNTRY, US_CITIES

NEVER = 4_102_444_800  # 2100-01-01: "no such event" for latent times
HISTORY_START = calendar.epoch_day(pd.Timestamp("2010-01-01").date())


def _phones(g: np.random.Generator, n: int) -> np.ndarray:
    area = g.integers(201, 990, n)
    mid = g.integers(200, 999, n)
    last = g.integers(0, 10_000, n)
    return np.array(
        [f"+1-{a}-{b}-{c:04d}" for a, b, c in zip(area, mid, last, strict=True)], dtype=object
    )


def create(
    g: np.random.Generator,
    n: int,
    first_no: int,
    created_from_s: int,
    created_to_s: int,
    pools: Pools,
    behaviour: Behaviour,
    signup: bool,
) -> pd.DataFrame:
    """``n`` new customers numbered from ``first_no``, created in [created_from_s, created_to_s)."""
    seg = g.choice(len(SEGMENTS), n, p=np.asarray(SEGMENT_WEIGHTS))
    seg_names = np.asarray(SEGMENTS, dtype=object)[seg]
    student = seg_names == "student"
    age = np.where(
        student, g.integers(18, 26, n), np.clip(np.round(g.normal(46, 14, n)), 21, 88)
    ).astype(int)
    emp = np.where(g.random(n) < 0.82, 0, np.where(g.random(n) < 0.55, 1, 2))
    emp = np.where(seg_names == "small_business", np.where(g.random(n) < 0.9, 1, 0), emp)
    emp = np.where(age >= 66, np.where(g.random(n) < 0.8, 3, emp), emp)
    emp = np.where(student, np.where(g.random(n) < 0.8, 4, 0), emp)
    medians = np.array([INCOME_LOGNORMAL[s][0] for s in SEGMENTS])[seg]
    sigmas = np.array([INCOME_LOGNORMAL[s][1] for s in SEGMENTS])[seg]
    income = medians * np.exp(g.normal(0, 1, n) * sigmas)
    income = np.where(emp == 2, income * 0.5, income)
    income = np.where(emp == 3, income * 0.7, income)
    income_cents = (np.round(income / 100) * 10_000).astype(np.int64)
    score = 600 + 45 * np.log(income / 50_000) + 1.2 * (age - 45) + g.normal(0, 55, n)
    score = np.clip(np.round(score), 300, 850).astype(int)
    risk = np.where(score < 580, 2, np.where(score < 670, 1, 0))
    noisy = g.random(n) < 0.10
    risk = np.where(noisy, g.integers(0, 3, n), risk)
    gender_u = g.random(n)
    gender = np.where(gender_u < 0.49, "F", np.where(gender_u < 0.98, "M", "X")).astype(object)
    first = np.where(
        gender == "F",
        pools.first_names_f[g.integers(0, len(pools.first_names_f), n)],
        pools.first_names_m[g.integers(0, len(pools.first_names_m), n)],
    )
    last = pools.last_names[g.integers(0, len(pools.last_names), n)]
    domain = np.asarray(EMAIL_DOMAINS, dtype=object)[g.integers(0, len(EMAIL_DOMAINS), n)]
    numbers = np.arange(first_no, first_no + n)
    email = np.array(
        [
            f"{a.lower()}.{b.lower().replace(' ', '')}{k % 997}@{d}"
            for a, b, k, d in zip(first, last, numbers, domain, strict=True)
        ],
        dtype=object,
    )
    city_idx = g.choice(len(US_CITIES), n, p=np.asarray(CITY_WEIGHTS) / sum(CITY_WEIGHTS))
    cities = np.asarray([c[0] for c in US_CITIES], dtype=object)[city_idx]
    states = np.asarray([c[1] for c in US_CITIES], dtype=object)[city_idx]
    zips = np.array(
        [f"{US_CITIES[c][2]}{z:02d}" for c, z in zip(city_idx, g.integers(1, 99, n), strict=True)],
        dtype=object,
    )
    if signup:
        created = g.integers(created_from_s, max(created_to_s, created_from_s + 1), n)
    else:
        span = created_to_s - created_from_s
        created = created_from_s + (g.beta(2.0, 1.2, n) * span).astype(np.int64)
    created_day = created // calendar.DAY
    birth_day = created_day - (age * 365.25).astype(int) + g.integers(-180, 180, n)
    channel_p = np.where(age[:, None] < 40, [0.6, 0.25, 0.1, 0.05], [0.3, 0.3, 0.25, 0.15])
    channel = (g.random(n)[:, None] > np.cumsum(channel_p, axis=1)).sum(axis=1)
    activity = np.array([ACTIVITY[s] for s in SEGMENTS])[seg] * np.exp(g.normal(0, 0.5, n))
    spend_scale = np.array([SPEND_SCALE[s] for s in SEGMENTS])[seg] * np.exp(g.normal(0, 0.35, n))
    return pd.DataFrame(
        {
            "customer_no": numbers,
            "customer_id": [f"CUS{k:07d}" for k in numbers],
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": _phones(g, n),
            "birth_day": birth_day,
            "gender": gender,
            "address": pools.streets[g.integers(0, len(pools.streets), n)],
            "city": cities,
            "state": states,
            "postal_code": zips,
            "country": HOME_COUNTRY,
            "segment": seg_names,
            "income_cents": income_cents,
            "credit_score": score,
            "employment_status": np.asarray(EMPLOYMENT, dtype=object)[emp],
            "risk_rating": np.asarray(["low", "medium", "high"], dtype=object)[risk],
            "status": "active",
            "preferred_channel": np.asarray(PREFERRED_CHANNELS, dtype=object)[
                np.minimum(channel, 3)
            ],
            "created_s": created,
            "updated_s": created,
            # latent traits
            "activity": activity,
            "spend_scale": spend_scale,
            "night_owl": g.random(n) < behaviour.fraud.night_owl_share,
            "complaint_z": g.normal(0, 1, n),
            "fee_z": g.normal(0, 1, n),
            "n_devices": g.integers(1, 4, n),
            "churn_s": NEVER,
            "churn_driver": "none",
            "churn_kind": "active",
            "ramp_days": 0,
            "deleted_s": NEVER,
            "cmp001_group": -1,
        }
    )
