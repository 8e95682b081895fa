"""Churn classifier at customer grain.

A row is a customer at the end of a month who was active in the three months before it
(gold.features_customer_month); the label says whether they then made no approved
transaction for ``horizon`` months. Everything in the features was known at the month's
end. Split by cutoff month with a gap, so no training label window reaches into the test
window: fit on early cutoffs, choose the threshold on the next, test on the last
observable ones. The scores describe every customer as of the last complete month.

Customers outside the population at the scoring month (no activity that month, or no
open account left) are not what the classifier learned from; they get the observed
share of such customers in the training months who were still gone at the end of the
horizon, separately for those with and without an open account.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score

from scripts.ml.evaluation import binary_metrics
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
    test_months: int = 2
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


def _outside_population_rates(frame: pd.DataFrame, split: MonthSplit) -> dict[bool, float]:
    """Share still gone at the horizon among customers outside the population, by open account."""
    rows = frame[
        ~frame["is_in_churn_population"].astype(bool)
        & frame["label_is_observable"].astype(bool)
        & frame["month_start_date"].isin(split.fit_months + split.validation_months)
        & (frame["history_months"].fillna(-1) >= 0)
    ]
    has_account = rows["open_accounts_at_month_end"].fillna(0) > 0
    label = rows[CHURN_FEATURES.label].astype(bool)
    return {
        key: round(float(label[has_account == key].mean()), 6)
        if (has_account == key).any()
        else 1.0
        for key in (True, False)
    }


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
    model = config.estimator().fit(x[fit], y[fit])
    score = model.predict_proba(x)[:, 1]
    validation = part == "validation"
    threshold = round(_best_f1_threshold(y[validation], score[validation]), 6)
    metrics = {
        name: binary_metrics(y[part == name], score[part == name], threshold).to_dict()
        for name in ("fit", "validation", "test")
    }
    metrics["train"] = metrics["fit"]
    test = metrics["test"]
    log.info(
        "churn: test ROC-AUC %s, precision %s, recall %s at threshold %.3f (%d rows, %d churned)",
        test["roc_auc"],
        test["precision"],
        test["recall"],
        threshold,
        test["rows"],
        test["positives"],
    )

    scoring = frame[frame["is_scoring_month"]].reset_index(drop=True)
    churn_score = model.predict_proba(CHURN_FEATURES.matrix(scoring))[:, 1]
    outside = _outside_population_rates(frame, split)
    has_account = scoring["open_accounts_at_month_end"].fillna(0) > 0
    gone = ~scoring["is_in_churn_population"].astype(bool).to_numpy()
    churn_score = np.round(
        np.where(gone, np.where(has_account, outside[True], outside[False]), churn_score), 6
    )
    card = ModelCard(
        model_name=MODEL_NAME,
        algorithm="sklearn.ensemble.HistGradientBoostingClassifier",
        purpose=(
            f"Probability that a customer makes no approved transaction in the next "
            f"{config.horizon_months} months, as of the end of the last complete month."
        ),
        label=f"no approved transaction in the {config.horizon_months} months after the cutoff month",
        features=CHURN_FEATURES.columns,
        params=asdict(config),
        train_window=split.train_window(),
        test_window=split.test_window(),
        split=(
            f"by cutoff month: fit on {len(split.fit_months)} cutoffs, threshold (best F1) on "
            f"the next {config.validation_months}, a {config.horizon_months - 1}-month gap, "
            f"test on the last {config.test_months} observable cutoffs"
        ),
        metrics=metrics,
        data={
            "customer_months": len(frame),
            "labelled_rows": len(labelled),
            "churned_rows": int(y.sum()),
            "scored_customers": len(scoring),
            "scored_outside_population": int(gone.sum()),
            "outside_population_rate_with_account": outside[True],
            "outside_population_rate_without_account": outside[False],
        },
        limitations=[
            "Population: customers active in the cutoff month with an open account; customers "
            "outside it get the observed share of such customers still gone at the horizon.",
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
    return ChurnResult(scores=scores, card=card)
