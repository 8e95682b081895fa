"""Parameters of a generation run and the behavioural constants of the simulated bank.

``RunParams`` is what the command line sets (and what the manifest stores so that a later
``--advance-days`` run continues with the same world). ``Behaviour`` holds the rates and
distribution parameters; its ``describe()`` is written to the manifest under "parameters"
so every planted distribution is documented next to the data it produced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

SEGMENTS = ("mass", "affluent", "premier", "student", "small_business")
SEGMENT_WEIGHTS = (0.55, 0.18, 0.05, 0.12, 0.10)
# Log-normal income by segment: (median, sigma of log).
INCOME_LOGNORMAL = {
    "mass": (48_000, 0.35),
    "affluent": (120_000, 0.30),
    "premier": (260_000, 0.40),
    "student": (14_000, 0.50),
    "small_business": (95_000, 0.60),
}
# How much a customer spends per purchase relative to the category median.
SPEND_SCALE = {"mass": 1.0, "affluent": 1.5, "premier": 2.3, "student": 0.6, "small_business": 1.7}
# Relative number of customer-initiated transactions.
ACTIVITY = {"mass": 1.0, "affluent": 1.2, "premier": 1.3, "student": 0.9, "small_business": 1.6}
EMPLOYMENT = ("employed", "self_employed", "unemployed", "retired", "student")
RISK_RATINGS = ("low", "medium", "high")
CUSTOMER_STATUSES = ("active", "inactive", "closed")
PREFERRED_CHANNELS = ("mobile", "online", "branch", "phone")

TRANSACTION_TYPES = (
    "purchase",
    "withdrawal",
    "deposit",
    "transfer_in",
    "transfer_out",
    "payment",
    "fee",
    "refund",
)
# Sign of ``amount`` by type: debits are negative, credits positive; zero is invalid.
DEBIT_TYPES = ("purchase", "withdrawal", "transfer_out", "fee")
CHANNELS = ("pos", "online", "mobile", "atm", "branch")
STATUSES = ("approved", "declined", "reversed")
DECLINE_REASONS = (
    "insufficient_funds",
    "limit_exceeded",
    "incorrect_pin",
    "card_expired",
    "suspected_fraud",
    "do_not_honor",
)
FRAUD_PATTERNS = ("night_cnp_burst", "velocity_spike", "new_high_risk_merchant", "amount_outlier")
CHURN_DRIVERS = ("falling_activity", "complaints", "fees", "none")

DAY_OF_WEEK = (0.92, 0.95, 0.97, 1.00, 1.12, 1.18, 0.86)  # Monday .. Sunday
MONTH_OF_YEAR = (0.86, 0.91, 0.98, 1.00, 1.02, 1.02, 1.04, 1.02, 0.98, 1.00, 1.08, 1.26)
# Share of a normal customer's transactions by hour of day (UTC = local for this bank).
HOUR_OF_DAY = (
    0.004,
    0.003,
    0.002,
    0.002,
    0.003,
    0.006,
    0.015,
    0.030,
    0.045,
    0.052,
    0.056,
    0.060,
    0.072,
    0.066,
    0.058,
    0.056,
    0.058,
    0.064,
    0.072,
    0.070,
    0.062,
    0.050,
    0.034,
    0.020,
)
# Night owls (a legitimate look-alike of night-time fraud) shift a third of their activity
# into 00:00-05:00.
NIGHT_OWL_HOUR_OF_DAY = (
    0.070,
    0.075,
    0.070,
    0.060,
    0.045,
    0.010,
    0.010,
    0.015,
    0.025,
    0.030,
    0.035,
    0.040,
    0.045,
    0.045,
    0.040,
    0.040,
    0.040,
    0.045,
    0.050,
    0.050,
    0.050,
    0.050,
    0.055,
    0.055,
)


def parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass(frozen=True)
class RunParams:
    """What the user chose; stored in the manifest and reused by ``--advance-days``."""

    customers: int = 1000
    transactions: int = 50_000
    start_date: str = "2022-01-01"
    end_date: str = "2023-12-31"
    seed: int = 42
    defect_rate: float = 0.02
    chunk_size: int = 250_000

    @property
    def start(self) -> dt.date:
        return parse_date(self.start_date)

    @property
    def end(self) -> dt.date:
        return parse_date(self.end_date)

    @property
    def window_days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class FraudParams:
    """Planted card fraud: rate, pattern mix and incident sizes."""

    rate_of_card_transactions: float = 0.015
    pattern_row_share: dict[str, float] = field(
        default_factory=lambda: {
            "night_cnp_burst": 0.30,
            "velocity_spike": 0.30,
            "new_high_risk_merchant": 0.20,
            "amount_outlier": 0.20,
        }
    )
    night_burst_size: tuple[int, int] = (3, 7)
    velocity_size: tuple[int, int] = (8, 14)
    new_merchant_size: tuple[int, int] = (1, 2)
    amount_outlier_multiple: tuple[float, float] = (5.0, 15.0)
    night_foreign_ip_share: float = 0.7
    night_new_device_share: float = 0.85
    # legitimate look-alikes
    night_owl_share: float = 0.05
    legit_big_purchase_share: float = 0.004
    legit_big_purchase_multiple: tuple[float, float] = (5.0, 20.0)
    legit_burst_share: float = 0.004
    legit_burst_size: tuple[int, int] = (2, 5)
    legit_foreign_ip_share: float = 0.03
    legit_new_device_share: float = 0.02
    high_risk_merchant_every_days: int = 7
    # rule engine
    alert_capture_probability: float = 0.8


@dataclass(frozen=True)
class ChurnParams:
    """Proportional hazard of churn: base hazard x exp(sum of driver effects)."""

    # share of the customers at the window's start who churn within its first year
    target_annual_rate: float = 0.17
    complaint_coefficient: float = 1.1
    fee_coefficient: float = 1.0
    new_customer_coefficient: float = 0.3
    ramp_days: tuple[int, int] = (60, 90)
    ramp_floor: float = 0.10
    # churners move their salary and standing orders away for the last half of the ramp
    income_moves_at_ramp_share: float = 0.6
    closed_share: float = 0.6
    delete_after_days: int = 30
    delete_probability: float = 0.5
    pre_churn_complaint_multiplier: float = 8.0


@dataclass(frozen=True)
class CampaignParams:
    """CMP001 is randomised 50/50 among eligible customers; the truths are these uplifts."""

    control_conversion_rate: float = 0.06
    conversion_uplift_pp: float = 6.0
    spend_uplift_pct: float = 15.0
    duration_days: int = 60
    cost_per_contact: float = 0.85


@dataclass(frozen=True)
class EconomyParams:
    """Monthly spend intensity = (cc / 100) ** e_cc * (u / u_ref) ** e_u (log-log elasticities)."""

    elasticity_consumer_confidence: float = 0.8
    elasticity_unemployment: float = -0.5
    unemployment_start: float = 3.6
    unemployment_rise: float = 1.2
    # amplitude (index points) of consumer confidence's own ~17-month cycle
    confidence_swing: float = 8.0
    history_months: int = 24


@dataclass(frozen=True)
class Behaviour:
    fraud: FraudParams = field(default_factory=FraudParams)
    churn: ChurnParams = field(default_factory=ChurnParams)
    campaign: CampaignParams = field(default_factory=CampaignParams)
    economy: EconomyParams = field(default_factory=EconomyParams)

    def describe(self) -> dict[str, object]:
        return {
            "segments": dict(zip(SEGMENTS, SEGMENT_WEIGHTS, strict=True)),
            "income_lognormal_median_sigma_by_segment": INCOME_LOGNORMAL,
            "credit_score": "clip(N(600 + 45*ln(income/50000) + 1.2*(age-45), 55), 300, 850)",
            "spend_scale_by_segment": SPEND_SCALE,
            "activity_by_segment": ACTIVITY,
            "day_of_week_multiplier_mon_to_sun": DAY_OF_WEEK,
            "month_of_year_multiplier": MONTH_OF_YEAR,
            "hour_of_day_share": HOUR_OF_DAY,
            "night_owl_hour_of_day_share": NIGHT_OWL_HOUR_OF_DAY,
            "fraud": asdict(self.fraud),
            "churn": asdict(self.churn),
            "campaign": asdict(self.campaign),
            "economy": asdict(self.economy),
            "amount_sign": {"negative": list(DEBIT_TYPES), "positive": "all other types"},
        }
