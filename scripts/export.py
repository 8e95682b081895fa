"""Export silver and gold tables as Parquet, with a schema file, for use outside the warehouse.

python -m scripts.export [--tables gold.fact_transactions gold.dim_customer] [--output-dir export]

Each relation becomes <output-dir>/<schema>/<table>.parquet: the server streams it with
`COPY ... TO STDOUT` through a pipe into Arrow's CSV reader, which converts it block by
block (--block-mib) straight into Parquet row groups, so memory stays bounded whatever the
table's size and no row becomes a Python object. Every table comes from one snapshot of
the database, so the files agree with each other. <output-dir>/schema.json lists every
exported table with its file, row count and columns (name, PostgreSQL type, Arrow type).
Types are exact: integers, booleans, dates, timestamps (with time zone: UTC) and
numeric(p, s) keep their type (decimal128); numeric without a scale becomes float64, and
types Arrow has no equivalent for (json, arrays, intervals) text.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2.extensions
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from psycopg2 import sql

from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import connect

log = logging.getLogger("financial_analytics.export")

EXPORTABLE_SCHEMAS = ("silver", "gold")
DEFAULT_OUTPUT_DIR = Path("export")
DEFAULT_BLOCK_MIB = 16
SCHEMA_FILE = "schema.json"


@dataclass(frozen=True)
class Column:
    name: str
    postgres_type: str
    arrow_type: str
    # the select expression's cast, when the value is converted in the database
    cast: str | None = None


@dataclass(frozen=True)
class ExportedTable:
    table: str
    file: str
    row_count: int
    columns: list[Column]


# PostgreSQL type (format_type without its modifier) -> Arrow type
_SIMPLE_TYPES: dict[str, pa.DataType] = {
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "real": pa.float32(),
    "double precision": pa.float64(),
    "boolean": pa.bool_(),
    "text": pa.string(),
    "character varying": pa.string(),
    "character": pa.string(),
    "date": pa.date32(),
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
}

# decimal128 holds at most 38 digits
_MAX_DECIMAL_PRECISION = 38


def arrow_type(postgres_type: str) -> tuple[pa.DataType, str | None]:
    """The Arrow type of a PostgreSQL column type (format_type), and the cast it needs, if any."""
    base = postgres_type.split("(", 1)[0].strip()
    if base == "numeric":
        if "(" in postgres_type:
            precision, _, scale = postgres_type.split("(", 1)[1].rstrip(")").partition(",")
            if int(precision) <= _MAX_DECIMAL_PRECISION:
                return pa.decimal128(int(precision), int(scale or 0)), None
        return pa.float64(), "double precision"
    if base == "timestamp with time zone":
        # the session is in UTC: the cast gives UTC wall time, which Arrow then labels UTC
        return _SIMPLE_TYPES[base], "timestamp"
    if base in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[base], None
    return pa.string(), "text"


def list_tables(conn: psycopg2.extensions.connection) -> list[str]:
    """Every table and view of the exportable schemas, as schema.name."""
    with conn.cursor() as cur:
        cur.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema = any(%s) order by table_schema desc, table_name",
            (list(EXPORTABLE_SCHEMAS),),
        )
        return [name for (name,) in cur.fetchall()]


def table_columns(conn: psycopg2.extensions.connection, table: str) -> list[Column]:
    """The columns of schema.name in order, or a UserError naming what exists."""
    schema, _, name = table.partition(".")
    if not name or schema not in EXPORTABLE_SCHEMAS:
        raise UserError(
            f"cannot export {table!r}: name a table as schema.table in one of "
            f"{', '.join(EXPORTABLE_SCHEMAS)} (e.g. gold.fact_transactions)"
        )
    with conn.cursor() as cur:
        cur.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod) "
            "from pg_attribute a join pg_class c on c.oid = a.attrelid "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            (schema, name),
        )
        rows = cur.fetchall()
    if not rows:
        raise UserError(
            f"{table} does not exist: run `make demo` first, or list the tables with `make psql`"
        )
    columns = []
    for column_name, postgres_type in rows:
        arrow, cast = arrow_type(postgres_type)
        columns.append(Column(column_name, postgres_type, str(arrow), cast))
    return columns


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema(
        [pa.field(column.name, arrow_type(column.postgres_type)[0]) for column in columns]
    )


def _select(table: str, columns: Sequence[Column]) -> sql.Composed:
    schema, _, name = table.partition(".")
    expressions = [
        sql.SQL("cast({} as {}) as {}").format(
            sql.Identifier(column.name), sql.SQL(column.cast), sql.Identifier(column.name)
        )
        if column.cast
        else sql.Identifier(column.name)
        for column in columns
    ]
    return sql.SQL("select {} from {}.{}").format(
        sql.SQL(", ").join(expressions), sql.Identifier(schema), sql.Identifier(name)
    )


def _read_type(field: pa.Field) -> pa.DataType:
    """The type Arrow's CSV reader parses a column as (a UTC timestamp arrives as wall time)."""
    if pa.types.is_timestamp(field.type) and field.type.tz is not None:
        return pa.timestamp(field.type.unit)
    return field.type


def _copy_batches(
    conn: psycopg2.extensions.connection, query: sql.Composed, schema: pa.Schema, block_bytes: int
) -> Iterator[pa.RecordBatch]:
    """The query's rows as record batches of the schema, streamed by COPY through a pipe.

    A thread runs COPY into the pipe while Arrow reads and converts it a block at a time;
    the pipe's buffer and one block are all that is held. NULL is an unquoted empty field
    and an empty string a quoted one, so both survive; 't' and 'f' are booleans.
    """
    read_fd, write_fd = os.pipe()
    failures: list[BaseException] = []
    copy = sql.SQL("copy ({}) to stdout with (format csv)").format(query).as_string(conn)

    def produce() -> None:
        try:
            with os.fdopen(write_fd, "wb") as sink, conn.cursor() as cur:
                cur.copy_expert(copy, sink, size=1 << 16)
        except BaseException as exc:  # re-raised by the reading thread
            failures.append(exc)

    producer = threading.Thread(target=produce, name="export-copy", daemon=True)
    producer.start()
    try:
        # closing the reading end (also on an error) stops a COPY still writing
        with os.fdopen(read_fd, "rb") as source:
            if not source.peek(1):  # an empty table: Arrow's reader refuses empty input
                return
            reader = pa_csv.open_csv(
                source,
                read_options=pa_csv.ReadOptions(column_names=schema.names, block_size=block_bytes),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    column_types={field.name: _read_type(field) for field in schema},
                    null_values=[""],
                    true_values=["t"],
                    false_values=["f"],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                yield batch.cast(schema)
    except pa.ArrowInvalid:
        if failures:  # the reader saw the pipe end early because COPY failed: say why
            raise failures[0] from None
        raise
    finally:
        producer.join()
    if failures:
        raise failures[0]


def export_table(
    conn: psycopg2.extensions.connection, table: str, output_dir: Path, block_bytes: int
) -> ExportedTable:
    """Write one table to output_dir/<schema>/<name>.parquet; return what was written."""
    columns = table_columns(conn, table)
    schema = arrow_schema(columns)
    relative = Path(*table.split(".", 1)).with_suffix(".parquet")
    target = output_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".parquet.partial")
    rows = 0
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for batch in _copy_batches(conn, _select(table, columns), schema, block_bytes):
            writer.write_batch(batch)
            rows += batch.num_rows
    os.replace(partial, target)
    return ExportedTable(table, relative.as_posix(), rows, columns)


def export(
    conn: psycopg2.extensions.connection,
    tables: Sequence[str],
    output_dir: Path,
    block_bytes: int = DEFAULT_BLOCK_MIB << 20,
) -> list[ExportedTable]:
    """Export the tables (all of silver and gold when empty) from one snapshot; write schema.json."""
    # one read-only snapshot: every file shows the warehouse at the same moment
    conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
    with conn.cursor() as cur:
        cur.execute("set time zone 'UTC'")
        cur.execute("set datestyle to 'ISO, YMD'")
    selected = list(tables) or list_tables(conn)
    if not selected:
        raise UserError(f"no tables in {', '.join(EXPORTABLE_SCHEMAS)}: run `make demo` first")
    for table in selected:
        table_columns(conn, table)  # every name checked before anything is written
    output_dir.mkdir(parents=True, exist_ok=True)
    exported = []
    for number, table in enumerate(selected, start=1):
        started = time.perf_counter()
        result = export_table(conn, table, output_dir, block_bytes)
        log.info(
            "[%d/%d] %s: %d rows in %.1f s",
            number,
            len(selected),
            table,
            result.row_count,
            time.perf_counter() - started,
        )
        exported.append(result)
    conn.rollback()
    schema_file = output_dir / SCHEMA_FILE
    schema_file.write_text(
        json.dumps(
            {
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "tables": [
                    {
                        **asdict(table),
                        "columns": [
                            {key: value for key, value in asdict(column).items() if key != "cast"}
                            for column in table.columns
                        ],
                    }
                    for table in exported
                ],
            },
            indent=2,
        )
        + "\n"
    )
    return exported


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.export", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--tables",
        nargs="+",
        default=[],
        metavar="SCHEMA.TABLE",
        help="the tables to export (default: every table and view of silver and gold)",
    )
    parser.add_argument(
        "--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR, help="default: %(default)s"
    )
    parser.add_argument(
        "--block-mib",
        type=int,
        default=DEFAULT_BLOCK_MIB,
        help="CSV read, converted and written at a time, in MiB (bounds memory; default: %(default)s)",
    )
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.block_mib < 1:
        raise UserError("--block-mib must be at least 1")
    # `make export TABLES="a b"` may also pass one space- or comma-separated word
    tables = [name for item in args.tables for name in item.replace(",", " ").split()]
    conn = connect()
    try:
        exported = export(conn, tables, args.output_dir, args.block_mib << 20)
    finally:
        conn.close()
    log.info("%d tables, %d rows", len(exported), sum(table.row_count for table in exported))
    print((args.output_dir / SCHEMA_FILE).resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
