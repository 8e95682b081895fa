"""Fraud classifier at transaction grain.

Gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier) on the features
of gold.features_transaction_risk: what the bank knows when the transaction happens
(amount against the customer's norm, trailing 1h/24h counts, hour, channel, card
presence, merchant risk and age, IP country against the home country, first visits).
The label is the confirmed outcome (fact_transactions.is_fraud). Split by month: fit on
the early months (the operating threshold for a target precision from their out-of-fold
scores), test on the last months. Every transaction gets a score; data_split says which part it was in.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

from scripts.ml.evaluation import binary_metrics, threshold_for_precision
from scripts.ml.features import FRAUD_FEATURES
from scripts.ml.registry import ModelCard
from scripts.ml.split import split_months

log = logging.getLogger("financial_analytics.ml.fraud")

MODEL_NAME = "fraud_classifier"


@dataclass(frozen=True)
class FraudConfig:
    test_months: int = 3
    threshold_folds: int = 3
    target_precision: float = 0.92
    learning_rate: float = 0.1
    max_iter: int = 150
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 10
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
class FraudResult:
    scores: pd.DataFrame
    card: ModelCard


def out_of_fold_scores(
    x: pd.DataFrame, y: np.ndarray, months: pd.Series, config: FraudConfig
) -> np.ndarray:
    """Scores of the training rows from models that did not see their month.

    Folds are whole months, so a burst of fraud never sits on both sides of a fold. The
    operating threshold is chosen on these scores: every training fraud case counts, which
    a single validation month of a small data set cannot offer.
    """
    groups = months.to_numpy()
    folds = min(config.threshold_folds, len(np.unique(groups)))
    scores = np.zeros(len(y))
    for fit_rows, held_out in GroupKFold(n_splits=folds).split(x, y, groups):
        model = config.estimator().fit(x.iloc[fit_rows], y[fit_rows])
        scores[held_out] = model.predict_proba(x.iloc[held_out])[:, 1]
    return np.round(scores, 6)


def train_and_score(frame: pd.DataFrame, config: FraudConfig | None = None) -> FraudResult:
    config = config or FraudConfig()
    split = split_months(frame["month_start_date"], config.test_months, validation_months=1)
    part = split.part(frame["month_start_date"])
    train = np.isin(part, ["fit", "validation"])
    test = part == "test"
    x = FRAUD_FEATURES.matrix(frame)
    y = frame[FRAUD_FEATURES.label].astype(bool).to_numpy()
    if y[train].sum() < 10:
        raise ValueError(f"too few fraud cases in the training window ({int(y[train].sum())})")

    oof = out_of_fold_scores(x[train], y[train], frame.loc[train, "month_start_date"], config)
    threshold = round(threshold_for_precision(y[train], oof, config.target_precision), 6)
    model = config.estimator().fit(x[train], y[train])
    score = np.round(model.predict_proba(x)[:, 1], 6)
    metrics = {
        "train_out_of_fold": binary_metrics(y[train], oof, threshold).to_dict(),
        "train": binary_metrics(y[train], score[train], threshold).to_dict(),
        "test": binary_metrics(y[test], score[test], threshold).to_dict(),
    }
    result = metrics["test"]
    log.debug(
        "fraud: test ROC-AUC %s, precision %s, recall %s at threshold %.4f (%d test rows, %d fraud)",
        result["roc_auc"],
        result["precision"],
        result["recall"],
        threshold,
        result["rows"],
        result["positives"],
    )
    last_day = pd.Timestamp(frame["transaction_at"].max()).date()
    card = ModelCard(
        model_name=MODEL_NAME,
        algorithm="sklearn.ensemble.HistGradientBoostingClassifier",
        purpose="Probability that a transaction is confirmed fraud, scored at transaction time.",
        label="fact_transactions.is_fraud (confirmed chargeback outcome)",
        features=FRAUD_FEATURES.columns,
        params=asdict(config),
        train_window=split.train_window(),
        test_window=split.test_window(last_day),
        split=(
            f"by month: train on the first {len(split.fit_months) + 1} months, threshold from "
            f"their out-of-fold scores (folds = whole months, precision >= "
            f"{config.target_precision}), test on the last {config.test_months}"
        ),
        metrics=metrics,
        data={
            "rows": len(frame),
            "fraud_rows": int(y.sum()),
            "first_transaction": str(frame["transaction_at"].min()),
            "last_transaction": str(frame["transaction_at"].max()),
        },
        limitations=[
            "Trained once per run on the months before the test window; scores of later "
            "transactions are out-of-time predictions.",
            "Device fingerprints are not in gold.fact_transactions, so device novelty is not a "
            "feature; IP-country novelty stands in for it.",
        ],
    )
    scores = pd.DataFrame(
        {
            "transaction_id": frame["transaction_id"].to_numpy(),
            "fraud_score": score,
            "is_flagged": score >= threshold,
            "threshold": threshold,
            "data_split": np.where(test, "test", "train"),
            "model_version": card.model_version,
        }
    )
    return FraudResult(scores=scores, card=card)
