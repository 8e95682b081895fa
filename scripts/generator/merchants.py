"""Merchant master of the card acquirer.

~300 merchants at 1000 customers, scaling with sqrt(customers); categories with ISO 18245
MCC codes and purchase weights (reference.CATEGORIES); popularity log-normal (sigma 1);
6% abroad; online share and high-risk share by category; 90% onboarded before the start
date, 10% during the window. On top, one high-risk online merchant is onboarded every
``high_risk_merchant_every_days`` (a fixed schedule from 28 days before the start date), so
the "new high-risk merchant" fraud pattern always has fresh targets; these merchants also
receive ordinary (legitimate) traffic, which makes the pattern a look-alike problem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.generator import calendar
from scripts.generator.pools import Pools
from scripts.generator.reference import (
    CATEGORIES,
    CATEGORY_NAMES,
    CITY_WEIGHTS,
    FOREIGN_PLACES,
    FRAUD_MERCHANT_CATEGORIES,
    HOME_COUNTRY,
    US_CITIES,
)

NAME_SUFFIX = {
    "grocery": "Market",
    "restaurants": "Bistro",
    "fast_food": "Express",
    "gas_station": "Fuel",
    "pharmacy": "Pharmacy",
    "department_store": "Stores",
    "clothing": "Apparel",
    "electronics": "Electronics",
    "home_improvement": "Home Supply",
    "travel": "Airways",
    "hotel": "Hotels",
    "entertainment": "Cinemas",
    "online_marketplace": "Online",
    "digital_goods": "Digital",
    "streaming": "Stream",
    "utilities": "Utilities",
    "rideshare": "Rides",
    "jewelry": "Jewelers",
    "gambling": "Gaming",
}
PLANTED_OFFSET_DAYS = -28


def count_for(customers: int) -> int:
    return max(60, round(300 * np.sqrt(customers / 1000)))


def _frame(
    g: np.random.Generator,
    pools: Pools,
    first_no: int,
    category: np.ndarray,
    onboarded_day: np.ndarray,
    planted: np.ndarray,
) -> pd.DataFrame:
    n = len(category)
    cats = [CATEGORIES[c] for c in category]
    online = np.array([c.online_share for c in cats]) > g.random(n)
    high = np.array([c.high_risk_share for c in cats]) > g.random(n)
    risk = np.where(high, "high", np.where(g.random(n) < 0.25, "medium", "low")).astype(object)
    online = online | planted
    risk = np.where(planted, "high", risk)
    abroad = g.random(n) < 0.06
    city_idx = g.choice(len(US_CITIES), n, p=np.asarray(CITY_WEIGHTS) / sum(CITY_WEIGHTS))
    place_idx = g.integers(0, len(FOREIGN_PLACES), n)
    city = np.where(
        abroad,
        np.array([p[1] for p in FOREIGN_PLACES], dtype=object)[place_idx],
        np.array([c[0] for c in US_CITIES], dtype=object)[city_idx],
    )
    state = np.where(abroad, None, np.array([c[1] for c in US_CITIES], dtype=object)[city_idx])
    country = np.where(
        abroad, np.array([p[0] for p in FOREIGN_PLACES], dtype=object)[place_idx], HOME_COUNTRY
    )
    lat = np.where(
        abroad,
        np.array([p[2] for p in FOREIGN_PLACES])[place_idx],
        np.array([c[3] for c in US_CITIES])[city_idx],
    ) + g.normal(0, 0.05, n)
    lon = np.where(
        abroad,
        np.array([p[3] for p in FOREIGN_PLACES])[place_idx],
        np.array([c[4] for c in US_CITIES])[city_idx],
    ) + g.normal(0, 0.05, n)
    company = pools.companies[g.integers(0, len(pools.companies), n)]
    numbers = np.arange(first_no, first_no + n)
    return pd.DataFrame(
        {
            "merchant_no": numbers,
            "merchant_id": [f"MER{k:05d}" for k in numbers],
            "merchant_name": [
                f"{name} {NAME_SUFFIX[CATEGORY_NAMES[c]]}"
                for name, c in zip(company, category, strict=True)
            ],
            "category_idx": category,
            "category": np.asarray(CATEGORY_NAMES, dtype=object)[category],
            "mcc_code": [CATEGORIES[c].mcc for c in category],
            "city": city,
            "state": state,
            "country": country,
            "latitude": np.round(lat, 6),
            "longitude": np.round(lon, 6),
            "risk_level": risk,
            "is_online": online,
            "onboarded_day": onboarded_day,
            "updated_s": onboarded_day * calendar.DAY + 36_000 + g.integers(0, 3600, n),
            "popularity": np.where(planted, 0.06, np.exp(g.normal(0, 1, n))),
            "planted_high_risk": planted,
        }
    )


def planted_days(start_day: int, every: int, first_day: int, last_day: int) -> np.ndarray:
    """Onboarding days of the planted high-risk merchants falling in [first_day, last_day]."""
    origin = start_day + PLANTED_OFFSET_DAYS
    k0 = max(0, -(-(first_day - origin) // every))
    days = origin + every * np.arange(k0, (last_day - origin) // every + 1)
    return days[(days >= first_day) & (days <= last_day)]


def initial(
    g: np.random.Generator, pools: Pools, customers: int, start_day: int, end_day: int, every: int
) -> pd.DataFrame:
    n = count_for(customers)
    weights = np.array([c.weight for c in CATEGORIES])
    # every category at least twice; the first of each is an old "anchor" merchant
    base = np.repeat(np.arange(len(CATEGORIES)), 2)
    extra = g.choice(len(CATEGORIES), n - len(base), p=weights / weights.sum())
    category = np.concatenate([base, np.sort(extra)])
    history = calendar.epoch_day(pd.Timestamp("2005-01-01").date())
    during = g.random(len(category)) < 0.10
    onboarded = np.where(
        during,
        g.integers(start_day, end_day + 1, len(category)),
        g.integers(history, start_day, len(category)),
    )
    onboarded[: len(CATEGORIES) * 2 : 2] = history + g.integers(0, 3650, len(CATEGORIES))
    regular = _frame(g, pools, 1, category, onboarded, np.zeros(len(category), dtype=bool))
    planted = planted_days(start_day, every, start_day + PLANTED_OFFSET_DAYS, end_day)
    return pd.concat([regular, _planted(g, pools, len(regular) + 1, planted)], ignore_index=True)


def _planted(g: np.random.Generator, pools: Pools, first_no: int, days: np.ndarray) -> pd.DataFrame:
    fraud_cats = np.array([CATEGORY_NAMES.index(c) for c in FRAUD_MERCHANT_CATEGORIES])
    category = fraud_cats[g.integers(0, len(fraud_cats), len(days))]
    return _frame(g, pools, first_no, category, days, np.ones(len(days), dtype=bool))


def onboard(
    g: np.random.Generator,
    pools: Pools,
    merchants: pd.DataFrame,
    start_day: int,
    every: int,
    first_day: int,
    last_day: int,
) -> pd.DataFrame:
    """Merchants onboarded during an advance window: regular flow plus the planted schedule."""
    n_regular = int(
        g.poisson(
            0.10 * int((~merchants["planted_high_risk"]).sum()) / 365 * (last_day - first_day + 1)
        )
    )
    weights = np.array([c.weight for c in CATEGORIES])
    category = g.choice(len(CATEGORIES), n_regular, p=weights / weights.sum())
    first_no = int(merchants["merchant_no"].max()) + 1
    regular = _frame(
        g,
        pools,
        first_no,
        category,
        g.integers(first_day, last_day + 1, n_regular),
        np.zeros(n_regular, bool),
    )
    planted = _planted(
        g, pools, first_no + n_regular, planted_days(start_day, every, first_day, last_day)
    )
    return pd.concat([merchants, regular, planted], ignore_index=True)
