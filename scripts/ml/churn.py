"""Churn classifier at customer grain: who of today's customers leaves in the next months.

A row is a customer at the end of a month who was active in the three months before it
(gold.features_customer_month); the label says whether they then made no approved
transaction for ``horizon`` months (or closed every account). Everything in the features
was known at the month's end. Split by cutoff month with a gap, so no training label
window reaches into the test window: fit on early cutoffs, calibrate the probabilities
(Platt scaling) and choose the threshold on the next, test on the last observable ones.

Only customers who are still customers at the scoring month's end (an open account) are
scored: a lost customer is not a risk any more but a fact, and gets no score (the
analytics models give them relationship_status 'churned' and the date instead).
Customers with an open account but outside the population (no activity that month) are
not what the classifier learned from; they get the observed share of such customers in
the training months who were gone at the end of the horizon.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from scripts.ml.evaluation import binary_metrics, brier_score, reliability_bins, top_decile_lift
from scripts.ml.features import CHURN_FEATURES
from scripts.ml.registry import ModelCard
from scripts.ml.split import MonthSplit, split_months

log = logging.getLogger("financial_analytics.ml.churn")

MODEL_NAME = "churn_classifier"
HIGH_RISK = 0.5
MEDIUM_RISK = 0.2


@dataclass(frozen=True)
class ChurnConfig:
    horizon_months: int = 2
    # three months: with two, the test window of the default data held about 40 churners
    # and its ROC-AUC moved by +-0.035 (one standard error) from one data set to another
    test_months: int = 3
    validation_months: int = 1
    learning_rate: float = 0.05
    max_iter: int = 200
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    random_state: int = 42

    def estimator(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features="from_dtype",
            early_stopping=False,
            random_state=self.random_state,
        )


@dataclass
class ChurnResult:
    scores: pd.DataFrame
    card: ModelCard
    # the test window's rows as scored out of time: customer_id, month_start_date,
    # churn_score, label (for back-tests against what really happened)
    test_scores: pd.DataFrame


class PlattCalibrator:
    """Maps raw classifier scores to probabilities with a logistic fit on held-out months.

    Boosted trees rank well but their raw scores drift from frequencies; one slope and one
    intercept on the logit, fitted on the validation months (never the test months), keep
    the ranking and make a score of 0.3 mean about 30%.
    """

    def __init__(self, y: np.ndarray, score: np.ndarray) -> None:
        self.model: LogisticRegression | None = None
        if len(np.unique(y)) == 2:
            self.model = LogisticRegression(C=1e6).fit(self._logit(score), y)

    @staticmethod
    def _logit(score: np.ndarray) -> np.ndarray:
        p = np.clip(np.asarray(score, dtype=float), 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p)).reshape(-1, 1)

    def __call__(self, score: np.ndarray) -> np.ndarray:
        if self.model is None:
            return np.asarray(score, dtype=float)
        return self.model.predict_proba(self._logit(score))[:, 1]


def _best_f1_threshold(y: np.ndarray, score: np.ndarray) -> float:
    if y.sum() == 0:
        return HIGH_RISK
    candidates = np.unique(np.round(score, 3))
    best = max(candidates, key=lambda t: (f1_score(y, score >= t, zero_division=0), -t))
    return float(best)


def top_driver(frame: pd.DataFrame) -> np.ndarray:
    """The most unusual of the three churn levers a bank can act on, or 'none'.

    Each lever's value is standardised against the scored population; the largest one
    above 1 standard deviation names the driver (a reading aid for the retention team,
    not a causal attribution).
    """
    levers = pd.DataFrame(
        {
            "falling_activity": -np.log(
                frame["activity_trend_ratio"].astype(float).clip(lower=1e-3)
            )
            + frame["months_since_active"].astype(float),
            "complaints": frame["complaints_3m"].astype(float)
            + frame["fee_disputes_3m"].astype(float),
            "fees": frame["fee_amount_3m"].astype(float),
        }
    )
    z = (levers - levers.mean()) / levers.std(ddof=0).replace(0, 1)
    best = z.idxmax(axis=1).to_numpy(dtype=object)
    return np.where(z.max(axis=1).to_numpy() > 1.0, best, "none")


def _dormant_rate(frame: pd.DataFrame, split: MonthSplit) -> float:
    """Share gone at the horizon among customers with an open account but outside the
    population (no activity in the cutoff month), in the training months."""
    rows = frame[
        ~frame["is_in_churn_population"].astype(bool)
        & frame["label_is_observable"].astype(bool)
        & frame["month_start_date"].isin(split.fit_months + split.validation_months)
        & (frame["history_months"].fillna(-1) >= 0)
        & (frame["open_accounts_at_month_end"].fillna(0) > 0)
    ]
    label = rows[CHURN_FEATURES.label].astype(bool)
    return round(float(label.mean()), 6) if len(rows) else 1.0


def train_and_score(frame: pd.DataFrame, config: ChurnConfig | None = None) -> ChurnResult:
    config = config or ChurnConfig()
    if "label_horizon_months" in frame and len(frame):
        # the label's horizon is set in dbt (var churn_horizon_months); the card follows it
        config = replace(config, horizon_months=int(frame["label_horizon_months"].iloc[0]))
    labelled = frame[frame["is_in_churn_population"] & frame["label_is_observable"]].reset_index(
        drop=True
    )
    split = split_months(
        labelled["month_start_date"],
        config.test_months,
        config.validation_months,
        gap_months=config.horizon_months - 1,
    )
    part = split.part(labelled["month_start_date"])
    x = CHURN_FEATURES.matrix(labelled)
    y = labelled[CHURN_FEATURES.label].astype(bool).to_numpy()
    fit = part == "fit"
    validation = part == "validation"
    log.debug("churn: fitting on %d customer-months (%d churned)", fit.sum(), y[fit].sum())
    model = config.estimator().fit(x[fit], y[fit])
    raw = model.predict_proba(x)[:, 1]
    calibrate = PlattCalibrator(y[validation], raw[validation])
    score = calibrate(raw)
    threshold = round(_best_f1_threshold(y[validation], score[validation]), 6)
    metrics: dict[str, object] = {}
    for name in ("fit", "validation", "test"):
        rows = part == name
        metrics[name] = {
            **binary_metrics(y[rows], score[rows], threshold).to_dict(),
            "brier_score": brier_score(y[rows], score[rows]),
            "brier_score_uncalibrated": brier_score(y[rows], raw[rows]),
            "base_rate_brier_score": brier_score(y[rows], np.full(rows.sum(), y[fit].mean())),
            "top_decile_lift": top_decile_lift(y[rows], score[rows]),
        }
    test_rows = part == "test"
    metrics["test"]["reliability"] = reliability_bins(y[test_rows], score[test_rows])
    metrics["train"] = metrics["fit"]
    test = metrics["test"]
    log.debug(
        "churn: test ROC-AUC %s, Brier %s (uncalibrated %s), top-decile lift %s, "
        "precision %s, recall %s at threshold %.3f (%d rows, %d churned)",
        test["roc_auc"],
        test["brier_score"],
        test["brier_score_uncalibrated"],
        test["top_decile_lift"],
        test["precision"],
        test["recall"],
        threshold,
        test["rows"],
        test["positives"],
    )
    test_scores = pd.DataFrame(
        {
            "customer_id": labelled.loc[test_rows, "customer_id"].to_numpy(),
            "month_start_date": labelled.loc[test_rows, "month_start_date"].to_numpy(),
            "churn_score": score[test_rows],
            "label": y[test_rows],
        }
    )

    month = frame[frame["is_scoring_month"]]
    # still a customer at the scoring month's end: lost customers are not scored
    scoring = month[month["open_accounts_at_month_end"].fillna(0) > 0].reset_index(drop=True)
    churn_score = calibrate(model.predict_proba(CHURN_FEATURES.matrix(scoring))[:, 1])
    dormant_rate = _dormant_rate(frame, split)
    dormant = ~scoring["is_in_churn_population"].astype(bool).to_numpy()
    churn_score = np.round(np.where(dormant, dormant_rate, churn_score), 6)
    card = ModelCard(
        model_name=MODEL_NAME,
        algorithm="sklearn.ensemble.HistGradientBoostingClassifier",
        purpose=(
            f"Calibrated probability that a current customer (an open account) makes no "
            f"approved transaction, or closes every account, in the {config.horizon_months} "
            f"calendar months after the last complete month."
        ),
        label=f"no approved transaction in the {config.horizon_months} months after the cutoff month",
        features=CHURN_FEATURES.columns,
        params=asdict(config),
        train_window=split.train_window(),
        test_window=split.test_window(),
        split=(
            f"by cutoff month: fit on {len(split.fit_months)} cutoffs, Platt calibration and "
            f"threshold (best F1) on the next {config.validation_months}, a "
            f"{config.horizon_months - 1}-month gap, "
            f"test on the last {config.test_months} observable cutoffs"
        ),
        metrics=metrics,
        data={
            "customer_months": len(frame),
            "labelled_rows": len(labelled),
            "churned_rows": int(y.sum()),
            "scored_customers": len(scoring),
            "not_scored_no_open_account": len(month) - len(scoring),
            "scored_outside_population": int(dormant.sum()),
            "outside_population_rate_with_account": dormant_rate,
        },
        limitations=[
            "Population: customers active in the cutoff month with an open account; current "
            "customers without activity that month get the observed share of such customers "
            "gone at the horizon; customers without an open account are not scored.",
            "Churn is observed as inactivity; a customer who returns after the horizon counts "
            "as churned.",
        ],
    )
    scores = pd.DataFrame(
        {
            "customer_id": scoring["customer_id"].to_numpy(),
            "churn_score": churn_score,
            "churn_risk_band": np.select(
                [churn_score >= HIGH_RISK, churn_score >= MEDIUM_RISK], ["high", "medium"], "low"
            ),
            "top_driver": top_driver(scoring),
            "as_of_month_date": scoring["month_start_date"].dt.date.to_numpy(),
            "horizon_months": config.horizon_months,
            "model_version": card.model_version,
        }
    )
    return ChurnResult(scores=scores, card=card, test_scores=test_scores)
