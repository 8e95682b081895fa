"""The bank's rule-based fraud engine: raises fraud_alerts on card purchases.

Rules (score): night_cnp - card not present 00:00-05:00 from a foreign IP (75); velocity -
5th or later transaction on the account within an hour (65); amount - above 6x the
customer's norm (60); merchant_risk - high-risk merchant onboarded < 30 days ago (55);
geo - foreign IP on a new device (45). The engine only sees these features, so it misses
fraud that trips none of them and flags look-alikes (false positives); a firing row raises
an alert with probability ``alert_capture_probability`` (queue sampling). The alert's
outcome is the investigation result: confirmed_fraud / false_positive once resolved
(0.5-72 h later), open if that is after the batch as_of.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scripts.generator.calendar import DAY
from scripts.generator.context import Context
from scripts.generator.rows import TxnRows
from scripts.generator.transactions import NEW_DEVICE_BASE, NORM_AMOUNT, C, T

ALERT_TYPES = ("night_cnp", "velocity", "amount", "merchant_risk", "geo")
RULE_SCORES = np.array([75.0, 65.0, 60.0, 55.0, 45.0])
SEVERITIES = ("low", "medium", "high", "critical")
ALERT_STATUSES = ("confirmed_fraud", "false_positive", "open")


@dataclass
class Alerts:
    row: np.ndarray  # index into the chunk's rows
    time_s: np.ndarray
    alert_type: np.ndarray
    severity: np.ndarray
    score: np.ndarray
    status: np.ndarray
    resolved_s: np.ndarray  # -1 while open


def evaluate(
    ctx: Context, g: np.random.Generator, rows: TxnRows, capture: float, as_of_s: int
) -> Alerts:
    n = len(rows)
    purchase = rows.ttype == T["purchase"]
    hour = (rows.time_s % DAY) // 3600
    foreign_ip = rows.ip > 0
    night = purchase & (hour < 5) & (rows.card_present == 0) & foreign_ip
    # one argsort on a combined key (account, seconds since the chunk's first row)
    order = np.argsort(rows.acc * (1 << 32) + (rows.time_s - rows.time_s.min()), kind="stable")
    acc_sorted, t_sorted = rows.acc[order], rows.time_s[order]
    velocity_sorted = np.zeros(n, dtype=bool)
    if n > 4:
        velocity_sorted[4:] = (acc_sorted[4:] == acc_sorted[:-4]) & (
            t_sorted[4:] - t_sorted[:-4] <= 3600
        )
    velocity = np.zeros(n, dtype=bool)
    velocity[order] = velocity_sorted
    velocity &= purchase
    amount = purchase & (-rows.amount > 600 * NORM_AMOUNT * ctx.spend_scale[rows.cust])
    safe_m = np.maximum(rows.merch, 0)
    new_risky = (
        purchase
        & (rows.merch >= 0)
        & ctx.m_high_risk[safe_m]
        & (rows.time_s // DAY - ctx.m_onboarded[safe_m] < 30)
    )
    geo = (
        purchase
        & foreign_ip
        & (rows.device >= NEW_DEVICE_BASE)
        & np.isin(rows.channel, [C["online"], C["mobile"]])
    )
    fired = np.column_stack([night, velocity, amount, new_risky, geo])
    any_fired = fired.any(axis=1) & (g.random(n) < capture)
    idx = np.flatnonzero(any_fired)
    f = fired[idx]
    top = np.argmax(np.where(f, RULE_SCORES, -1), axis=1)
    score = RULE_SCORES[top] + 6.0 * (f.sum(axis=1) - 1) + g.uniform(-4, 4, len(idx))
    score = np.round(np.clip(score, 1, 99.99), 2)
    severity = np.select([score >= 85, score >= 70, score >= 55], [3, 2, 1], 0)
    t = rows.time_s[idx] + g.integers(1, 120, len(idx))
    resolved = t + g.integers(1800, 72 * 3600, len(idx))
    is_open = resolved > as_of_s
    status = np.where(is_open, 2, np.where(rows.pattern[idx] >= 0, 0, 1))
    return Alerts(
        row=idx,
        time_s=t,
        alert_type=top,
        severity=severity,
        score=score,
        status=status,
        resolved_s=np.where(is_open, -1, resolved),
    )
