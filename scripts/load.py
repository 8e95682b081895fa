"""Load generated batches into the bronze schema with PostgreSQL COPY.

    python -m scripts.load [--data-dir data] [--batch b0002] [--reload]

A batch is a folder ``<data-dir>/batches/<batch_id>/`` holding ``batch.json`` and one CSV
file per table of the bronze contract (scripts/bronze_schema.py). Each batch loads in ONE
transaction: every table, the load log and the manifest commit together or not at all,
so a failed or killed load leaves bronze exactly as it was.

Why the files are streamed as they are: the CSV bytes go to ``COPY ... FROM STDIN``
untouched, so the client does no parsing or encoding and the loader runs at the speed
of the server's COPY. The batch id is stamped by a column default that reads a
transaction-local setting, not by rewriting the file, and the load time by ``now()``, the
start of the batch's transaction, which begins once the load lock is held.

The batch, its data set and its simulated extract window (window_start, as_of) are
recorded in bronze.batches. Batches load in order. A batch already loaded is skipped;
``--reload`` replaces the newest loaded batch (re-running the same batch never duplicates
rows). Before anything is copied, every file is checked against the size and SHA-256 that
batch.json promises, and the batch against the data set bronze already holds.

A file whose COPY fails on malformed values (a NUL byte, an amount no column can hold) is
loaded again record by record (scripts/quarantine.py): its good rows reach bronze and each
malformed one is kept verbatim in bronze.load_quarantine with its line number and reason.
bronze.load_log keeps every attempt, failed ones included.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg2
import psycopg2.extensions
from tqdm import tqdm

from scripts.batch_integrity import file_mismatch
from scripts.bronze_schema import ALL_TABLES, SCHEMA, Table
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings, DatabaseUnavailable, connect
from scripts.quarantine import QUARANTINE_DDL, QUARANTINE_TABLE, load_carefully

log = logging.getLogger("financial_analytics.load")

BATCH_SETTING = "financial_analytics.batch_id"
LOAD_LOCK = "financial_analytics.bronze_load"
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
# columns added after the first release: created on warehouses that lack them
LOAD_LOG_UPGRADE = f"""
alter table {SCHEMA}.load_log
    add column if not exists attempt integer,
    add column if not exists rows_quarantined bigint"""
BATCHES_UPGRADE = f"""
alter table {SCHEMA}.batches
    add column if not exists window_start timestamptz,
    add column if not exists dataset_id text"""

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
    window_start: str | None = None
    dataset_id: str | None = None
    files: dict[str, dict] | None = None

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
                window_start=meta.get("window_start"),
                dataset_id=meta.get("dataset_id"),
                files=meta.get("files"),
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
    """File wrapper that advances a progress bar and a SHA-256 as COPY reads from it.

    Hashing the bytes as they stream costs the client's idle time while the server
    parses them, where a check before COPY would read every file twice."""

    def __init__(self, handle: IO[bytes], bar: tqdm) -> None:
        self._handle = handle
        self._bar = bar
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._bar.update(len(chunk))
        self.sha256.update(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        line = self._handle.readline(size)
        self._bar.update(len(line))
        self.sha256.update(line)
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
            # Stamp each row with the batch of the transaction that COPYs it, and with the
            # start of that transaction, which begins once the load lock is held (see
            # load_lock). now() is read once per transaction; a default that parsed a
            # timestamp from a setting cost a parse per row, a quarter of the load's time.
            cur.execute(
                f"alter table {SCHEMA}.{table.name} "
                f"alter column _batch_id set default current_setting('{BATCH_SETTING}'), "
                "alter column _loaded_at set default now()"
            )
        cur.execute(LOAD_LOG_DDL)
        cur.execute(LOAD_LOG_UPGRADE)
        cur.execute(BATCHES_DDL)
        cur.execute(BATCHES_UPGRADE)
        cur.execute(MANIFEST_DDL)
        cur.execute(QUARANTINE_DDL)


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


def check_files(batch: Batch) -> None:
    """Every file has the size batch.json gives it, before any COPY (its SHA-256 is
    checked as COPY streams it, see copy_table)."""
    if batch.files is None:
        log.warning("batch %s lists no file digests: its files are not verified", batch.batch_id)
        return
    for table in ALL_TABLES:
        promised = batch.files.get(table.name)
        if promised is None:
            raise UserError(f"batch {batch.batch_id}: batch.json has no digest for {table.name}")
        problem = file_mismatch(batch.csv_path(table), promised, check_content=False)
        if problem:
            raise UserError(f"batch {batch.batch_id} not loaded, bronze unchanged: {problem}")


def check_content(batch: Batch, table: Table, sha256: str | None = None) -> None:
    """The file's bytes are the ones batch.json describes (from the streamed digest)."""
    promised = (batch.files or {}).get(table.name)
    if promised is None:
        return
    problem = file_mismatch(batch.csv_path(table), promised, sha256=sha256)
    if problem:
        raise UserError(f"batch {batch.batch_id} not loaded, bronze unchanged: {problem}")


def check_dataset(conn: psycopg2.extensions.connection, batches: list[Batch]) -> None:
    """Refuse batches of another data set than the one bronze holds (same ids, other data)."""
    with conn, conn.cursor() as cur:
        cur.execute(
            f"select batch_id, dataset_id from {SCHEMA}.batches "
            "where dataset_id is not null order by batch_id limit 1"
        )
        held = cur.fetchone()
    if held is None:
        return
    for batch in batches:
        if batch.dataset_id is not None and batch.dataset_id != held[1]:
            raise UserError(
                f"{batch.folder} belongs to another data set ({batch.dataset_id}) than bronze "
                f"holds ({held[1]}, from batch {held[0]}): run `make reset` (or `make demo`) "
                "to start over with it, or point --data-dir at the original data"
            )


def clear_quarantine(cur: psycopg2.extensions.cursor, batch: Batch, table: Table) -> None:
    """The quarantine follows bronze: a replaced table's old rows go, as a reload's do."""
    if table.mode == "replace":
        cur.execute(f"delete from {QUARANTINE_TABLE} where table_name = %s", (table.name,))
    else:
        cur.execute(
            f"delete from {QUARANTINE_TABLE} where table_name = %s and batch_id = %s",
            (table.name, batch.batch_id),
        )


def copy_table(
    cur: psycopg2.extensions.cursor, batch: Batch, table: Table, bar: tqdm
) -> tuple[int, int]:
    """COPY one CSV file into its bronze table; returns (rows loaded, rows quarantined)."""
    target = f"{SCHEMA}.{table.name}"
    if table.mode == "replace" or not holds_other_batches(cur, target, batch):
        # An append table that holds no other batch (the first load, or the reload of the
        # only batch) loses the same rows to truncate as to delete, and COPY into a table
        # truncated in its own transaction writes no WAL (wal_level=minimal).
        cur.execute(f"truncate {target}")
    else:
        cur.execute(f"delete from {target} where _batch_id = %s", (batch.batch_id,))
    clear_quarantine(cur, batch, table)
    columns = ", ".join(table.column_names)
    sql = f"copy {target} ({columns}) from stdin with (format csv, header true)"
    cur.execute("savepoint fast_copy")
    # psycopg2 prints a connection cut inside COPY's read callback to stderr as a
    # traceback before it raises it; the raised error is reported in one line instead
    printed = io.StringIO()
    try:
        with batch.csv_path(table).open("rb") as handle, contextlib.redirect_stderr(printed):
            reader = ProgressReader(handle, bar)
            cur.copy_expert(sql, reader, size=COPY_BUFFER_BYTES)
    except psycopg2.DataError as exc:
        cur.execute("rollback to savepoint fast_copy")
        check_content(batch, table)
        log.warning("%s; loading its good rows one by one", describe_copy_error(batch, table, exc))
        result = load_carefully(cur, batch.csv_path(table), table, batch.batch_id)
        return result.loaded, result.quarantined
    sys.stderr.write(printed.getvalue())
    check_content(batch, table, reader.sha256.hexdigest())
    return cur.rowcount, 0


def holds_other_batches(cur: psycopg2.extensions.cursor, target: str, batch: Batch) -> bool:
    cur.execute(f"select exists (select from {target} where _batch_id <> %s)", (batch.batch_id,))
    return bool(cur.fetchone()[0])


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
    check_files(batch)
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
        with load_lock(conn), conn, conn.cursor() as cur:
            cur.execute("select set_config(%s, %s, true)", (BATCH_SETTING, batch.batch_id))
            attempt = next_attempt(cur, batch)
            for table in ALL_TABLES:
                table_started = time.monotonic()
                try:
                    loaded, quarantined = copy_table(cur, batch, table, bar)
                except psycopg2.DataError as exc:
                    raise UserError(
                        f"batch {batch.batch_id} not loaded, bronze unchanged: "
                        f"{describe_copy_error(batch, table, exc)}"
                    ) from exc
                counts[table.name] = loaded
                expected = batch.row_counts.get(table.name)
                if expected is not None and expected != loaded + quarantined:
                    raise UserError(
                        f"batch {batch.batch_id} not loaded, bronze unchanged: "
                        f"{batch.csv_path(table)} has {loaded + quarantined} rows, "
                        f"batch.json says {expected}"
                    )
                cur.execute(
                    f"insert into {SCHEMA}.load_log (batch_id, table_name, rows_loaded, "
                    "rows_quarantined, attempt, started_at, finished_at, status) "
                    "values (%s, %s, %s, %s, %s, clock_timestamp() - make_interval(secs => %s), "
                    "clock_timestamp(), 'succeeded')",
                    (
                        batch.batch_id,
                        table.name,
                        loaded,
                        quarantined,
                        attempt,
                        time.monotonic() - table_started,
                    ),
                )
            # The source systems' clock at extract time: the simulated "now" of the batch.
            cur.execute(
                f"insert into {SCHEMA}.batches (batch_id, kind, as_of, window_start, dataset_id) "
                "values (%s, %s, %s, %s, %s) "
                "on conflict (batch_id) do update set kind = excluded.kind, as_of = excluded.as_of, "
                "window_start = excluded.window_start, dataset_id = excluded.dataset_id, "
                "loaded_at = now()",
                (batch.batch_id, batch.kind, batch.as_of, batch.window_start, batch.dataset_id),
            )
            if manifest is not None:
                cur.execute(
                    f"insert into {SCHEMA}._manifest (batch_id, manifest) values (%s, %s) "
                    "on conflict (batch_id) do update set manifest = excluded.manifest, "
                    "loaded_at = now()",
                    (batch.batch_id, json.dumps(manifest)),
                )
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
        raise connection_lost(batch, exc) from exc
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


@contextlib.contextmanager
def load_lock(conn: psycopg2.extensions.connection) -> Iterator[None]:
    """Hold the load lock around one batch's transaction, which begins after it is taken.

    Loads are serialised by this lock, and the transaction's start, now(), is every row's
    _loaded_at: it is later than every committed load's, so _loaded_at grows in commit
    order and incremental models can take `loaded_at > max(loaded_at)` without missing a
    late commit. The lock is the session's, taken and released outside the transaction
    (a lost connection releases it with the session)."""
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_lock(hashtext(%s))", (LOAD_LOCK,))
    finally:
        conn.autocommit = False
    try:
        yield
    finally:
        with contextlib.suppress(psycopg2.Error):
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("select pg_advisory_unlock(hashtext(%s))", (LOAD_LOCK,))
        with contextlib.suppress(psycopg2.Error):
            conn.autocommit = False


def next_attempt(cur: psycopg2.extensions.cursor, batch: Batch) -> int:
    """The number of this load of the batch: the log keeps every attempt, failed ones too."""
    cur.execute(
        f"select coalesce(max(attempt), 0) + 1 from {SCHEMA}.load_log where batch_id = %s",
        (batch.batch_id,),
    )
    return int(cur.fetchone()[0])


def connection_lost(batch: Batch, exc: psycopg2.Error) -> DatabaseUnavailable:
    """The server went away mid-load: the batch rolled back with the transaction."""
    reason = (str(exc).strip().splitlines() or ["no answer"])[0]
    settings = ConnectionSettings.from_env()
    return DatabaseUnavailable(
        f"lost the connection to PostgreSQL at {settings.host}:{settings.port} while loading "
        f"batch {batch.batch_id} ({reason}); bronze is unchanged: {settings.fix_hint()}, "
        "then run the load again"
    )


def record_failure(conn: psycopg2.extensions.connection, batch: Batch, exc: BaseException) -> None:
    """Write the failure to the load log in its own transaction (the batch rolled back)."""
    try:
        with conn, conn.cursor() as cur:
            attempt = next_attempt(cur, batch)
            cur.execute(
                f"insert into {SCHEMA}.load_log "
                "(batch_id, table_name, attempt, started_at, status, message) "
                "values (%s, '*', %s, now(), 'failed', %s)",
                (batch.batch_id, attempt, str(exc)[:2000]),
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
        check_dataset(conn, batches)
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
