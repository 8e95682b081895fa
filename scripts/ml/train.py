"""Train and score the models on gold; write scores, run records and model cards.

    python -m scripts.ml.train [--models churn fraud segments] [--card-dir reports/model_cards]
    python -m scripts.ml.train --init-only    # create the empty gold.ml_* tables only

Needs a built gold layer (dbt build). Afterwards rebuild the analytics models so they pick
the scores up: dbt build --select models/gold/analytics (make ml does both).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import psycopg2.extensions

from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings, connect
from scripts.ml import churn, features, fraud, segments, tables
from scripts.ml.registry import ModelCard, runs_frame

log = logging.getLogger("financial_analytics.ml.train")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CARD_DIR = REPO_ROOT / "reports" / "model_cards"
MODELS = ("churn", "fraud", "segments")
REQUIRED_RELATIONS = (
    "gold.features_transaction_risk",
    "gold.features_customer_month",
    "gold.fact_transactions",
    "gold.dim_customer",
)


def _check_gold(conn: psycopg2.extensions.connection) -> None:
    with conn.cursor() as cur:
        for relation in REQUIRED_RELATIONS:
            cur.execute("select to_regclass(%s)", (relation,))
            if cur.fetchone()[0] is None:
                raise UserError(
                    f"{relation} does not exist: run `make dbt-build` (or make demo) first"
                )


def _train_churn(conn: psycopg2.extensions.connection) -> ModelCard:
    result = churn.train_and_score(features.churn_frame(conn))
    tables.replace_rows(conn, tables.CHURN_SCORES, result.scores)
    return result.card


def _train_fraud(conn: psycopg2.extensions.connection) -> ModelCard:
    # transaction grain: read, scored and written a month at a time (bounded memory)
    with tables.replacing_rows(conn, tables.FRAUD_SCORES) as write_scores:
        return fraud.train_and_score_by_month(
            features.fraud_months(conn), partial(features.fraud_month_frame, conn), write_scores
        )


def _train_segments(conn: psycopg2.extensions.connection) -> ModelCard:
    result = segments.train_and_score(features.rfm_frame(conn))
    tables.replace_rows(conn, tables.CUSTOMER_SEGMENTS, result.scores)
    return result.card


TRAINERS: dict[str, Callable[[psycopg2.extensions.connection], ModelCard]] = {
    "churn": _train_churn,
    "fraud": _train_fraud,
    "segments": _train_segments,
}


def train(settings: ConnectionSettings, models: Sequence[str], card_dir: Path) -> list[ModelCard]:
    conn = connect(settings)
    try:
        tables.ensure_tables(conn)
        _check_gold(conn)
        cards: list[ModelCard] = []
        runs = []
        for number, name in enumerate(models, start=1):
            # one line per model when it starts and one when it is done: training takes
            # a minute or two at the default scale and should not look like a hang
            log.info("ml [%d/%d] %s: reading features and training", number, len(models), name)
            started = time.monotonic()
            try:
                card = TRAINERS[name](conn)
            except ValueError as exc:
                raise UserError(f"{name}: {exc}") from exc
            path = card.write(card_dir)
            log.info(
                "ml [%d/%d] %s: scored and written in %.1f s: %s",
                number,
                len(models),
                name,
                time.monotonic() - started,
                _summary(card),
            )
            runs.append(card.run_row(path))
            cards.append(card)
        if runs:
            tables.upsert_runs(conn, runs_frame(runs), [card.model_name for card in cards])
        return cards
    finally:
        conn.close()


def _summary(card: ModelCard) -> str:
    test = card.metrics.get("test")
    if not isinstance(test, dict):
        return f"silhouette {card.metrics.get('silhouette')}"
    brier = f", Brier {test['brier_score']}" if test.get("brier_score") is not None else ""
    return (
        f"test ROC-AUC {test['roc_auc']}{brier}, precision {test['precision']}, "
        f"recall {test['recall']} at {test['threshold']}"
    )


def init_tables(settings: ConnectionSettings) -> None:
    conn = connect(settings)
    try:
        tables.ensure_tables(conn)
    finally:
        conn.close()
    log.info("gold.ml_* tables exist in %s", settings.where())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.ml.train", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=MODELS,
        default=list(MODELS),
        help="models to train (default: all)",
    )
    parser.add_argument(
        "--card-dir", type=Path, default=DEFAULT_CARD_DIR, help="where model cards go"
    )
    parser.add_argument(
        "--init-only", action="store_true", help="only create the (empty) gold.ml_* tables"
    )
    add_logging_args(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level)
    settings = ConnectionSettings.from_env()
    if args.init_only:
        init_tables(settings)
        return 0
    train(settings, args.models, args.card_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
