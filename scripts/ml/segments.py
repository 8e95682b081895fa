"""Customer segments: RFM scores and a 5-cluster k-means, labelled in words.

R, F and M scores are quintiles (1-5, 5 best: recent, frequent, high value). k-means
(scikit-learn, fixed seed) clusters the standardised log recency, frequency and monetary
value. Clusters are named from their centres by a rule on ranks, so a name never
contradicts the numbers a reader sees (name_clusters):

1. Rank the clusters on their mean recency (fewest days = 1), mean frequency and mean
   monetary value (most = 1); the combined rank is the sum of the three.
2. Champions: the best combined rank (ties: the higher spender).
   Hibernating: the worst combined rank (ties: the lower spender).
3. Of the three in between, At risk: the least recent (most days since the last debit).
4. Of the last two, the better spender is Big spenders if it spends more than Champions
   or is the less frequent of the two, otherwise Loyal; the other is Loyal if it is the
   more frequent, otherwise Promising.

So Champions has the best combined rank, and a segment that spends more than Champions on
average is called Big spenders (or At risk, which says it is not recent), never Loyal or
Promising.
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


SEGMENT_LABELS = ("Champions", "Loyal", "Big spenders", "Promising", "At risk", "Hibernating")


def centroid_ranks(centres: pd.DataFrame) -> pd.DataFrame:
    """Ranks (1 = best) of each cluster's mean recency_days, frequency_count and
    monetary_amount, and their sum (combined)."""
    ranks = pd.DataFrame(
        {
            "r_rank": centres["recency_days"].rank(method="min", ascending=True),
            "f_rank": centres["frequency_count"].rank(method="min", ascending=False),
            "m_rank": centres["monetary_amount"].rank(method="min", ascending=False),
        },
        index=centres.index,
    )
    ranks["combined"] = ranks.sum(axis=1)
    return ranks


def name_clusters(centres: pd.DataFrame) -> dict[int, str]:
    """Words for clusters from their centres (index: cluster id; columns: mean
    recency_days, frequency_count, monetary_amount) by the rule in the module docstring."""
    ranks = centroid_ranks(centres)
    money = centres["monetary_amount"]
    names: dict[int, str] = {}
    remaining = list(centres.index)

    def take(cluster: int, name: str) -> None:
        names[cluster] = name
        remaining.remove(cluster)

    take(min(remaining, key=lambda c: (ranks.loc[c, "combined"], -money[c], c)), "Champions")
    if remaining:
        take(max(remaining, key=lambda c: (ranks.loc[c, "combined"], -money[c], c)), "Hibernating")
    if remaining:
        take(max(remaining, key=lambda c: (centres.loc[c, "recency_days"], c)), "At risk")
    if len(remaining) == 2:
        spender = min(remaining, key=lambda c: (ranks.loc[c, "m_rank"], c))
        other = next(c for c in remaining if c != spender)
        more_frequent = ranks.loc[spender, "f_rank"] <= ranks.loc[other, "f_rank"]
        outspends_champions = money[spender] > money[next(iter(names))]
        take(spender, "Loyal" if more_frequent and not outspends_champions else "Big spenders")
        take(other, "Promising" if more_frequent else "Loyal")
    for cluster in list(remaining):  # more than five clusters: numbered, never a misleading word
        take(cluster, f"Segment {cluster}")
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
    centres = (
        data.assign(cluster=raw)
        .groupby("cluster")[["recency_days", "frequency_count", "monetary_amount"]]
        .mean()
    )
    # stable ids: order clusters by combined rank so cluster 1 is always the best
    ranks = centroid_ranks(centres)
    order = sorted(
        centres.index,
        key=lambda c: (ranks.loc[c, "combined"], -centres.loc[c, "monetary_amount"], c),
    )
    renumber = {old: new for new, old in enumerate(order, start=1)}
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
            "naming_rule": "ranks of the clusters' mean recency, frequency and monetary value; "
            "Champions best combined rank, Hibernating worst, At risk least recent of the rest, "
            "then Big spenders / Loyal / Promising by value and frequency (scripts/ml/segments.py)",
            "centroid_ranks": (
                centroid_ranks(centres)
                .assign(segment_label=lambda f: f.index.map(names))
                .reset_index(names="cluster_id")
                .to_dict(orient="records")
            ),
        },
        data={"customers": len(data), "as_of_date": as_of.isoformat()},
        limitations=[
            "Segments are re-estimated each run; labels follow the centres, ids follow rank."
        ],
    )
    log.debug("segments: %d customers, silhouette %s", len(data), silhouette)
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
