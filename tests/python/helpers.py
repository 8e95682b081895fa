"""Helpers shared by the Python tests."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions

from scripts.connection import ConnectionSettings
from scripts.pipeline import PipelineOptions

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Warehouse:
    options: PipelineOptions
    settings: ConnectionSettings

    @property
    def manifest(self) -> dict:
        return json.loads((self.options.data_dir / "manifest.json").read_text())


def run_module(
    module: str, *args: str, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run one of the project's CLIs as a user would, capturing its output."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{module} {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result


# Load times are wall-clock and differ between runs by design, so content comparisons
# leave out every column named *loaded_at; everything else must be identical.
WALL_CLOCK_SUFFIX = "loaded_at"


def table_fingerprints(
    conn: psycopg2.extensions.connection, schemas: tuple[str, ...]
) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content hash of every table in the schemas."""
    with conn.cursor() as cur:
        cur.execute(
            "select table_schema, table_name, "
            "array_agg(quote_ident(column_name::text) order by ordinal_position) "
            "from information_schema.columns "
            "where table_schema = any(%s) and column_name not like %s "
            "and (table_schema, table_name) in (select table_schema, table_name "
            "from information_schema.tables where table_type = 'BASE TABLE') "
            "group by 1, 2 order by 1, 2",
            (list(schemas), f"%{WALL_CLOCK_SUFFIX}"),
        )
        tables = cur.fetchall()
        fingerprints = {}
        for schema, table, columns in tables:
            row = ", ".join(columns)
            cur.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                f"from (select md5(row({row})::text) as h from {schema}.{table}) as hashed"
            )
            fingerprints[f"{schema}.{table}"] = cur.fetchone()
    return fingerprints


def scalar(conn: psycopg2.extensions.connection, statement: str, *params: object) -> object:
    """The first column of the first row of one query."""
    with conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchone()[0]
