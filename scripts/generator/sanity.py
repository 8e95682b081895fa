"""Quick learnability checks of the planted fraud and churn signals (not part of the pipeline).

    python -m scripts.generator.sanity --data-dir data

Fraud: card purchases of the initial batch, features a bank knows at transaction time
(hour, channel, card present, merchant risk and age, amount vs the customer's previous
purchases, trailing-hour velocity, foreign IP, unseen device), HistGradientBoosting trained
on the earlier two thirds of the months and scored on the rest. Churn: customers active at
monthly snapshots (from the fourth month), features from the 90 days before each snapshot
(activity trend, complaints, fees, tenure), label = churn within the next 60 days;
ROC-AUC of 5-fold cross-validation grouped by customer.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import precision_recall_curve, roc_auc_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from scripts.cli import add_logging_args, run, setup_logging

log = logging.getLogger("financial_analytics.sanity")


INCOME = ["SALARY", "PENSION", "BENEFIT", "ALLOWANCE"]


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


def clean_transactions(folder: Path) -> pd.DataFrame:
    t = _read(folder, "transactions").drop_duplicates("transaction_id")
    t = t.dropna(subset=["account_id", "transaction_time", "amount", "transaction_type", "status"])
    for col in ("transaction_type", "channel", "status"):
        t[col] = t[col].str.strip().str.lower()
    t["time"] = pd.to_datetime(t["transaction_time"], format="ISO8601", utc=True, errors="coerce")
    t["amount"] = pd.to_numeric(t["amount"], errors="coerce")
    return t.dropna(subset=["time", "amount"])


def fraud_features(folder: Path) -> pd.DataFrame:
    t = clean_transactions(folder)
    t = t[t["transaction_type"] == "purchase"].copy()
    m = _read(folder, "merchants").drop_duplicates("merchant_id").set_index("merchant_id")
    t = t.sort_values(["customer_id", "time"]).reset_index(drop=True)
    t["hour"] = t["time"].dt.hour
    t["is_online"] = t["channel"].isin(["online", "mobile"]).astype(int)
    t["card_present"] = (t["card_present"] == "true").astype(int)
    t["amount_abs"] = t["amount"].abs()
    risk = m["risk_level"].str.strip().str.lower().map({"low": 0, "medium": 1, "high": 2})
    t["merchant_risk"] = t["merchant_id"].map(risk).fillna(-1)
    onboarded = pd.to_datetime(m["onboarded_date"], errors="coerce")
    t["merchant_age_days"] = (
        t["time"].dt.tz_localize(None) - t["merchant_id"].map(onboarded)
    ).dt.days
    prev_median = t.groupby("customer_id")["amount_abs"].transform(
        lambda s: s.shift(1).rolling(30, min_periods=3).median()
    )
    t["amount_vs_norm"] = t["amount_abs"] / prev_median
    t["foreign_ip"] = (t["ip_country"].notna() & (t["ip_country"] != "US")).astype(int)
    has_device = t["device_id"].notna()
    seen = t[has_device].groupby(["customer_id", "device_id"]).cumcount()
    t["new_device"] = 0
    t.loc[has_device, "new_device"] = (seen == 0).astype(int)
    secs = (t["time"] - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    t["_s"] = secs
    counts = np.zeros(len(t))
    for _, idx in t.groupby("account_id").indices.items():
        s = secs.to_numpy()[idx]
        counts[idx] = np.arange(len(s)) - np.searchsorted(s, s - 3600, side="left") + 1
    t["txn_last_hour"] = counts
    gap = t.groupby("customer_id")["_s"].diff()
    t["secs_since_prev"] = gap.fillna(1e7)
    t["label"] = (t["is_fraud"] == "true").astype(int)
    return t


FRAUD_FEATURES = [
    "hour",
    "is_online",
    "card_present",
    "amount_abs",
    "merchant_risk",
    "merchant_age_days",
    "amount_vs_norm",
    "foreign_ip",
    "new_device",
    "txn_last_hour",
    "secs_since_prev",
]


def precision_at_recall(y: np.ndarray, score: np.ndarray, recall_floor: float) -> float:
    precision, recall, _ = precision_recall_curve(y, score)
    return float(precision[recall >= recall_floor].max())


def fraud_check(folder: Path) -> dict[str, float]:
    t = fraud_features(folder)
    months = t["time"].dt.month
    cut = months.min() + round((months.max() - months.min() + 1) * 2 / 3)
    train, test = t[months < cut], t[months >= cut]
    model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.08, random_state=0)
    model.fit(train[FRAUD_FEATURES], train["label"])
    score = model.predict_proba(test[FRAUD_FEATURES])[:, 1]
    y = test["label"].to_numpy()
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "test_fraud": int(y.sum()),
        "roc_auc": round(float(roc_auc_score(y, score)), 4),
        "precision_at_recall_0.60": round(precision_at_recall(y, score, 0.60), 4),
    }


def churn_check(
    folder: Path, start: pd.Timestamp, end: pd.Timestamp, horizon_days: int = 60
) -> dict[str, float]:
    """Monthly snapshots from month 4 on: who churns in the next ``horizon_days``?"""
    t = clean_transactions(folder)
    truth = _read(folder, "_truth_churn").set_index("customer_id")
    churn_date = pd.to_datetime(truth["churn_date"], utc=True)
    cust = _read(folder, "customers").drop_duplicates("customer_id").set_index("customer_id")
    created = pd.to_datetime(cust["created_at"], format="ISO8601", utc=True, errors="coerce")
    inter = _read(folder, "customer_interactions")
    inter["time"] = pd.to_datetime(
        inter["interaction_time"], format="ISO8601", utc=True, errors="coerce"
    )
    inter["interaction_type"] = inter["interaction_type"].str.strip().str.lower()
    own = t[~t["description"].isin([*INCOME, "STANDING ORDER", "ACCOUNT CLOSURE"])]
    frames = []
    cutoffs = pd.date_range(
        start + pd.DateOffset(months=3), end - pd.Timedelta(days=horizon_days), freq="MS"
    )
    for cutoff in cutoffs:
        alive = truth.index[(churn_date.isna() | (churn_date >= cutoff)).to_numpy()]
        alive = alive[(created.reindex(alive) < cutoff - pd.Timedelta(days=90)).to_numpy()]
        day = pd.Timedelta(days=1)
        window = own[(own["time"] < cutoff) & (own["time"] >= cutoff - 90 * day)]
        recent = window[window["time"] >= cutoff - 30 * day].groupby("customer_id").size()
        older = window[window["time"] < cutoff - 30 * day].groupby("customer_id").size()
        fees = t[
            (t["time"] < cutoff)
            & (t["time"] >= cutoff - 90 * day)
            & (t["transaction_type"] == "fee")
        ]
        past = inter[(inter["time"] < cutoff) & (inter["time"] >= cutoff - 180 * day)]
        complaints = (
            past[past["interaction_type"].isin(["complaint", "fee_dispute"])]
            .groupby("customer_id")
            .size()
        )
        f = pd.DataFrame(index=alive)
        f["recent"] = recent.reindex(alive).fillna(0)
        f["older"] = older.reindex(alive).fillna(0) / 2
        f["trend"] = (f["recent"] + 1) / (f["older"] + 1)
        f["fees"] = fees.groupby("customer_id").size().reindex(alive).fillna(0)
        f["complaints"] = complaints.reindex(alive).fillna(0)
        income = t[
            (t["time"] < cutoff) & (t["time"] >= cutoff - 40 * day) & t["description"].isin(INCOME)
        ]
        f["income_deposits_40d"] = income.groupby("customer_id").size().reindex(alive).fillna(0)
        f["tenure_days"] = (cutoff - created.reindex(alive)).dt.days
        f["label"] = (
            churn_date.reindex(alive).between(cutoff, cutoff + horizon_days * day).astype(int)
        )
        frames.append(f)
    data = pd.concat(frames)
    groups = pd.factorize(data.index)[0]
    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_depth=3, random_state=0
    )
    features = data.drop(columns="label")
    score = cross_val_predict(
        model,
        features,
        data["label"],
        cv=GroupKFold(n_splits=5),
        groups=groups,
        method="predict_proba",
    )[:, 1]
    return {
        "snapshots": len(cutoffs),
        "rows": len(data),
        "positives": int(data["label"].sum()),
        "horizon_days": horizon_days,
        "roc_auc": round(float(roc_auc_score(data["label"], score)), 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.generator.sanity", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    doc = json.loads((args.data_dir / "manifest.json").read_text())
    run_params = doc["parameters"]["run"]
    folder = args.data_dir / "batches" / "b0001"
    start = pd.Timestamp(run_params["start_date"], tz="UTC")
    end = pd.Timestamp(run_params["end_date"], tz="UTC")
    log.info("fraud: %s", fraud_check(folder))
    log.info("churn: %s", churn_check(folder, start, end))
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
