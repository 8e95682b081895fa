"""Print what the warehouse holds: loaded batches and row counts per layer.

python -m scripts.summary [--schemas bronze silver snapshots gold]
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import psycopg2.extensions
from psycopg2 import sql

from scripts.cli import add_logging_args, run, setup_logging
from scripts.connection import connect

log = logging.getLogger("financial_analytics.summary")

LAYERS = ("bronze", "silver", "snapshots", "gold")


def relation_counts(
    conn: psycopg2.extensions.connection, schemas: Sequence[str]
) -> list[tuple[str, str, str, int]]:
    """(schema, relation, kind, rows) for every table and view in the given schemas."""
    with conn.cursor() as cur:
        cur.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema = any(%s) order by array_position(%s, table_schema::text), table_name",
            (list(schemas), list(schemas)),
        )
        relations = cur.fetchall()
        counts = []
        for schema, name, kind in relations:
            cur.execute(
                sql.SQL("select count(*) from {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(name)
                )
            )
            (rows,) = cur.fetchone()
            counts.append((schema, name, "view" if kind == "VIEW" else "table", rows))
    return counts


def batches(conn: psycopg2.extensions.connection) -> list[tuple[str, int, str]]:
    with conn.cursor() as cur:
        cur.execute("select to_regclass('bronze.load_log') is not null")
        if not cur.fetchone()[0]:
            return []
        cur.execute(
            "select batch_id, sum(rows_loaded)::bigint, max(finished_at)::text from bronze.load_log "
            "where status = 'succeeded' and coalesce(attempt, 0) = (select max(coalesce(attempt, 0)) "
            "from bronze.load_log as latest where latest.batch_id = load_log.batch_id "
            "and latest.status = 'succeeded') group by batch_id order by batch_id"
        )
        return cur.fetchall()


def render(counts: list[tuple[str, str, str, int]], loaded: list[tuple[str, int, str]]) -> str:
    lines = []
    if loaded:
        lines.append("Loaded batches:")
        lines += [f"  {batch_id}  {rows:>12,} rows  at {at}" for batch_id, rows, at in loaded]
        lines.append("")
    lines.append("Rows per layer:")
    current = None
    for schema, name, kind, rows in counts:
        if schema != current:
            current = schema
            total = sum(r for s, _, _, r in counts if s == schema)
            lines.append(f"  {schema}  ({total:,} rows)")
        suffix = " (view)" if kind == "view" else ""
        lines.append(f"    {name:<40}{rows:>12,}{suffix}")
    if not counts:
        lines.append("  the warehouse is empty: run `make demo`")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.summary", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--schemas", nargs="+", default=list(LAYERS), help="schemas to count")
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    conn = connect()
    try:
        print(render(relation_counts(conn, args.schemas), batches(conn)))
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
