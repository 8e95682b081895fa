"""The gold.ml_* tables: their DDL (the contract dbt declares as sources) and writers.

Python owns these four tables; dbt only reads them (models/gold/_gold__ml_sources.yml).
Each run replaces a table's content in one transaction, so a reader never sees half a
run. Scores are rounded so a re-run on the same inputs writes identical rows.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
import psycopg2.extensions
from psycopg2 import sql

log = logging.getLogger("financial_analytics.ml.tables")

SCHEMA = "gold"
READER_ROLE = "analyst"


@dataclass(frozen=True)
class MlTable:
    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def ddl(self) -> str:
        body = ",\n".join(f"    {name} {kind}" for name, kind in self.columns)
        key = ", ".join(self.primary_key)
        return (
            f"create table if not exists {SCHEMA}.{self.name} (\n{body},\n"
            f"    primary key ({key})\n)"
        )


FRAUD_SCORES = MlTable(
    "ml_fraud_scores",
    (
        ("transaction_id", "text not null"),
        ("fraud_score", "numeric(7,6) not null"),
        ("is_flagged", "boolean not null"),
        ("threshold", "numeric(7,6) not null"),
        ("data_split", "text not null"),
        ("model_version", "text not null"),
    ),
    ("transaction_id",),
)

CHURN_SCORES = MlTable(
    "ml_churn_scores",
    (
        ("customer_id", "text not null"),
        ("churn_score", "numeric(7,6) not null"),
        ("churn_risk_band", "text not null"),
        ("top_driver", "text"),
        ("as_of_month_date", "date not null"),
        ("horizon_months", "integer not null"),
        ("model_version", "text not null"),
    ),
    ("customer_id",),
)

CUSTOMER_SEGMENTS = MlTable(
    "ml_customer_segments",
    (
        ("customer_id", "text not null"),
        ("recency_days", "integer not null"),
        ("frequency_count", "integer not null"),
        ("monetary_amount", "numeric(16,2) not null"),
        ("r_score", "integer not null"),
        ("f_score", "integer not null"),
        ("m_score", "integer not null"),
        ("cluster_id", "integer not null"),
        ("segment_label", "text not null"),
        ("as_of_date", "date not null"),
        ("model_version", "text not null"),
    ),
    ("customer_id",),
)

MODEL_RUNS = MlTable(
    "ml_model_runs",
    (
        ("model_version", "text not null"),
        ("model_name", "text not null"),
        ("algorithm", "text not null"),
        ("sklearn_version", "text not null"),
        ("feature_names", "text not null"),
        ("train_start_date", "date"),
        ("train_end_date", "date"),
        ("test_start_date", "date"),
        ("test_end_date", "date"),
        ("train_rows", "integer"),
        ("test_rows", "integer"),
        ("train_positive_rate", "numeric(9,6)"),
        ("test_positive_rate", "numeric(9,6)"),
        ("roc_auc", "numeric(9,6)"),
        ("average_precision", "numeric(9,6)"),
        # calibration: mean squared error of the test window's probabilities
        ("brier_score", "numeric(9,6)"),
        ("top_decile_lift", "numeric(9,4)"),
        ("threshold", "numeric(9,6)"),
        ("precision_at_threshold", "numeric(9,6)"),
        ("recall_at_threshold", "numeric(9,6)"),
        ("true_positives", "integer"),
        ("false_positives", "integer"),
        ("true_negatives", "integer"),
        ("false_negatives", "integer"),
        ("metrics_json", "jsonb not null"),
        ("card_path", "text not null"),
        # wall-clock time of the write; the only column that differs between re-runs
        ("loaded_at", "timestamptz not null default now()"),
    ),
    ("model_version",),
)
# columns added after the first release: an existing warehouse gets them on the next run
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {"ml_model_runs": ("brier_score", "top_decile_lift")}

ALL_TABLES: tuple[MlTable, ...] = (FRAUD_SCORES, CHURN_SCORES, CUSTOMER_SEGMENTS, MODEL_RUNS)


def ensure_tables(conn: psycopg2.extensions.connection) -> None:
    """Create the schema and the ml tables if missing, and let the reader role see them."""
    with conn.cursor() as cur:
        cur.execute(f"create schema if not exists {SCHEMA}")
        for table in ALL_TABLES:
            cur.execute(table.ddl())
            kinds = dict(table.columns)
            for column in ADDED_COLUMNS.get(table.name, ()):
                cur.execute(
                    f"alter table {SCHEMA}.{table.name} "
                    f"add column if not exists {column} {kinds[column]}"
                )
        cur.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,))
        if cur.fetchone():
            for table in ALL_TABLES:
                cur.execute(
                    sql.SQL("grant select on {}.{} to {}").format(
                        sql.Identifier(SCHEMA),
                        sql.Identifier(table.name),
                        sql.Identifier(READER_ROLE),
                    )
                )
    conn.commit()


def _copy_frame(cur: psycopg2.extensions.cursor, table: MlTable, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame[table.column_names].to_csv(buffer, index=False, header=False, na_rep="\\N")
    buffer.seek(0)
    columns = ", ".join(table.column_names)
    cur.copy_expert(
        f"copy {SCHEMA}.{table.name} ({columns}) from stdin with (format csv, null '\\N')",
        buffer,
    )


def replace_rows(conn: psycopg2.extensions.connection, table: MlTable, frame: pd.DataFrame) -> None:
    """Replace the table's content with ``frame`` (COPY), in one transaction."""
    with replacing_rows(conn, table) as write:
        write(frame)


@contextlib.contextmanager
def replacing_rows(
    conn: psycopg2.extensions.connection, table: MlTable
) -> Iterator[Callable[[pd.DataFrame], None]]:
    """Replace the table's content with the frames written inside the block (COPY each),
    in one transaction: readers see the old rows until it commits, and an error keeps them."""
    written = 0

    def write(frame: pd.DataFrame) -> None:
        nonlocal written
        with conn.cursor() as cur:
            _copy_frame(cur, table, frame)
        written += len(frame)

    try:
        with conn.cursor() as cur:
            cur.execute(f"delete from {SCHEMA}.{table.name}")
        yield write
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    log.debug("wrote %d rows to %s.%s", written, SCHEMA, table.name)


def upsert_runs(
    conn: psycopg2.extensions.connection, frame: pd.DataFrame, model_names: Sequence[str]
) -> None:
    """Keep one row per model version: a re-run of the same version replaces its row."""
    with conn.cursor() as cur:
        cur.execute(
            f"delete from {SCHEMA}.{MODEL_RUNS.name} where model_version = any(%s)",
            (list(frame["model_version"]),),
        )
        columns = [c for c in MODEL_RUNS.column_names if c != "loaded_at"]
        _copy_frame(cur, MlTable(MODEL_RUNS.name, tuple((c, "") for c in columns), ()), frame)
    conn.commit()
    log.debug("recorded runs of %s in %s.%s", ", ".join(model_names), SCHEMA, MODEL_RUNS.name)
