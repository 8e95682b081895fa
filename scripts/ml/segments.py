"""Customer segments: RFM scores and a 5-cluster k-means, labelled in words.

R, F and M scores are quintiles (1-5, 5 best: recent, frequent, high value). k-means
(scikit-learn, fixed seed) clusters the standardised log recency, frequency and monetary
value. Clusters are named from their centres, so a name means the same on every run:
the best overall is "Champions", the weakest "Hibernating", of the rest the least recent
"At risk", then by value "Loyal" and "Promising".
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from scripts.ml.registry import ModelCard, Window

log = logging.getLogger("financial_analytics.ml.segments")

MODEL_NAME = "customer_segments"
FEATURES = ["log_recency_days", "log_frequency", "log_monetary"]


@dataclass(frozen=True)
class SegmentConfig:
    clusters: int = 5
    n_init: int = 10
    random_state: int = 42


@dataclass
class SegmentResult:
    scores: pd.DataFrame
    card: ModelCard


def quintile_score(values: pd.Series, higher_is_better: bool = True) -> np.ndarray:
    """1-5 by rank (ties share the first rank), 5 for the best fifth."""
    ranks = values.rank(method="min", pct=True, ascending=higher_is_better)
    return np.clip(np.ceil(ranks * 5), 1, 5).astype(int)


def name_clusters(centres: pd.DataFrame) -> dict[int, str]:
    """Words for clusters from their mean R, F, M scores (index: cluster id)."""
    value = (centres["f_score"] + centres["m_score"]) / 2
    overall = centres["r_score"] + value
    names: dict[int, str] = {}
    remaining = list(centres.index)
    champion = max(remaining, key=lambda c: (overall[c], c))
    names[champion] = "Champions"
    remaining.remove(champion)
    hibernating = min(remaining, key=lambda c: (overall[c], c))
    names[hibernating] = "Hibernating"
    remaining.remove(hibernating)
    at_risk = min(remaining, key=lambda c: (centres.loc[c, "r_score"], c))
    names[at_risk] = "At risk"
    remaining.remove(at_risk)
    ordered = sorted(remaining, key=lambda c: (value[c], c), reverse=True)
    for cluster, label in zip(ordered, ["Loyal", "Promising", "Needs attention"], strict=False):
        names[cluster] = label
    return names


def train_and_score(frame: pd.DataFrame, config: SegmentConfig | None = None) -> SegmentResult:
    config = config or SegmentConfig()
    data = frame.copy()
    data["r_score"] = quintile_score(data["recency_days"], higher_is_better=False)
    data["f_score"] = quintile_score(data["frequency_count"])
    data["m_score"] = quintile_score(data["monetary_amount"])
    data["log_recency_days"] = np.log1p(data["recency_days"].clip(lower=0))
    data["log_frequency"] = np.log1p(data["frequency_count"])
    data["log_monetary"] = np.log1p(data["monetary_amount"].clip(lower=0))
    x = StandardScaler().fit_transform(data[FEATURES].to_numpy(dtype=float))
    kmeans = KMeans(
        n_clusters=config.clusters, n_init=config.n_init, random_state=config.random_state
    )
    raw = kmeans.fit_predict(x)
    centres = data.assign(cluster=raw).groupby("cluster")[["r_score", "f_score", "m_score"]].mean()
    # stable ids: order clusters by overall score so cluster 1 is always the best
    order = (centres["r_score"] + centres["f_score"] + centres["m_score"]).sort_values(
        ascending=False
    )
    renumber = {old: new for new, old in enumerate(order.index, start=1)}
    data["cluster_id"] = pd.Series(raw).map(renumber).to_numpy()
    centres.index = centres.index.map(renumber)
    names = name_clusters(centres)
    data["segment_label"] = data["cluster_id"].map(names)
    silhouette = (
        round(float(silhouette_score(x, raw, sample_size=min(len(x), 5000), random_state=0)), 6)
        if len(x) > config.clusters
        else None
    )
    profile = (
        data.groupby("segment_label")
        .agg(
            customers=("customer_id", "size"),
            mean_recency_days=("recency_days", "mean"),
            mean_frequency=("frequency_count", "mean"),
            mean_monetary=("monetary_amount", "mean"),
        )
        .round(2)
        .reset_index()
        .to_dict(orient="records")
    )
    as_of = pd.Timestamp(data["as_of_date"].max()).date()
    card = ModelCard(
        model_name=MODEL_NAME,
        algorithm="sklearn.cluster.KMeans",
        purpose="Five behavioural customer segments from recency, frequency and monetary value.",
        label="none (unsupervised)",
        features=FEATURES,
        params=asdict(config),
        train_window=Window(as_of - pd.Timedelta(days=365).to_pytimedelta(), as_of),
        test_window=Window(None, None),
        split="none: clustering describes the current customer base",
        metrics={
            "inertia": round(float(kmeans.inertia_), 4),
            "silhouette": silhouette,
            "segments": profile,
        },
        data={"customers": len(data), "as_of_date": as_of.isoformat()},
        limitations=[
            "Segments are re-estimated each run; labels follow the centres, ids follow rank."
        ],
    )
    log.info("segments: %d customers, silhouette %s", len(data), silhouette)
    scores = pd.DataFrame(
        {
            "customer_id": data["customer_id"],
            "recency_days": data["recency_days"].astype(int),
            "frequency_count": data["frequency_count"].astype(int),
            "monetary_amount": data["monetary_amount"].round(2),
            "r_score": data["r_score"],
            "f_score": data["f_score"],
            "m_score": data["m_score"],
            "cluster_id": data["cluster_id"].astype(int),
            "segment_label": data["segment_label"],
            "as_of_date": as_of,
            "model_version": card.model_version,
        }
    )
    return SegmentResult(scores=scores, card=card)
