"""Monthly macro-economic indicators and the spending multiplier they drive.

The series is a deterministic function of the seed and the start date (its own random
stream), generated for 24 months of history and 30 years ahead, so every batch sees the
same economy. Planted story: unemployment rises by ~1.2 points early in the second year
(logistic) and eases back in the fourth; consumer confidence swings on its own cycle of
about 17 months (sentiment moves with news and markets, not only with jobs) and falls only
a little with unemployment; inflation eases. Because the two drivers move apart and the
default data spans two years, the month-of-year seasonality and both elasticities can be
told apart (causal_analytics, economic_elasticity).

Spend intensity multiplier of a month: (consumer_confidence / 100) ** e_cc *
(unemployment / unemployment_at_start) ** e_u with the elasticities in EconomyParams.
A month is published on the 15th of the following month (``published_at``); the extract
holds the months published by the batch's as_of.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from scripts.generator import calendar, rng
from scripts.generator.params import EconomyParams

HORIZON_MONTHS = 12 * 30


def indicators(seed: int, start: dt.date, params: EconomyParams) -> pd.DataFrame:
    g = rng.stream(seed, "economy")
    first = int(calendar.month_index(np.array([calendar.epoch_day(start)]))[0])
    months = np.arange(first - params.history_months, first + HORIZON_MONTHS)
    t = (months - first).astype(float)
    n = len(months)

    def ar1(sigma: float, phi: float = 0.8) -> np.ndarray:
        shocks = g.normal(0.0, sigma, n)
        out = np.zeros(n)
        for i in range(1, n):  # 400 months: negligible, and clearer than a filter
            out[i] = phi * out[i - 1] + shocks[i]
        return out

    cycle = 1.0 / (1.0 + np.exp(-(t - 16.0) / 1.2)) - 1.0 / (1.0 + np.exp(-(t - 40.0) / 3.0))
    unemployment = params.unemployment_start + params.unemployment_rise * cycle + ar1(0.05)
    sentiment = params.confidence_swing * np.sin(2.0 * np.pi * (t - 1.0) / 17.0)
    confidence = 100.0 - 2.0 * (unemployment - params.unemployment_start) + sentiment + ar1(1.2)
    inflation = 3.0 + 1.2 * np.exp(-np.clip(t, 0, None) / 8.0) + ar1(0.12)
    policy = np.round((5.0 - 1.2 * np.clip(cycle, 0, None) + ar1(0.05, 0.95)) * 4) / 4
    gdp = 2.2 - 1.6 * (unemployment - params.unemployment_start) + ar1(0.4, 0.5)
    hpi_growth = 0.003 - 0.002 * cycle + g.normal(0, 0.002, n)
    hpi = 100.0 * np.exp(np.cumsum(hpi_growth) - np.cumsum(hpi_growth)[months == first][0])
    unemployment_ref = unemployment[months == first][0]
    multiplier = (confidence / 100.0) ** params.elasticity_consumer_confidence * (
        unemployment / unemployment_ref
    ) ** params.elasticity_unemployment
    month_day = calendar.month_start_day(months)
    published = calendar.month_start_day(months + 1) + 14
    return pd.DataFrame(
        {
            "month": months,
            "month_day": month_day,
            "unemployment_rate": unemployment,
            "inflation_rate": inflation,
            "policy_rate": policy,
            "consumer_confidence": confidence,
            "gdp_growth": gdp,
            "housing_price_index": hpi,
            "published_s": published * calendar.DAY + 9 * 3600,
            "spend_multiplier": multiplier,
            "unemployment_ref": unemployment_ref,
        }
    )


def day_multiplier(econ: pd.DataFrame, days: np.ndarray) -> np.ndarray:
    """Economic spend multiplier for each epoch day."""
    months = calendar.month_index(days)
    lookup = econ.set_index("month")["spend_multiplier"]
    return lookup.reindex(months).to_numpy(dtype=float)
