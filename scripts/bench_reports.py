"""Benchmark: render the eight reports at the default scale and on ~10M REPLICATED transactions.

    python -m scripts.bench_reports [--copies 129] [--source-database NAME] [--database NAME]

The large warehouse is REPLICATED, not produced by the pipeline at that scale: the gold
layer of a built warehouse (the source database, e.g. after `make demo`) is copied N
times into a scratch database, so the ~78k transactions of the default scale become
~10M (129 copies: 10,024,203). Running the pipeline itself on 10M transactions takes far
longer and is what `make bench-dbt` is for; the reports only read gold, and what makes
them slow or fast is how many rows their queries scan, which replication reproduces. In
one invocation:

1. every report is rendered from the source database, timed (the baseline);
2. the scratch database gets the source's gold tables (not the analytics models), each
   customer-level table N times. Copy k of a row has every customer-scoped key shifted
   so keys stay unique: surrogate keys become `(key + k * 1099511627791) mod 2^60` (the
   unknown/not-applicable members -1/-2 are kept), natural ids `<id>-R<k>`; copy 0 is
   the original row. Shared dimensions (dates, merchants, products, holidays, the
   economy) are copied once: N copies of the customer base trading with the same
   merchants on the same dates. The copies of a row are written next to each other, so
   each table keeps the original's physical order by date (what date indexes rely on);
3. the source's indexes are created, the tables analysed, and the analytics models
   (models/gold/analytics) rebuilt on the replicated gold by `dbt build`, timed, their
   data tests recorded (a failure does not stop the benchmark, which measures time);
4. every report is rendered from the scratch database, timed the same way.

Per report: seconds, slowest chart and HTML size; and `select * from
gold.realtime_analytics` timed three times. With --browser, also headless Chromium's
time to open each page (start-up, load, every chart drawn). Figures are printed and
written to .bench/bench_reports_<N>.json. The scratch database is created by this
script (its comment marks it) and it never empties one it did not create; --reuse skips
the rebuild when it already holds the same replica, --drop removes it at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2.extensions
from psycopg2 import sql

from scripts import db
from scripts.bench_dbt import timed_dbt
from scripts.chromium import dump_dom
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings, autocommit_cursor
from scripts.pipeline import ANALYTICS_SELECTOR, REPO_ROOT

log = logging.getLogger("financial_analytics.bench")

BENCH_DATABASE = "financial_analytics_bench_reports"
DEFAULT_COPIES = 129  # x 77,707 transactions of the default warehouse = 10,024,203
MAX_COPIES = 1000
MARKER = "financial_analytics bench_reports replica"
METHOD = (
    "replicated: the gold layer of {source} copied {copies} times with customer-scoped "
    "keys shifted (shared dimensions once), analytics models rebuilt by dbt; not a "
    "pipeline run at that scale"
)

VIZ_DIR = REPO_ROOT / "analytics_viz"
ANALYTICS_DIR = REPO_ROOT / ANALYTICS_SELECTOR
GOLD = "gold"

# Customer-scoped columns: every copy of a row gets its own value. Other columns (dates,
# merchants, products, campaigns, amounts) are the same in every copy.
SHIFTED_KEYS = (
    "transaction_key",
    "customer_key",
    "account_snapshot_key",
    "customer_month_key",
    "campaign_contact_key",
)
SHIFTED_IDS = ("transaction_id", "customer_id", "account_id")
KEY_STRIDE = 1_099_511_627_791  # 2^40 + 15: copy k adds k * stride, modulo 2^60
KEY_SPACE = 2**60  # gold_surrogate_key: 60-bit positive hashes


@dataclass
class ReportTiming:
    slug: str
    charts: int
    seconds: float
    slowest_chart: str
    slowest_chart_seconds: float
    html_bytes: int
    browser_seconds: float | None = None


@dataclass
class RenderRun:
    database: str
    transactions: int
    customers: int
    account_days: int
    total_seconds: float
    reports: list[ReportTiming]
    index_bytes: int
    realtime_view_seconds: list[float]
    index_browser_seconds: float | None = None


@dataclass
class Replica:
    database: str
    copies: int
    build_seconds: float
    dbt_build_seconds: float
    dbt_failures: list[str]
    size_bytes: int
    reused: bool = False


@dataclass
class Result:
    method: str
    measured_at: str
    machine: dict[str, Any]
    source: RenderRun
    replica: Replica
    replicated: RenderRun
    ratio_total: float


# -- SQL helpers -----------------------------------------------------------------------


def scalar(
    cur: psycopg2.extensions.cursor, statement: str | sql.Composable, *params: object
) -> Any:
    cur.execute(statement, params or None)
    row = cur.fetchone()
    return None if row is None else row[0]


def analytics_models() -> list[str]:
    """The relations dbt rebuilds on the replica: the models in models/gold/analytics."""
    return sorted(path.stem for path in ANALYTICS_DIR.glob("*.sql"))


def shifted_expression(column: str) -> sql.Composable:
    """Copy `replica_number` of one column: shifted when customer-scoped, else as it is.

    Copy 0 is the row itself: its keys (< 2^60) and ids come out unchanged.
    """
    ident = sql.Identifier("base", column)
    if column in SHIFTED_KEYS:
        return sql.SQL(
            "case when {col} >= 0 then ({col} + replica_number * {stride}) % {space} else {col} end"
        ).format(col=ident, stride=sql.Literal(KEY_STRIDE), space=sql.Literal(KEY_SPACE))
    if column in SHIFTED_IDS:
        return sql.SQL(
            "case when replica_number = 0 then {col} else {col} || '-R' || replica_number end"
        ).format(col=ident)
    return ident


def replicate_statement(
    table: str, columns: Sequence[str], copies: int, staged: str
) -> sql.Composed:
    """Fill gold.<table> with copies 0..N-1 of every row of the staged original.

    The set-returning function in the select list expands each row in place, so the
    copies of a row are written together and the table keeps the original's physical
    order (by load, so by date: what its date index relies on).
    """
    return sql.SQL(
        "insert into {table} ({columns})\nselect {values}\nfrom (\n"
        "    select source_row.*, generate_series(0, {last}) as replica_number\n"
        "    from {staged} as source_row\n) as base"
    ).format(
        table=sql.Identifier(GOLD, table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(shifted_expression(column) for column in columns),
        last=sql.Literal(copies - 1),
        staged=sql.Identifier(staged),
    )


def warehouse_counts(settings: ConnectionSettings, dbname: str) -> tuple[int, int, int]:
    """Transactions, customers and account-days in a database's gold layer."""
    with autocommit_cursor(settings, dbname) as cur:
        if scalar(cur, "select to_regclass('gold.fact_transactions')") is None:
            raise UserError(
                f"database {dbname} has no gold.fact_transactions: build it first (`make demo`)"
            )
        return (
            scalar(cur, "select count(*) from gold.fact_transactions"),
            scalar(cur, "select count(distinct customer_id) from gold.dim_customer"),
            scalar(cur, "select count(*) from gold.fact_account_daily_snapshot"),
        )


# -- the scratch database --------------------------------------------------------------


def database_comment(settings: ConnectionSettings, dbname: str) -> str | None:
    """The comment of a database, '' when it has none, None when it does not exist."""
    with autocommit_cursor(settings, "postgres") as cur:
        cur.execute(
            "select coalesce(shobj_description(oid, 'pg_database'), '') "
            "from pg_database where datname = %s",
            (dbname,),
        )
        row = cur.fetchone()
    return None if row is None else row[0]


def marker(source: str, copies: int, state: str) -> str:
    return f"{MARKER}: " + json.dumps({"source": source, "copies": copies, "state": state})


def prepare_scratch(settings: ConnectionSettings, dbname: str) -> None:
    """Create the scratch database, or empty it if this script made it; never touch another."""
    comment = database_comment(settings, dbname)
    if comment is not None and not comment.startswith(MARKER):
        raise UserError(
            f"database {dbname} exists and was not created by this benchmark; "
            "choose another --database (it is emptied and refilled)"
        )
    with autocommit_cursor(settings, "postgres") as cur:
        if comment is None:
            log.info("creating scratch database %s", dbname)
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
        cur.execute(
            sql.SQL("comment on database {} is {}").format(
                sql.Identifier(dbname), sql.Literal(f"{MARKER}: building")
            )
        )
    with autocommit_cursor(settings, dbname) as cur:
        cur.execute("drop schema if exists gold cascade")


def drop_scratch(settings: ConnectionSettings, dbname: str) -> None:
    comment = database_comment(settings, dbname)
    if comment is None:
        return
    if not comment.startswith(MARKER):
        raise UserError(f"database {dbname} was not created by this benchmark: not dropped")
    with autocommit_cursor(settings, "postgres") as cur:
        cur.execute(sql.SQL("drop database {}").format(sql.Identifier(dbname)))
    log.info("dropped scratch database %s", dbname)


def tool_path(name: str) -> str:
    """A PostgreSQL client program: the embedded server's own, else the one on PATH."""
    bundled = Path(db.psql_path()).parent / name
    return str(bundled) if bundled.exists() else (shutil.which(name) or name)


def copy_gold(settings: ConnectionSettings, source: str, target: str, section: str) -> None:
    """One pg_dump section of the source's gold tables (not the analytics models), restored."""
    excluded = [f"--exclude-table={GOLD}.{name}" for name in analytics_models()]
    dump = subprocess.Popen(
        [
            tool_path("pg_dump"),
            f"--dbname={settings.uri(source)}",
            f"--schema={GOLD}",
            f"--section={section}",
            "--no-owner",
            "--no-privileges",
            *excluded,
        ],
        stdout=subprocess.PIPE,
    )
    restore = subprocess.run(
        [
            db.psql_path(),
            settings.uri(target),
            "--quiet",
            "--single-transaction",
            "-v",
            "ON_ERROR_STOP=1",
            "-o",
            os.devnull,
        ],
        stdin=dump.stdout,
    )
    if dump.stdout is not None:
        dump.stdout.close()
    if dump.wait() != 0 or restore.returncode != 0:
        raise UserError(f"copying the {section} of {source}.gold into {target} failed")


def estimated_bytes(settings: ConnectionSettings, source: str, copies: int) -> int:
    excluded = analytics_models()
    with autocommit_cursor(settings, source) as cur:
        cur.execute(
            "select coalesce(sum(pg_total_relation_size(c.oid)), 0) "
            "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = 'gold' and c.relkind = 'r' and not c.relname = any(%s)",
            (excluded,),
        )
        return int(cur.fetchone()[0]) * copies


def check_disk(settings: ConnectionSettings, target: str, needed: int) -> None:
    if settings.external:
        log.info("external server: make sure it has about %.1f GB free", needed / 1e9)
        return
    free = shutil.disk_usage(db.data_dir()).free
    comment = database_comment(settings, target)
    if comment is not None and comment.startswith(MARKER):
        # an earlier replica in the scratch database is dropped before the new one is built
        with autocommit_cursor(settings, target) as cur:
            free += int(scalar(cur, "select pg_database_size(current_database())"))
    if free < needed * 1.2:
        raise UserError(
            f"the replica needs about {needed / 1e9:.1f} GB and {db.data_dir()} has "
            f"{free / 1e9:.1f} GB free: use fewer --copies"
        )


def replicate(settings: ConnectionSettings, target: str, copies: int) -> None:
    with autocommit_cursor(settings, target) as cur:
        cur.execute(
            "select columns.table_name, "
            "array_agg(columns.column_name::text order by columns.ordinal_position) "
            "from information_schema.columns as columns "
            "inner join information_schema.tables as tables "
            "on columns.table_schema = tables.table_schema "
            "and columns.table_name = tables.table_name "
            "where columns.table_schema = 'gold' and tables.table_type = 'BASE TABLE' "
            "group by columns.table_name order by columns.table_name"
        )
        tables = cur.fetchall()
        for table, columns in tables:
            if not set(columns) & {*SHIFTED_KEYS, *SHIFTED_IDS}:
                log.info("gold.%s: shared by every copy, kept once", table)
                continue
            started = time.monotonic()
            # one transaction: the table is truncated and refilled in it, so (with
            # wal_level=minimal) the rows are not written to the WAL as well
            cur.execute("begin")
            cur.execute(
                sql.SQL("create temp table original on commit drop as select * from {}").format(
                    sql.Identifier(GOLD, table)
                )
            )
            cur.execute(sql.SQL("truncate {}").format(sql.Identifier(GOLD, table)))
            cur.execute(replicate_statement(table, columns, copies, "original"))
            rows = cur.rowcount
            cur.execute("commit")
            seconds = time.monotonic() - started
            log.info(
                "gold.%s: %s rows (%.0f s, %s rows/s)",
                table,
                f"{rows:,}",
                seconds,
                f"{rows / max(seconds, 1e-9):,.0f}",
            )


def build_replica(settings: ConnectionSettings, source: str, target: str, copies: int) -> Replica:
    check_disk(settings, target, estimated_bytes(settings, source, copies))
    prepare_scratch(settings, target)
    started = time.monotonic()
    log.info("copying %s.gold (without the analytics models) into %s", source, target)
    copy_gold(settings, source, target, "pre-data")
    copy_gold(settings, source, target, "data")
    if copies > 1:
        replicate(settings, target, copies)
    log.info("creating the indexes and analysing")
    copy_gold(settings, source, target, "post-data")
    with autocommit_cursor(settings, target) as cur:
        cur.execute("analyze")
    build_seconds = time.monotonic() - started

    log.info("rebuilding %s on the replica with dbt", ANALYTICS_SELECTOR)
    failures: list[str] = []
    started = time.monotonic()
    with environment(PGDATABASE=target):
        timed_dbt(
            failures,
            "build",
            "--select",
            ANALYTICS_SELECTOR,
            "--exclude-resource-type",
            "unit_test",
        )
    dbt_seconds = time.monotonic() - started
    with autocommit_cursor(settings, target) as cur:
        cur.execute("analyze")
        size = scalar(cur, "select pg_database_size(current_database())")
    with autocommit_cursor(settings, "postgres") as cur:
        cur.execute(
            sql.SQL("comment on database {} is {}").format(
                sql.Identifier(target), sql.Literal(marker(source, copies, "complete"))
            )
        )
    return Replica(
        target, copies, round(build_seconds, 1), round(dbt_seconds, 1), failures, int(size)
    )


def reusable(settings: ConnectionSettings, source: str, target: str, copies: int) -> bool:
    return database_comment(settings, target) == marker(source, copies, "complete")


# -- rendering -------------------------------------------------------------------------


@contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def viz_modules() -> tuple[Any, Any]:
    """analytics_viz/common.py and run_all_viz.py (they import each other as top level)."""
    if str(VIZ_DIR) not in sys.path:
        sys.path.insert(0, str(VIZ_DIR))
    import common
    import run_all_viz

    return common, run_all_viz


def time_view(settings: ConnectionSettings, dbname: str, runs: int = 3) -> list[float]:
    """Seconds of `select * from gold.realtime_analytics`, run a few times."""
    timings = []
    with autocommit_cursor(settings, dbname) as cur:
        for _ in range(runs):
            started = time.perf_counter()
            cur.execute("select * from gold.realtime_analytics")
            cur.fetchall()
            timings.append(round(time.perf_counter() - started, 3))
    return timings


def browser_seconds(chromium: str, page: Path, profile: Path) -> float:
    """Headless Chromium's time to start, open the page and run its scripts (plots drawn)."""
    started = time.perf_counter()
    result = dump_dom(chromium, page, profile, timeout=300)
    seconds = time.perf_counter() - started
    drawn = "main-svg" in result.stdout or page.name == "index.html"
    if result.returncode != 0 or not drawn:
        raise UserError(f"chromium could not draw {page}: {result.stderr.strip()[-300:]}")
    return round(seconds, 2)


def render_run(
    settings: ConnectionSettings, dbname: str, output_dir: Path, chromium: str | None
) -> RenderRun:
    """Render every report and the index from one database, timed as run_all_viz does."""
    transactions, customers, account_days = warehouse_counts(settings, dbname)
    log.info(
        "rendering the reports from %s (%s transactions, %s customers)",
        dbname,
        f"{transactions:,}",
        f"{customers:,}",
    )
    _, run_all_viz = viz_modules()
    if output_dir.exists():
        shutil.rmtree(output_dir)
    with environment(PGDATABASE=dbname):
        started = time.perf_counter()
        rendered, index = run_all_viz.render_all(output_dir)
        total = time.perf_counter() - started
        log.info("\n%s", run_all_viz.timing_table(rendered, total))
    reports = []
    for report in rendered:
        slowest = max(report.charts, key=lambda chart: chart.seconds)
        assert report.path is not None
        reports.append(
            ReportTiming(
                slug=report.spec.slug,
                charts=len(report.charts),
                seconds=round(report.seconds, 2),
                slowest_chart=slowest.spec.key,
                slowest_chart_seconds=round(slowest.seconds, 2),
                html_bytes=report.path.stat().st_size,
            )
        )
    index_browser = None
    if chromium:
        profile = output_dir / ".chromium"
        browser_seconds(chromium, index, profile)  # a first start warms the profile
        for timing in reports:
            timing.browser_seconds = browser_seconds(
                chromium, output_dir / f"{timing.slug}.html", profile
            )
        index_browser = browser_seconds(chromium, index, profile)
        shutil.rmtree(profile, ignore_errors=True)
    return RenderRun(
        database=dbname,
        transactions=transactions,
        customers=customers,
        account_days=account_days,
        total_seconds=round(total, 2),
        reports=reports,
        index_bytes=index.stat().st_size,
        realtime_view_seconds=time_view(settings, dbname),
        index_browser_seconds=index_browser,
    )


# -- the benchmark ---------------------------------------------------------------------


def machine() -> dict[str, Any]:
    memory_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024**2, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def run_benchmark(
    source: str,
    target: str,
    copies: int,
    work_dir: Path,
    *,
    reuse: bool = False,
    browser: bool = False,
) -> Result:
    settings = ConnectionSettings.from_env()
    if source == target:
        raise UserError("--database must differ from --source-database: it is emptied")
    chromium = None
    if browser:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            raise UserError("--browser needs chromium (Debian: apt-get install chromium)")
    # dbt writes its target/ and logs/ in the work folder unless told otherwise
    os.environ.setdefault("DBT_PROFILES_DIR", str(REPO_ROOT))
    os.environ.setdefault("DBT_TARGET_PATH", str(work_dir / "target_reports"))
    os.environ.setdefault("DBT_LOG_PATH", str(work_dir / "logs_reports"))
    db.ensure_reader_role(replace(settings, dbname=source))
    measured_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    host = machine()
    with autocommit_cursor(settings, source) as cur:
        host["postgres"] = scalar(cur, "show server_version")

    baseline = render_run(settings, source, work_dir / "reports_source", chromium)

    if reuse and reusable(settings, source, target, copies):
        log.info("reusing the replica in %s (%d copies of %s)", target, copies, source)
        with autocommit_cursor(settings, target) as cur:
            size = int(scalar(cur, "select pg_database_size(current_database())"))
        replica = Replica(target, copies, 0.0, 0.0, [], size, reused=True)
    else:
        replica = build_replica(settings, source, target, copies)
    replicated = render_run(settings, target, work_dir / f"reports_{copies}x", chromium)
    host["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    return Result(
        method=METHOD.format(source=source, copies=copies),
        measured_at=measured_at,
        machine=host,
        source=baseline,
        replica=replica,
        replicated=replicated,
        ratio_total=round(replicated.total_seconds / baseline.total_seconds, 2),
    )


def kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def render(result: Result) -> str:
    base, big = result.source, result.replicated
    lines = [
        f"Reports at the default scale and x{result.replica.copies} (REPLICATED data, not a "
        "pipeline run at that scale)",
        f"  {base.database}: {base.transactions:,} transactions, {base.customers:,} customers",
        f"  {big.database}: {big.transactions:,} transactions, {big.customers:,} customers, "
        f"{big.account_days:,} account-days",
        "",
        f"  {'report':<26} {'default s':>9} {'replica s':>9} {'ratio':>6} "
        f"{'HTML default':>13} {'HTML replica':>13}  slowest chart (replica)",
    ]
    for small, large in zip(base.reports, big.reports, strict=True):
        ratio = large.seconds / small.seconds if small.seconds else float("nan")
        browser = (
            f", browser {small.browser_seconds:.1f} -> {large.browser_seconds:.1f} s"
            if large.browser_seconds is not None and small.browser_seconds is not None
            else ""
        )
        lines.append(
            f"  {small.slug:<26} {small.seconds:9.2f} {large.seconds:9.2f} {ratio:6.1f} "
            f"{kib(small.html_bytes):>13} {kib(large.html_bytes):>13}  "
            f"{large.slowest_chart} {large.slowest_chart_seconds:.2f} s{browser}"
        )
    lines += [
        f"  {'total (eight + index)':<26} {base.total_seconds:9.2f} {big.total_seconds:9.2f} "
        f"{result.ratio_total:6.1f}",
        f"  realtime_analytics view: {min(base.realtime_view_seconds):.3f} s -> "
        f"{min(big.realtime_view_seconds):.3f} s (best of {len(big.realtime_view_seconds)})",
    ]
    if not result.replica.reused:
        lines.append(
            f"  replica built in {result.replica.build_seconds:.0f} s, analytics models "
            f"rebuilt by dbt in {result.replica.dbt_build_seconds:.0f} s, "
            f"{result.replica.size_bytes / 1e9:.1f} GB"
        )
    lines += [f"  {failure}" for failure in result.replica.dbt_failures]
    lines.append(f"Method: {result.method}.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_reports",
        description=__doc__.splitlines()[0],
        epilog="The large warehouse is the source's gold replicated --copies times, "
        "not a pipeline run at that scale.",
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=DEFAULT_COPIES,
        help="replicas of the source's gold (default: %(default)s, ~10M transactions "
        "from the default warehouse)",
    )
    parser.add_argument(
        "--source-database",
        default=os.environ.get("PGDATABASE", "financial_analytics"),
        help="a built warehouse to render and replicate (default: PGDATABASE or "
        "financial_analytics, what `make demo` builds)",
    )
    parser.add_argument(
        "--database",
        default=BENCH_DATABASE,
        help="the scratch database for the replica; created by this script, emptied on "
        "every run (default: %(default)s)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the replica already in --database when it has the same source and copies",
    )
    parser.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="also time headless Chromium opening each page (needs chromium)",
    )
    parser.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / ".bench", help="default: %(default)s"
    )
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if not 1 <= args.copies <= MAX_COPIES:
        raise UserError(f"--copies must be between 1 and {MAX_COPIES}")
    work_dir = args.work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    log.info("the large warehouse is REPLICATED (%d copies), not a pipeline run", args.copies)
    result = run_benchmark(
        args.source_database,
        args.database,
        args.copies,
        work_dir,
        reuse=args.reuse,
        browser=args.browser,
    )
    if args.drop:
        drop_scratch(ConnectionSettings.from_env(), args.database)
    print(render(result))
    out = work_dir / f"bench_reports_{args.copies}.json"
    out.write_text(json.dumps(asdict(result), indent=2) + "\n")
    log.info("figures written to %s", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
