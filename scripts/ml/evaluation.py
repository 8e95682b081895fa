"""Metrics of a binary classifier on its test window, and the choice of its threshold."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
)


@dataclass(frozen=True)
class BinaryMetrics:
    rows: int
    positives: int
    roc_auc: float | None
    average_precision: float | None
    threshold: float
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    true_negatives: int
    false_negatives: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def binary_metrics(y_true: np.ndarray, score: np.ndarray, threshold: float) -> BinaryMetrics:
    y_true = np.asarray(y_true, dtype=bool)
    predicted = np.asarray(score) >= threshold
    both = len(np.unique(y_true)) == 2
    tn, fp, fn, tp = confusion_matrix(y_true, predicted, labels=[False, True]).ravel()
    return BinaryMetrics(
        rows=len(y_true),
        positives=int(y_true.sum()),
        roc_auc=_round(roc_auc_score(y_true, score)) if both else None,
        average_precision=_round(average_precision_score(y_true, score)) if both else None,
        threshold=_round(threshold),
        precision=_round(tp / (tp + fp)) if tp + fp else 0.0,
        recall=_round(tp / (tp + fn)) if tp + fn else 0.0,
        true_positives=int(tp),
        false_positives=int(fp),
        true_negatives=int(tn),
        false_negatives=int(fn),
    )


def brier_score(y_true: np.ndarray, probability: np.ndarray) -> float | None:
    """Mean squared error of the probabilities (0 is perfect; the base rate's own is p(1-p))."""
    y_true = np.asarray(y_true, dtype=bool)
    return _round(brier_score_loss(y_true, probability)) if len(y_true) else None


def reliability_bins(
    y_true: np.ndarray, probability: np.ndarray, bins: int = 5
) -> list[dict[str, float | int]]:
    """The reliability curve: rows sorted by probability into equal-count bins, each with its
    mean predicted probability and the observed share of positives (calibrated: equal)."""
    y_true = np.asarray(y_true, dtype=bool)
    probability = np.asarray(probability, dtype=float)
    order = np.argsort(probability, kind="stable")
    out: list[dict[str, float | int]] = []
    for part in np.array_split(order, min(bins, len(order))):
        if len(part):
            out.append(
                {
                    "rows": len(part),
                    "mean_predicted": round(float(probability[part].mean()), 6),
                    "observed_rate": round(float(y_true[part].mean()), 6),
                }
            )
    return out


def top_decile_lift(y_true: np.ndarray, score: np.ndarray) -> float | None:
    """Positive rate among the 10% highest scores over the overall positive rate."""
    y_true = np.asarray(y_true, dtype=bool)
    if not len(y_true) or not y_true.any():
        return None
    top = np.argsort(-np.asarray(score, dtype=float), kind="stable")[: max(1, len(y_true) // 10)]
    return _round(y_true[top].mean() / y_true.mean(), 4)


def threshold_for_precision(
    y_true: np.ndarray, score: np.ndarray, min_precision: float, fallback: float = 0.5
) -> float:
    """The lowest threshold from which on precision stays at or above min_precision.

    "Stays": every higher threshold also reaches the target, so a lucky spike of the
    precision-recall curve at a low threshold cannot set the operating point. Chosen on a
    validation slice of the training window, never on the test window, so the test metrics
    are an honest estimate of what the operating point delivers.
    """
    y_true = np.asarray(y_true, dtype=bool)
    if y_true.sum() == 0:
        return fallback
    precision, _, thresholds = precision_recall_curve(y_true, score)
    below = np.flatnonzero(precision[:-1] < min_precision)
    if len(below) == 0:
        return float(thresholds[0])
    if below[-1] + 1 >= len(thresholds):
        return float(thresholds[-1])
    return float(thresholds[below[-1] + 1])
