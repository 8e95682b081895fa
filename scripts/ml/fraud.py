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
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

from scripts.ml.evaluation import binary_metrics, threshold_for_precision
from scripts.ml.features import FRAUD_FEATURES
from scripts.ml.registry import ModelCard
from scripts.ml.split import MonthSplit, split_months

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
    # above this many rows in the training months, train on a uniform sample of them
    # (memory and time stay bounded; every transaction is still scored)
    max_train_rows: int = 2_000_000

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


MonthReader = Callable[[pd.Timestamp], pd.DataFrame]
ScoreWriter = Callable[[pd.DataFrame], None]


def training_rows(frame: pd.DataFrame, share: float, rng: np.random.Generator) -> pd.DataFrame:
    """Every row when share is 1, else a uniform random share of them (in their order):
    the fraud rate, and so the threshold's precision, stay those of the data."""
    if share >= 1.0:
        return frame
    return frame[rng.random(len(frame)) < share]


def train_and_score(frame: pd.DataFrame, config: FraudConfig | None = None) -> FraudResult:
    """The model on a data set held in memory: train_and_score_by_month over its months."""
    months = frame.groupby("month_start_date").agg(
        rows=("transaction_id", "size"),
        fraud_rows=("is_fraud", "sum"),
        first_at=("transaction_at", "min"),
        last_at=("transaction_at", "max"),
    )
    written: list[pd.DataFrame] = []
    card = train_and_score_by_month(
        months.reset_index(),
        lambda month: frame[frame["month_start_date"] == month].reset_index(drop=True),
        written.append,
        config,
    )
    return FraudResult(scores=pd.concat(written, ignore_index=True), card=card)


def train_and_score_by_month(
    months: pd.DataFrame,
    read_month: MonthReader,
    write_scores: ScoreWriter,
    config: FraudConfig | None = None,
) -> ModelCard:
    """Train on the months before the test window and score every month, one at a time.

    ``months`` has one row per month (month_start_date, rows, fraud_rows, first_at,
    last_at). Memory is bounded by the training rows (at most ``max_train_rows``: above
    it, a uniform sample of every training month) and by one month of scoring; scores go
    to ``write_scores`` month by month, labels and scores stay for the metrics.
    """
    config = config or FraudConfig()
    split = split_months(months["month_start_date"], config.test_months, validation_months=1)
    train_months = split.fit_months + split.validation_months
    available = int(months.loc[months["month_start_date"].isin(train_months), "rows"].sum())
    share = min(1.0, config.max_train_rows / available) if available else 1.0
    rng = np.random.default_rng(config.random_state)
    train = pd.concat(
        [training_rows(read_month(month), share, rng) for month in train_months], ignore_index=True
    )
    x = FRAUD_FEATURES.matrix(train)
    y = train[FRAUD_FEATURES.label].astype(bool).to_numpy()
    if y.sum() < 10:
        raise ValueError(f"too few fraud cases in the training window ({int(y.sum())})")
    log.info(
        "fraud: training on %s of %s rows of %d months (%.0f%%)",
        f"{len(train):,}", f"{available:,}", len(train_months), 100 * share,
    )  # fmt: skip
    oof = out_of_fold_scores(x, y, train["month_start_date"], config)
    threshold = round(threshold_for_precision(y, oof, config.target_precision), 6)
    model = config.estimator().fit(x, y)
    card = _card(months, split, config, share, len(train))
    del train, x

    labels, scores, tested = [], [], []
    for number, month in enumerate(months["month_start_date"], start=1):
        frame = read_month(month)
        score = np.round(model.predict_proba(FRAUD_FEATURES.matrix(frame))[:, 1], 6)
        is_test = month in split.test_months
        write_scores(
            pd.DataFrame(
                {
                    "transaction_id": frame["transaction_id"].to_numpy(),
                    "fraud_score": score,
                    "is_flagged": score >= threshold,
                    "threshold": threshold,
                    "data_split": "test" if is_test else "train",
                    "model_version": card.model_version,
                }
            )
        )
        labels.append(frame[FRAUD_FEATURES.label].astype(bool).to_numpy())
        scores.append(score)
        tested.append(np.full(len(frame), is_test))
        log.debug("fraud: scored month %d of %d (%s rows)", number, len(months), f"{len(frame):,}")
    labels_all, scores_all, test = (np.concatenate(parts) for parts in (labels, scores, tested))
    card.metrics = {
        "train_out_of_fold": binary_metrics(y, oof, threshold).to_dict(),
        "train": binary_metrics(labels_all[~test], scores_all[~test], threshold).to_dict(),
        "test": binary_metrics(labels_all[test], scores_all[test], threshold).to_dict(),
    }
    return card


def _card(
    months: pd.DataFrame, split: MonthSplit, config: FraudConfig, share: float, train_rows: int
) -> ModelCard:
    """The model card before its metrics (the version depends on the data, not on them)."""
    sample = (
        f"; trained on a uniform random {share:.1%} of the training rows ({train_rows:,}, the "
        f"max_train_rows cap), every transaction scored"
        if share < 1.0
        else ""
    )
    last_at = pd.Timestamp(months["last_at"].max())
    return ModelCard(
        model_name=MODEL_NAME,
        algorithm="sklearn.ensemble.HistGradientBoostingClassifier",
        purpose="Probability that a transaction is confirmed fraud, scored at transaction time.",
        label="fact_transactions.is_fraud (confirmed chargeback outcome)",
        features=FRAUD_FEATURES.columns,
        params=asdict(config),
        train_window=split.train_window(),
        test_window=split.test_window(last_at.date()),
        split=(
            f"by month: train on the first {len(split.fit_months) + 1} months, threshold from "
            f"their out-of-fold scores (folds = whole months, precision >= "
            f"{config.target_precision}), test on the last {config.test_months}{sample}"
        ),
        metrics={},
        data={
            "rows": int(months["rows"].sum()),
            "fraud_rows": int(months["fraud_rows"].sum()),
            "training_rows": train_rows,
            "first_transaction": str(pd.Timestamp(months["first_at"].min())),
            "last_transaction": str(last_at),
        },
        limitations=[
            "Trained once per run on the months before the test window; scores of later "
            "transactions are out-of-time predictions.",
            "Device fingerprints are not in gold.fact_transactions, so device novelty is not a "
            "feature; IP-country novelty stands in for it.",
        ],
    )
