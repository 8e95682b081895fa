"""Time-based train / validation / test split by month.

Models train on earlier months and are tested on later ones, never on the same rows:
the validation months (the end of the training window) choose the operating threshold,
the test months measure it. A gap can keep label windows of training rows from reaching
into the test window (churn labels look months ahead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.ml.registry import Window


@dataclass(frozen=True)
class MonthSplit:
    fit_months: tuple[pd.Timestamp, ...]
    validation_months: tuple[pd.Timestamp, ...]
    test_months: tuple[pd.Timestamp, ...]

    def part(self, months: pd.Series) -> np.ndarray:
        """'fit' | 'validation' | 'test' | 'excluded' per row, from its month."""
        out = np.full(len(months), "excluded", dtype=object)
        out[months.isin(self.fit_months).to_numpy()] = "fit"
        out[months.isin(self.validation_months).to_numpy()] = "validation"
        out[months.isin(self.test_months).to_numpy()] = "test"
        return out

    @staticmethod
    def _window(months: tuple[pd.Timestamp, ...], last_day: dt.date | None = None) -> Window:
        if not months:
            return Window(None, None)
        end = (months[-1] + pd.offsets.MonthEnd(0)).date()
        return Window(months[0].date(), min(end, last_day) if last_day else end)

    def train_window(self) -> Window:
        return self._window(self.fit_months + self.validation_months)

    def test_window(self, last_day: dt.date | None = None) -> Window:
        return self._window(self.test_months, last_day)


def split_months(
    months: pd.Series, test_months: int, validation_months: int, gap_months: int = 0
) -> MonthSplit:
    """The last ``test_months`` months test; before them (less a gap) validation, then fit."""
    distinct = tuple(sorted(pd.to_datetime(months).unique()))
    distinct = tuple(pd.Timestamp(m) for m in distinct)
    needed = test_months + validation_months + gap_months + 1
    if len(distinct) < needed:
        raise ValueError(
            f"a time-based split needs at least {needed} months of data, found {len(distinct)}"
        )
    test = distinct[-test_months:]
    before = distinct[: len(distinct) - test_months - gap_months]
    validation = before[-validation_months:]
    fit = before[: len(before) - validation_months]
    return MonthSplit(fit, validation, test)
