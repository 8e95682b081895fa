"""The careful load path: a file whose COPY failed on a few malformed values.

The loader streams every file to ``COPY`` untouched; that is fast, and it refuses the
whole file when one value cannot be stored (a NUL byte, an amount of ``1e300``, a word in
a date column). Then, and only then, the file is loaded again by this module, record by
record:

1. the raw bytes are split into CSV records (a record goes on while its quotes are
   unbalanced, so a quoted newline stays inside it) and each record is checked for what
   PostgreSQL cannot take as text at all: a NUL byte, bytes that are not UTF-8, the wrong
   number of fields;
2. the other records are copied, verbatim and with their line number, into a temporary
   table of text columns (the same CSV rules as the fast path, so NULL and "" stay apart);
3. every value is tried against its bronze type with ``pg_input_is_valid``; the records
   whose values all fit go to bronze, cast, and the others to ``bronze.load_quarantine``
   with the first failing column and PostgreSQL's own message.

So the good rows of the batch reach bronze, and each malformed one is kept verbatim,
with its line number and reason, where reconciliation counts it.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions

from scripts.bronze_schema import SCHEMA, Table

log = logging.getLogger("financial_analytics.load")

QUARANTINE_TABLE = f"{SCHEMA}.load_quarantine"
QUARANTINE_DDL = f"""
create table if not exists {QUARANTINE_TABLE} (
    batch_id text not null,
    table_name text not null,
    line_number bigint not null,
    raw_record text not null,
    reason text not null,
    quarantined_at timestamptz not null default now()
)"""
STAGING_TABLE = "_careful_load"


@dataclass(frozen=True)
class CarefulResult:
    loaded: int
    quarantined: int


def csv_records(handle: io.BufferedReader) -> Iterator[tuple[int, bytes]]:
    """(first line number, raw bytes) of each CSV record after the header."""
    record = b""
    start = 0
    for line_number, line in enumerate(handle, start=1):
        if not record:
            start = line_number
        record += line
        if record.count(b'"') % 2 == 0:
            if start > 1:
                yield start, record
            record = b""
    if record and start > 1:
        yield start, record


def unstorable_reason(record: bytes, field_count: int) -> str | None:
    """Why PostgreSQL could not hold this record as text, or None."""
    if b"\x00" in record:
        return "NUL byte in the record"
    try:
        text = record.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 ({exc.reason} at byte {exc.start})"
    fields = next(csv.reader([text.rstrip("\r\n")]), [])
    if len(fields) != field_count:
        return f"{len(fields)} fields, the header has {field_count}"
    return None


def _csv_field(text: str) -> bytes:
    return ('"' + text.replace('"', '""') + '"').encode("utf-8")


def _stage(cur: psycopg2.extensions.cursor, path: Path, table: Table, batch_id: str) -> int:
    """Copy the storable records into the staging table; quarantine the others."""
    text_columns = ", ".join(f"{name} text" for name in table.column_names)
    cur.execute(
        f"create temporary table {STAGING_TABLE} "
        f"(line_number bigint, raw_record text, {text_columns}) on commit drop"
    )
    unstorable = 0
    with path.open("rb") as handle, tempfile.TemporaryFile() as spool:
        for line_number, record in csv_records(handle):
            reason = unstorable_reason(record, len(table.columns))
            if reason is None:
                body = record.rstrip(b"\r\n")
                spool.write(b"%d," % line_number + _csv_field(body.decode()) + b"," + body + b"\n")
                continue
            unstorable += 1
            printable = record.replace(b"\x00", b"\\0").decode("utf-8", errors="backslashreplace")
            cur.execute(
                f"insert into {QUARANTINE_TABLE} (batch_id, table_name, line_number, raw_record, reason) "
                "values (%s, %s, %s, %s, %s)",
                (batch_id, table.name, line_number, printable.rstrip("\r\n"), reason),
            )
        spool.seek(0)
        columns = ", ".join(["line_number", "raw_record", *table.column_names])
        cur.copy_expert(f"copy {STAGING_TABLE} ({columns}) from stdin with (format csv)", spool)
    return unstorable


def load_carefully(
    cur: psycopg2.extensions.cursor, path: Path, table: Table, batch_id: str
) -> CarefulResult:
    """Load the good records of `path` into its bronze table and quarantine the rest."""
    unstorable = _stage(cur, path, table, batch_id)
    valid = " and ".join(
        f"({c.name} is null or pg_input_is_valid({c.name}, '{c.type}'))" for c in table.columns
    )
    first_failure = ", ".join(
        f"case when {c.name} is not null and not pg_input_is_valid({c.name}, '{c.type}') "
        f"then '{c.name}: ' || (pg_input_error_info({c.name}, '{c.type}')).message end"
        for c in table.columns
    )
    cur.execute(
        f"insert into {QUARANTINE_TABLE} (batch_id, table_name, line_number, raw_record, reason) "
        f"select %s, %s, line_number, raw_record, coalesce({first_failure}) "
        f"from {STAGING_TABLE} where not ({valid})",
        (batch_id, table.name),
    )
    unfit = cur.rowcount
    names = ", ".join(table.column_names)
    casts = ", ".join(f"cast({c.name} as {c.type})" for c in table.columns)
    cur.execute(
        f"insert into {SCHEMA}.{table.name} ({names}) "
        f"select {casts} from {STAGING_TABLE} where {valid} order by line_number"
    )
    loaded = cur.rowcount
    cur.execute(f"drop table {STAGING_TABLE}")
    log.warning(
        "%s: %d malformed rows quarantined in %s, %d rows loaded",
        path,
        unstorable + unfit,
        QUARANTINE_TABLE,
        loaded,
    )
    return CarefulResult(loaded=loaded, quarantined=unstorable + unfit)
