"""Calendar arithmetic on epoch days/seconds and the seasonality of transaction intensity.

Daily intensity = day-of-week multiplier x month-of-year multiplier x economic multiplier
(see economy.py); the multipliers are in params.py and recorded in the manifest.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from scripts.generator import fmt
from scripts.generator.params import DAY_OF_WEEK, MONTH_OF_YEAR

DAY = 86_400
EPOCH = dt.date(1970, 1, 1)


def epoch_day(date: dt.date) -> int:
    return (date - EPOCH).days


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def iso_timestamp(seconds: int) -> str:
    moment = dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)
    return moment.isoformat()


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each epoch day."""
    year, month, _ = fmt.civil_from_days(np.asarray(days))
    return (year - 1970) * 12 + month - 1


def month_start_day(month_idx: np.ndarray) -> np.ndarray:
    m = np.asarray(month_idx, dtype=np.int64)
    return fmt.days_from_civil(1970 + m // 12, m % 12 + 1, np.ones_like(m))


def add_months(days: np.ndarray, months: np.ndarray, day_of_month: np.ndarray) -> np.ndarray:
    """Epoch day of ``day_of_month`` (<= 28) in the month ``months`` after ``days``' month."""
    m = month_index(days) + np.asarray(months, dtype=np.int64)
    return fmt.days_from_civil(1970 + m // 12, m % 12 + 1, np.asarray(day_of_month))


def periods(first_day: int, last_day: int) -> list[tuple[int, int]]:
    """Split [first_day, last_day] (inclusive) at month boundaries."""
    out = []
    day = first_day
    while day <= last_day:
        m = int(month_index(np.array([day]))[0])
        next_start = int(month_start_day(np.array([m + 1]))[0])
        end = min(last_day, next_start - 1)
        out.append((day, end))
        day = end + 1
    return out


def seasonal_weights(days: np.ndarray) -> np.ndarray:
    """Day-of-week x month-of-year multiplier of each epoch day."""
    dow = (np.asarray(days) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    _, month, _ = fmt.civil_from_days(np.asarray(days))
    return np.asarray(DAY_OF_WEEK)[dow] * np.asarray(MONTH_OF_YEAR)[month - 1]


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer counts proportional to weights summing exactly to total (largest remainder)."""
    if total <= 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(np.int64)
    rest = total - int(counts.sum())
    if rest:
        order = np.argsort(-(share - counts), kind="stable")
        counts[order[:rest]] += 1
    return counts
