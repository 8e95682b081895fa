"""Model cards (JSON beside the reports) and the gold.ml_model_runs record of each run.

A model's version is a content hash of what defines it (name, algorithm, parameters,
features, training and test windows, and the size and label count of its data), so the
same inputs give the same version on every run and a changed input a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import sklearn

log = logging.getLogger("financial_analytics.ml.registry")

CARD_FORMAT = "financial_analytics.model_card/1"


@dataclass(frozen=True)
class Window:
    start: dt.date | None
    end: dt.date | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


@dataclass
class ModelCard:
    """What a reader needs to trust (or distrust) a model's scores."""

    model_name: str
    algorithm: str
    purpose: str
    label: str
    features: list[str]
    params: dict[str, object]
    train_window: Window
    test_window: Window
    split: str
    metrics: dict[str, object]
    data: dict[str, object]
    limitations: list[str] = field(default_factory=list)
    model_version: str = ""

    def __post_init__(self) -> None:
        if not self.model_version:
            self.model_version = self._version()

    def _version(self) -> str:
        identity = {
            "model_name": self.model_name,
            "algorithm": self.algorithm,
            "params": self.params,
            "features": self.features,
            "train_window": self.train_window.to_dict(),
            "test_window": self.test_window.to_dict(),
            "data": self.data,
            "sklearn": sklearn.__version__,
        }
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode())
        return f"{self.model_name}-{digest.hexdigest()[:12]}"

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["train_window"] = self.train_window.to_dict()
        out["test_window"] = self.test_window.to_dict()
        return {
            "format": CARD_FORMAT,
            "sklearn_version": sklearn.__version__,
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **out,
        }

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.model_name}.json"
        path.write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n")
        log.debug("model card %s -> %s", self.model_version, path)
        return path

    def run_row(self, card_path: Path) -> dict[str, object]:
        """The card as one gold.ml_model_runs row."""
        test = self.metrics.get("test", {})
        train = self.metrics.get("train", {})

        def metric(name: str) -> object:
            return test.get(name) if isinstance(test, dict) else None

        def rate(part: object) -> float | None:
            if not isinstance(part, dict) or not part.get("rows"):
                return None
            return round(float(part["positives"]) / float(part["rows"]), 6)

        return {
            "model_version": self.model_version,
            "model_name": self.model_name,
            "algorithm": self.algorithm,
            "sklearn_version": sklearn.__version__,
            "feature_names": ",".join(self.features),
            "train_start_date": self.train_window.start,
            "train_end_date": self.train_window.end,
            "test_start_date": self.test_window.start,
            "test_end_date": self.test_window.end,
            "train_rows": train.get("rows") if isinstance(train, dict) else None,
            "test_rows": metric("rows"),
            "train_positive_rate": rate(train),
            "test_positive_rate": rate(test),
            "roc_auc": metric("roc_auc"),
            "average_precision": metric("average_precision"),
            "brier_score": metric("brier_score"),
            "top_decile_lift": metric("top_decile_lift"),
            "threshold": metric("threshold"),
            "precision_at_threshold": metric("precision"),
            "recall_at_threshold": metric("recall"),
            "true_positives": metric("true_positives"),
            "false_positives": metric("false_positives"),
            "true_negatives": metric("true_negatives"),
            "false_negatives": metric("false_negatives"),
            "metrics_json": json.dumps(self.metrics, sort_keys=True, default=str),
            "card_path": str(card_path.name),
        }


def runs_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in (
        "train_rows",
        "test_rows",
        "true_positives",
        "false_positives",
        "true_negatives",
        "false_negatives",
    ):
        frame[column] = frame[column].astype("Int64")
    return frame
