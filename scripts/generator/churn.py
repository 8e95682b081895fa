"""Planted churn: a latent churn time per customer from a proportional-hazard model.

hazard_i = base x exp(complaint_coefficient x complaint_z + fee_coefficient x fee_z
+ new_customer_coefficient x [tenure < 2 years]). complaint_z and fee_z are latent
propensities that also drive what the bank can see: complaint interactions (their rate
grows with complaint_z) and fees (fee-prone customers keep low balances and spend more of
their income, so they pay maintenance and overdraft fees). ``base`` is calibrated so that
``target_annual_rate`` of the customers churn within the first year of the initial window
(the hazard, not the window's length, sets how many leave a year).

Churn time T = max(created, start) + Exponential(1 / hazard). Before T the customer's
activity ramps down linearly to ``ramp_floor`` over 60-90 days (falling activity) and
complaints become more frequent; at T the customer becomes inactive or closed and every
account is closed (balance paid out). Because T is drawn once, advance batches continue
the same story. primary_driver = the larger of the complaint and fee terms when it exceeds
0.5, otherwise falling_activity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.generator.params import ChurnParams

YEAR = 365.25 * 86_400


def log_hazard_terms(customers: pd.DataFrame, params: ChurnParams, at_s: int) -> np.ndarray:
    tenure_years = (at_s - customers["created_s"].to_numpy()) / YEAR
    return np.column_stack(
        [
            params.complaint_coefficient * customers["complaint_z"].to_numpy(),
            params.fee_coefficient * customers["fee_z"].to_numpy(),
            params.new_customer_coefficient * (tenure_years < 2.0),
        ]
    )


def calibrate_base(customers: pd.DataFrame, params: ChurnParams, start_s: int, end_s: int) -> float:
    """Base hazard per second so that the expected churn share in the first year of the
    window (all of it when shorter) is the target."""
    rel = np.exp(log_hazard_terms(customers, params, start_s).sum(axis=1))
    horizon_s = min(end_s, start_s + int(YEAR))
    exposure = horizon_s - np.maximum(customers["created_s"].to_numpy(), start_s)
    exposure = np.clip(exposure, 0, None).astype(float)
    lo, hi = 1e-14, 1e-5
    for _ in range(100):
        mid = np.sqrt(lo * hi)
        share = float(np.mean(1 - np.exp(-mid * rel * exposure)))
        if share < params.target_annual_rate:
            lo = mid
        else:
            hi = mid
    return float(np.sqrt(lo * hi))


def assign(
    g: np.random.Generator,
    customers: pd.DataFrame,
    params: ChurnParams,
    base_hazard: float,
    origin_s: int,
) -> pd.DataFrame:
    """Draw latent churn times, drivers and outcomes for ``customers`` (a copy is returned)."""
    out = customers.copy()
    terms = log_hazard_terms(out, params, origin_s)
    hazard = base_hazard * np.exp(terms.sum(axis=1))
    start = np.maximum(out["created_s"].to_numpy(), origin_s)
    out["churn_s"] = (start + g.exponential(1.0 / hazard)).astype(np.int64)
    driver = np.where(terms[:, 0] >= terms[:, 1], "complaints", "fees").astype(object)
    out["churn_driver"] = np.where(
        np.maximum(terms[:, 0], terms[:, 1]) > 0.5, driver, "falling_activity"
    )
    out["churn_kind"] = np.where(g.random(len(out)) < params.closed_share, "closed", "inactive")
    out["ramp_days"] = g.integers(params.ramp_days[0], params.ramp_days[1] + 1, len(out))
    return out
