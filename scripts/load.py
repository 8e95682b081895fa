"""Load generated batches into the bronze schema with PostgreSQL COPY.

    python -m scripts.load [--data-dir data] [--batch b0002] [--reload]

A batch is a folder ``<data-dir>/batches/<batch_id>/`` holding ``batch.json`` and one CSV
file per table of the bronze contract (scripts/bronze_schema.py). Each batch loads in ONE
transaction: every table, the load log and the manifest commit together or not at all,
so a failed or killed load leaves bronze exactly as it was.

Why the files are streamed as they are: the CSV bytes go to ``COPY ... FROM STDIN``
untouched, so the client does no parsing or encoding and the loader runs at the speed
of the server's COPY. The batch id is stamped by a column default that reads a
transaction-local setting, not by rewriting the file.

The batch and its simulated extract time ("as_of") are recorded in bronze.batches.
Batches load in order. A batch already loaded is skipped; ``--reload`` replaces the
newest loaded batch (re-running the same batch never duplicates rows).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg2
import psycopg2.extensions
from tqdm import tqdm

from scripts.bronze_schema import ALL_TABLES, SCHEMA, Table
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import connect

log = logging.getLogger("financial_analytics.load")

BATCH_SETTING = "financial_analytics.batch_id"
LOADED_AT_SETTING = "financial_analytics.loaded_at"
COPY_BUFFER_BYTES = 1 << 20

LOAD_LOG_DDL = f"""
create table if not exists {SCHEMA}.load_log (
    batch_id text not null,
    table_name text not null,
    rows_loaded bigint,
    started_at timestamptz not null,
    finished_at timestamptz,
    status text not null check (status in ('succeeded', 'failed')),
    message text
)"""

BATCHES_DDL = f"""
create table if not exists {SCHEMA}.batches (
    batch_id text primary key,
    kind text not null,
    as_of timestamptz not null,
    loaded_at timestamptz not null default now()
)"""

MANIFEST_DDL = f"""
create table if not exists {SCHEMA}._manifest (
    batch_id text primary key,
    manifest jsonb not null,
    loaded_at timestamptz not null default now()
)"""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    folder: Path
    kind: str
    as_of: str
    row_counts: dict[str, int]

    @classmethod
    def read(cls, folder: Path) -> Batch:
        meta_path = folder / "batch.json"
        try:
            meta = json.loads(meta_path.read_text())
            return cls(
                batch_id=meta["batch_id"],
                folder=folder,
                kind=meta.get("kind", "unknown"),
                as_of=meta["as_of"],
                row_counts={name: int(rows) for name, rows in meta["tables"].items()},
            )
        except FileNotFoundError as exc:
            raise UserError(f"{meta_path} is missing: is {folder} a generated batch?") from exc
        except (KeyError, ValueError, TypeError) as exc:
            raise UserError(f"{meta_path} is malformed ({exc})") from exc

    def csv_path(self, table: Table) -> Path:
        return self.folder / f"{table.name}.csv"

    @property
    def size_bytes(self) -> int:
        return sum(self.csv_path(t).stat().st_size for t in ALL_TABLES if self.csv_path(t).exists())


class ProgressReader:
    """File wrapper that advances a progress bar as COPY reads from it."""

    def __init__(self, handle: IO[bytes], bar: tqdm) -> None:
        self._handle = handle
        self._bar = bar

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._bar.update(len(chunk))
        return chunk

    def readline(self, size: int = -1) -> bytes:
        line = self._handle.readline(size)
        self._bar.update(len(line))
        return line


def discover_batches(data_dir: Path) -> list[Batch]:
    root = data_dir / "batches"
    if not root.is_dir():
        raise UserError(f"no batches under {root}: run `make generate` first")
    batches = [Batch.read(folder) for folder in sorted(root.iterdir()) if folder.is_dir()]
    if not batches:
        raise UserError(f"no batches under {root}: run `make generate` first")
    return batches


def ensure_bronze(conn: psycopg2.extensions.connection) -> None:
    """Create the bronze schema, tables, load log and manifest table if missing."""
    with conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('financial_analytics.bronze_ddl'))")
        cur.execute(f"create schema if not exists {SCHEMA}")
        for table in ALL_TABLES:
            cur.execute(table.ddl())
            # Stamp each row with the batch of the transaction that COPYs it, and with a
            # load time taken once the load lock is held (see load_batch).
            cur.execute(
                f"alter table {SCHEMA}.{table.name} "
                f"alter column _batch_id set default current_setting('{BATCH_SETTING}'), "
                f"alter column _loaded_at set default current_setting('{LOADED_AT_SETTING}')::timestamptz"
            )
        cur.execute(LOAD_LOG_DDL)
        cur.execute(BATCHES_DDL)
        cur.execute(MANIFEST_DDL)


def loaded_batches(conn: psycopg2.extensions.connection) -> list[str]:
    with conn, conn.cursor() as cur:
        cur.execute(
            f"select distinct batch_id from {SCHEMA}.load_log where status = 'succeeded' "
            "order by batch_id"
        )
        return [row[0] for row in cur.fetchall()]


def check_header(batch: Batch, table: Table) -> None:
    path = batch.csv_path(table)
    if not path.exists():
        raise UserError(
            f"{path} is missing (batch {batch.batch_id} lists no file for {table.name})"
        )
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8").strip()
    expected = ",".join(table.column_names)
    if header != expected:
        raise UserError(
            f"{path}: header does not match the bronze contract "
            f"(expected {expected!r}, found {header!r})"
        )


def copy_table(cur: psycopg2.extensions.cursor, batch: Batch, table: Table, bar: tqdm) -> int:
    """COPY one CSV file into its bronze table; returns the rows copied."""
    target = f"{SCHEMA}.{table.name}"
    if table.mode == "replace":
        cur.execute(f"truncate {target}")
    else:
        cur.execute(f"delete from {target} where _batch_id = %s", (batch.batch_id,))
    columns = ", ".join(table.column_names)
    sql = f"copy {target} ({columns}) from stdin with (format csv, header true)"
    with batch.csv_path(table).open("rb") as handle:
        cur.copy_expert(sql, ProgressReader(handle, bar), size=COPY_BUFFER_BYTES)
    return cur.rowcount


def describe_copy_error(batch: Batch, table: Table, exc: psycopg2.Error) -> str:
    first = (exc.pgerror or str(exc)).strip().splitlines()[0]
    context = exc.diag.context.splitlines()[0] if exc.diag and exc.diag.context else ""
    where = f" ({context})" if context else ""
    return f"{batch.csv_path(table)}: {first}{where}"


def load_batch(
    conn: psycopg2.extensions.connection, batch: Batch, manifest: dict | None
) -> dict[str, int]:
    """Load one batch in a single transaction and return the rows per table."""
    for table in ALL_TABLES:
        check_header(batch, table)
    counts: dict[str, int] = {}
    started = time.monotonic()
    bar = tqdm(
        total=batch.size_bytes,
        unit="B",
        unit_scale=True,
        desc=f"load {batch.batch_id}",
        disable=None,
        leave=False,
    )
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select pg_advisory_xact_lock(hashtext('financial_analytics.bronze_load'))")
            cur.execute("select set_config(%s, %s, true)", (BATCH_SETTING, batch.batch_id))
            # Loads are serialised by the lock above, so a load time read after it is later
            # than every committed load: _loaded_at grows in commit order, and incremental
            # models can take `loaded_at > max(loaded_at)` without missing a late commit.
            cur.execute(
                "select set_config(%s, clock_timestamp()::text, true)", (LOADED_AT_SETTING,)
            )
            cur.execute(f"delete from {SCHEMA}.load_log where batch_id = %s", (batch.batch_id,))
            for table in ALL_TABLES:
                table_started = time.monotonic()
                try:
                    counts[table.name] = copy_table(cur, batch, table, bar)
                except psycopg2.DataError as exc:
                    raise UserError(
                        f"batch {batch.batch_id} not loaded, bronze unchanged: "
                        f"{describe_copy_error(batch, table, exc)}"
                    ) from exc
                expected = batch.row_counts.get(table.name)
                if expected is not None and expected != counts[table.name]:
                    raise UserError(
                        f"batch {batch.batch_id} not loaded, bronze unchanged: "
                        f"{batch.csv_path(table)} has {counts[table.name]} rows, "
                        f"batch.json says {expected}"
                    )
                cur.execute(
                    f"insert into {SCHEMA}.load_log "
                    "(batch_id, table_name, rows_loaded, started_at, finished_at, status) "
                    "values (%s, %s, %s, now() - make_interval(secs => %s), clock_timestamp(), "
                    "'succeeded')",
                    (
                        batch.batch_id,
                        table.name,
                        counts[table.name],
                        time.monotonic() - table_started,
                    ),
                )
            # The source systems' clock at extract time: the simulated "now" of the batch.
            cur.execute(
                f"insert into {SCHEMA}.batches (batch_id, kind, as_of) values (%s, %s, %s) "
                "on conflict (batch_id) do update set kind = excluded.kind, as_of = excluded.as_of, "
                "loaded_at = now()",
                (batch.batch_id, batch.kind, batch.as_of),
            )
            if manifest is not None:
                cur.execute(
                    f"insert into {SCHEMA}._manifest (batch_id, manifest) values (%s, %s) "
                    "on conflict (batch_id) do update set manifest = excluded.manifest, "
                    "loaded_at = now()",
                    (batch.batch_id, json.dumps(manifest)),
                )
    except Exception as exc:
        record_failure(conn, batch, exc)
        raise
    finally:
        bar.close()
    seconds = time.monotonic() - started
    total = sum(counts.values())
    log.info(
        "batch %s (%s, as of %s): %s rows in %.1f s (%.0f rows/s)",
        batch.batch_id,
        batch.kind,
        batch.as_of,
        f"{total:,}",
        seconds,
        total / seconds if seconds else 0,
    )
    return counts


def record_failure(conn: psycopg2.extensions.connection, batch: Batch, exc: BaseException) -> None:
    """Write the failure to the load log in its own transaction (the batch rolled back)."""
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                f"insert into {SCHEMA}.load_log (batch_id, table_name, started_at, status, message) "
                "values (%s, '*', now(), 'failed', %s)",
                (batch.batch_id, str(exc)[:2000]),
            )
    except psycopg2.Error:
        log.warning("could not record the failure of batch %s in the load log", batch.batch_id)


def analyze(conn: psycopg2.extensions.connection) -> None:
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for table in ALL_TABLES:
                cur.execute(f"analyze {SCHEMA}.{table.name}")
    finally:
        conn.autocommit = False


def read_manifest(data_dir: Path) -> dict | None:
    path = data_dir / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not valid JSON ({exc})") from exc


def plan(batches: list[Batch], done: list[str], wanted: list[str], reload: bool) -> list[Batch]:
    """Which batches to load, in order, refusing anything that would break the sequence."""
    by_id = {b.batch_id: b for b in batches}
    for batch_id in wanted:
        if batch_id not in by_id:
            raise UserError(f"batch {batch_id} not found (have: {', '.join(by_id)})")
    if reload:
        if not wanted:
            raise UserError("--reload needs --batch BATCH_ID (the newest loaded batch)")
        newest = done[-1] if done else None
        for batch_id in wanted:
            if batch_id != newest:
                raise UserError(
                    f"only the newest loaded batch can be reloaded ({newest or 'none loaded'}); "
                    f"reloading {batch_id} would rewind current-state tables"
                )
        return [by_id[b] for b in wanted]
    pending = [b for b in batches if b.batch_id not in done]
    if wanted:
        pending = [b for b in pending if b.batch_id in wanted]
        skipped = [b for b in wanted if b in done]
        for batch_id in skipped:
            log.info("batch %s is already loaded: skipping (use --reload to replace it)", batch_id)
    if pending and done and pending[0].batch_id < done[-1]:
        raise UserError(
            f"batch {pending[0].batch_id} is older than the newest loaded batch {done[-1]}; "
            "start from an empty warehouse (make clean-db) to load history again"
        )
    return pending


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.load",
        description="Load generated batches into bronze with COPY, one transaction per batch.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data"),
        help="generator output (default: %(default)s)",
    )
    parser.add_argument(
        "--batch", action="append", default=[], help="load only this batch id (repeatable)"
    )
    parser.add_argument("--reload", action="store_true", help="replace the newest loaded batch")
    add_logging_args(parser)
    return parser


def load_all(data_dir: Path, wanted: Sequence[str] = (), reload: bool = False) -> int:
    """Load the pending (or wanted) batches of data_dir; returns how many were loaded."""
    batches = discover_batches(data_dir)
    manifest = read_manifest(data_dir)
    conn = connect()
    try:
        ensure_bronze(conn)
        todo = plan(batches, loaded_batches(conn), list(wanted), reload)
        if not todo:
            log.info("nothing to load: every batch in %s is already in bronze", data_dir)
            return 0
        for batch in todo:
            load_batch(conn, batch, manifest)
        analyze(conn)
    finally:
        conn.close()
    return len(todo)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level)
    load_all(args.data_dir, args.batch, args.reload)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
