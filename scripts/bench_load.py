"""Benchmark: generate and load N transactions, against a plain psql \\copy as the ceiling.

    python -m scripts.bench_load [--transactions 1000000] [--customers N]

All three measurements run in the same invocation on the same files:
1. generation: `python -m scripts.generate` in a child process (seconds, rows/s, peak RSS);
2. load: `python -m scripts.load` into an empty bronze schema of a scratch database;
3. ceiling: psql's `\\copy` of the same CSV files into identical tables, one transaction.
Results are printed and written to .bench/bench_load.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from scripts import db
from scripts.bronze_schema import ALL_TABLES
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings, connect

log = logging.getLogger("financial_analytics.bench")

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "financial_analytics_bench"
CEILING_SCHEMA = "bench_ceiling"
CEILING_LABEL = "ceiling (psql \\copy)"


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_rss_mb: float


@dataclass(frozen=True)
class Result:
    transactions: int
    total_rows: int
    csv_mb: float
    generate_seconds: float
    generate_rows_per_s: float
    generate_peak_rss_mb: float
    load_seconds: float
    load_rows_per_s: float
    load_peak_rss_mb: float
    ceiling_seconds: float
    ceiling_rows_per_s: float
    load_vs_ceiling: float


def timed_child(command: list[str], env: dict[str, str]) -> Timing:
    """Run a child process; its wall time and peak resident memory (from wait4)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise UserError(f"{' '.join(command[2:4])} failed with exit code {process.returncode}")
    return Timing(seconds=seconds, peak_rss_mb=usage.ru_maxrss / 1024)


def batch_rows(data_dir: Path) -> tuple[int, float]:
    folder = data_dir / "batches" / "b0001"
    meta = json.loads((folder / "batch.json").read_text())
    size = sum((folder / f"{t.name}.csv").stat().st_size for t in ALL_TABLES)
    return sum(meta["tables"].values()), size / 1e6


def ceiling_script(data_dir: Path) -> str:
    folder = (data_dir / "batches" / "b0001").resolve()
    lines = ["\\set ON_ERROR_STOP on", "begin;"]
    for table in ALL_TABLES:
        columns = ", ".join(table.column_names)
        lines.append(f"truncate {CEILING_SCHEMA}.{table.name};")
        lines.append(
            f"\\copy {CEILING_SCHEMA}.{table.name} ({columns}) from '{folder / (table.name + '.csv')}' "
            "with (format csv, header true)"
        )
    lines.append("commit;")
    return "\n".join(lines) + "\n"


def prepare_ceiling_tables(settings: ConnectionSettings) -> None:
    conn = connect(settings)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"drop schema if exists {CEILING_SCHEMA} cascade")
            cur.execute(f"create schema {CEILING_SCHEMA}")
            for table in ALL_TABLES:
                ddl = table.ddl().replace("bronze.", f"{CEILING_SCHEMA}.", 1)
                cur.execute(
                    ddl.replace("_batch_id text not null", "_batch_id text default 'ceiling'")
                )
    finally:
        conn.close()


def run_benchmark(transactions: int, customers: int, work_dir: Path) -> Result:
    settings = replace(ConnectionSettings.from_env(), dbname=BENCH_DATABASE)
    db.ensure_database(settings)
    env = dict(os.environ, PGDATABASE=BENCH_DATABASE, PYTHONPATH=str(REPO_ROOT))
    data_dir = work_dir / "data"

    log.info("generating %s transactions for %s customers", f"{transactions:,}", f"{customers:,}")
    generate = timed_child(
        [
            sys.executable,
            "-m",
            "scripts.generate",
            "--out-dir",
            str(data_dir),
            "--reset",
            "--customers",
            str(customers),
            "--transactions",
            str(transactions),
            "--log-level",
            "WARNING",
        ],
        env,
    )
    rows, csv_mb = batch_rows(data_dir)

    log.info("loading %s rows (%.0f MB of CSV) with scripts.load", f"{rows:,}", csv_mb)
    db.reset(settings)
    load = timed_child(
        [
            sys.executable,
            "-m",
            "scripts.load",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "WARNING",
        ],
        env,
    )

    log.info("loading the same files with psql \\copy (the ceiling)")
    prepare_ceiling_tables(settings)
    script = work_dir / "ceiling.psql"
    script.write_text(ceiling_script(data_dir))
    ceiling = timed_child([db.psql_path(), settings.uri(), "-q", "-f", str(script)], env)
    db.reset(settings)

    return Result(
        transactions=transactions,
        total_rows=rows,
        csv_mb=round(csv_mb, 1),
        generate_seconds=round(generate.seconds, 2),
        generate_rows_per_s=round(rows / generate.seconds),
        generate_peak_rss_mb=round(generate.peak_rss_mb),
        load_seconds=round(load.seconds, 2),
        load_rows_per_s=round(rows / load.seconds),
        load_peak_rss_mb=round(load.peak_rss_mb),
        ceiling_seconds=round(ceiling.seconds, 2),
        ceiling_rows_per_s=round(rows / ceiling.seconds),
        load_vs_ceiling=round(ceiling.seconds / load.seconds, 3),
    )


def render(result: Result) -> str:
    return "\n".join(
        [
            f"rows: {result.total_rows:,} ({result.transactions:,} transactions), CSV {result.csv_mb} MB",
            f"{'step':<22}{'seconds':>9}{'rows/s':>12}{'peak RSS MB':>13}",
            f"{'generate':<22}{result.generate_seconds:>9.2f}{result.generate_rows_per_s:>12,}"
            f"{result.generate_peak_rss_mb:>13,}",
            f"{'load (scripts.load)':<22}{result.load_seconds:>9.2f}{result.load_rows_per_s:>12,}"
            f"{result.load_peak_rss_mb:>13,}",
            f"{CEILING_LABEL:<22}{result.ceiling_seconds:>9.2f}{result.ceiling_rows_per_s:>12,}",
            f"loader at {result.load_vs_ceiling:.0%} of the \\copy ceiling (target >= 70%); "
            f"generation {'faster' if result.generate_seconds < result.load_seconds else 'SLOWER'} "
            "than loading",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--transactions", type=int, default=1_000_000, help="default: %(default)s")
    parser.add_argument("--customers", type=int, help="default: transactions / 50")
    parser.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / ".bench", help="default: %(default)s"
    )
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.transactions <= 0:
        raise UserError("--transactions must be positive")
    customers = args.customers or max(1000, args.transactions // 50)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    result = run_benchmark(args.transactions, customers, args.work_dir)
    print(render(result))
    out = args.work_dir / f"bench_load_{args.transactions}.json"
    out.write_text(json.dumps(asdict(result), indent=2) + "\n")
    log.info("figures written to %s", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
