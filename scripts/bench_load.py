"""Benchmark: generate and load N transactions, against a plain psql \\copy as the ceiling.

    python -m scripts.bench_load [--transactions 1000000] [--customers N] [--repeat 3]
                                 [--breakdown] [--compare-loader MODULE] [--reuse-data]
                                 [--out .bench/bench_load.json]

1. generation: `python -m scripts.generate` in a child process, once (seconds, rows/s,
   peak RSS); `--reuse-data` keeps the files of an earlier run with the same parameters;
2. then `--repeat` rounds of the loader and the ceiling, interleaved (L C, then C L, so a
   drift of the machine's load weighs on both alike), each run into a schema emptied and
   created again just before it, outside the timing:
   - loader: `python -m scripts.load` (a child process, as a user runs it) into bronze;
   - ceiling: psql's `\\copy` of the same CSV files into tables of bronze's shape (same
     columns, types and NOT NULLs; `_batch_id` a constant default, `_loaded_at` now()),
     one transaction that truncates each table first, as the loader's first load does.
     It includes psql's start and login, the COPYs and the commit. It omits what only the
     loader does: Python's start-up, the batch.json checks (header, sizes, SHA-256), the
     load lock, the load log, batches and manifest rows, the savepoint per table, and the
     ANALYZE after commit;
3. `--breakdown` adds, in the same rounds, runs that each add one of the loader's costs
   to the ceiling (or take the loader's client alone), so the gap can be read item by item;
   `--compare-loader MODULE` times another loader module (e.g. an older one) beside it.

Every run is kept, with the load average (os.getloadavg) at its start and the CPU seconds
of its client and of the server backends serving it, in the JSON output; the report gives
medians. Only ratios within one invocation mean anything on a shared machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO

from scripts import db
from scripts.bronze_schema import ALL_TABLES, SCHEMA
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings, connect, data_dir

log = logging.getLogger("financial_analytics.bench")

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "financial_analytics_bench"
CEILING_SCHEMA = "bench_ceiling"
LOADER, CEILING = "loader", "ceiling"
CEILING_ANALYZE = "ceiling + analyze"  # the same work as the loader's: COPY, then ANALYZE
BATCH_ID = "b0001"
# the loader's defaults before they were made cheap, for the breakdown
OLD_LOADED_AT_DEFAULT = "current_setting('financial_analytics.loaded_at')::timestamptz"
BATCH_ID_SETTING_DEFAULT = "current_setting('financial_analytics.batch_id')"


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_rss_mb: float | None = None
    client_cpu_seconds: float | None = None


class BackendCpu:
    """CPU seconds of the embedded server's backends serving one database during a run.

    A sampler thread reads the postmaster's children from /proc every 20 ms and keeps the
    latest utime + stime of each client backend of the database (autovacuum workers and
    the server's background processes are left out), so a run is charged for its own
    sessions only. CPU time barely moves when other jobs compete for the cores, where wall
    time does: it is the contention-free view of the same runs. `seconds` stays None for
    an external server or without /proc."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._dbname = settings.dbname
        self._postmaster = None if settings.external else self._postmaster_pid()
        self._before: dict[int, int] = {}
        self._latest: dict[int, int] = {}
        self._classified: dict[str, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.seconds: float | None = None

    @staticmethod
    def _postmaster_pid() -> int | None:
        try:
            pid = int((data_dir() / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if Path(f"/proc/{pid}/task/{pid}/children").exists() else None

    def _serves_the_database(self, pid: str) -> bool:
        """Whether a child of the postmaster is a client backend of the database (cached
        once the backend has set its title, which names the database)."""
        known = self._classified.get(pid)
        if known is None:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                return False
            words = title.replace("\0", " ").split()
            known = "autovacuum" not in title and self._dbname in words
            if words[:1] == ["postgres:"]:  # a fresh backend shows its title once logged in
                self._classified[pid] = known
        return known

    def _sample(self) -> dict[int, int]:
        ticks: dict[int, int] = {}
        children = Path(f"/proc/{self._postmaster}/task/{self._postmaster}/children")
        for pid in children.read_text().split():
            if not self._serves_the_database(pid):
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks[int(pid)] = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._latest.update(self._sample())

    def __enter__(self) -> BackendCpu:
        if self._postmaster is not None:
            self._before = self._sample()
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._postmaster is None:
            return
        self._stop.set()
        self._thread.join()
        self._latest.update(self._sample())
        ticks = sum(t - self._before.get(pid, 0) for pid, t in self._latest.items())
        self.seconds = ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class RunRecord:
    round: int
    position: int
    step: str
    seconds: float
    rows_per_s: int
    peak_rss_mb: float | None
    load_average: tuple[float, ...]
    client_cpu_seconds: float | None
    server_cpu_seconds: float | None


@dataclass(frozen=True)
class StepSummary:
    step: str
    description: str
    median_seconds: float
    median_rows_per_s: int
    seconds: list[float]
    vs_ceiling_seconds: float | None
    median_cpu_seconds: float | None


@dataclass
class Result:
    transactions: int
    customers: int
    total_rows: int
    csv_mb: float
    repeat: int
    generate_seconds: float | None
    generate_rows_per_s: int | None
    generate_peak_rss_mb: float | None
    load_average_median: float
    load_average_min: float
    load_average_max: float
    loader_vs_ceiling: float
    loader_vs_ceiling_per_round: list[float]
    loader_vs_ceiling_cpu: float | None
    loader_peak_rss_mb: float | None
    steps: list[StepSummary] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    machine: dict[str, object] = field(default_factory=dict)


def timed_child(command: list[str], env: dict[str, str]) -> Timing:
    """Run a child process; its wall time and peak resident memory (from wait4)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise UserError(f"{' '.join(command[:4])} failed with exit code {process.returncode}")
    return Timing(
        seconds=seconds,
        peak_rss_mb=usage.ru_maxrss / 1024,
        client_cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


def batch_folder(data_dir: Path) -> Path:
    return (data_dir / "batches" / BATCH_ID).resolve()


def batch_rows(data_dir: Path) -> tuple[int, float]:
    folder = batch_folder(data_dir)
    meta = json.loads((folder / "batch.json").read_text())
    size = sum((folder / f"{t.name}.csv").stat().st_size for t in ALL_TABLES)
    return sum(meta["tables"].values()), size / 1e6


def generated_with(data_dir: Path) -> dict | None:
    """The generator's run parameters of the data in data_dir, if it holds one batch."""
    try:
        manifest = json.loads((data_dir / "manifest.json").read_text())
        if len(manifest["batches"]) != 1 or not (batch_folder(data_dir) / "batch.json").exists():
            return None
        return manifest["parameters"]["run"]
    except (OSError, KeyError, TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------- the ceiling


@dataclass(frozen=True)
class CeilingShape:
    """The tables a ceiling run loads into, and what its psql script does besides COPY."""

    batch_id_default: str = f"'{BATCH_ID}'"
    loaded_at_default: str = "now()"
    truncate_append_tables: bool = True
    analyze: bool = False


def prepare_ceiling_tables(settings: ConnectionSettings, shape: CeilingShape) -> None:
    """bronze's tables (same columns, types, NOT NULLs) in a fresh scratch schema."""
    conn = connect(settings)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"drop schema if exists {CEILING_SCHEMA} cascade")
            cur.execute(f"create schema {CEILING_SCHEMA}")
            for table in ALL_TABLES:
                cur.execute(table.ddl().replace(f"{SCHEMA}.", f"{CEILING_SCHEMA}.", 1))
                cur.execute(
                    f"alter table {CEILING_SCHEMA}.{table.name} "
                    f"alter column _batch_id set default {shape.batch_id_default}, "
                    f"alter column _loaded_at set default {shape.loaded_at_default}"
                )
    finally:
        conn.close()


def drop_scratch(settings: ConnectionSettings) -> None:
    conn = connect(settings)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"drop schema if exists {CEILING_SCHEMA} cascade")
    finally:
        conn.close()
    db.reset(settings)


def ceiling_script(data_dir: Path, shape: CeilingShape) -> str:
    folder = batch_folder(data_dir)
    lines = ["\\set ON_ERROR_STOP on", "begin;"]
    for setting, value in (
        ("financial_analytics.batch_id", f"'{BATCH_ID}'"),
        ("financial_analytics.loaded_at", "clock_timestamp()::text"),
    ):
        lines.append(f"select set_config('{setting}', {value}, true) \\g /dev/null")
    for table in ALL_TABLES:
        target = f"{CEILING_SCHEMA}.{table.name}"
        if table.mode == "replace" or shape.truncate_append_tables:
            lines.append(f"truncate {target};")
        else:
            lines.append(f"delete from {target} where _batch_id = '{BATCH_ID}';")
        lines.append(
            f"\\copy {target} ({', '.join(table.column_names)}) from "
            f"'{folder / (table.name + '.csv')}' with (format csv, header true)"
        )
    lines.append("commit;")
    if shape.analyze:
        lines.extend(f"analyze {CEILING_SCHEMA}.{table.name};" for table in ALL_TABLES)
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- the loader's client alone


class DigestReader:
    """The loader's read path without the progress bar: 1 MiB reads, SHA-256 optional."""

    def __init__(self, handle: IO[bytes], digest: bool) -> None:
        self._handle = handle
        self._sha256 = hashlib.sha256() if digest else None

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        if self._sha256 is not None:
            self._sha256.update(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        line = self._handle.readline(size)
        if self._sha256 is not None:
            self._sha256.update(line)
        return line


def client_copy(settings: ConnectionSettings, data_dir: Path, digest: bool) -> Timing:
    """psycopg2's copy_expert, as the loader calls it, into the ceiling's tables."""
    folder = batch_folder(data_dir)
    started = time.monotonic()
    cpu_started = time.thread_time()  # this thread's: the CPU sampler runs beside it
    conn = connect(settings)
    try:
        with conn, conn.cursor() as cur:
            for table in ALL_TABLES:
                target = f"{CEILING_SCHEMA}.{table.name}"
                cur.execute(f"truncate {target}")
                with (folder / f"{table.name}.csv").open("rb") as handle:
                    cur.copy_expert(
                        f"copy {target} ({', '.join(table.column_names)}) from stdin "
                        "with (format csv, header true)",
                        DigestReader(handle, digest),
                        size=1 << 20,
                    )
    finally:
        conn.close()
    return Timing(
        seconds=time.monotonic() - started, client_cpu_seconds=time.thread_time() - cpu_started
    )


# ------------------------------------------------------------------------------ the steps


@dataclass(frozen=True)
class Step:
    name: str
    description: str
    prepare: Callable[[], None]
    measure: Callable[[], Timing]
    loads_the_batch: bool = True


def build_steps(
    settings: ConnectionSettings,
    env: dict[str, str],
    work_dir: Path,
    breakdown: bool,
    compare_loaders: Sequence[str] = (),
) -> list[Step]:
    data_dir = work_dir / "data"

    def prepare_bronze() -> None:
        from scripts import load  # the loader's own DDL, so both runs start from empty tables

        db.reset(settings)
        conn = connect(settings)
        try:
            load.ensure_bronze(conn)
        finally:
            conn.close()

    def loader(module: str = "scripts.load") -> Timing:
        return timed_child(
            [sys.executable, "-m", module, "--data-dir", str(data_dir), "--log-level", "WARNING"],
            env,
        )

    def ceiling_step(name: str, description: str, shape: CeilingShape) -> Step:
        script = work_dir / f"{name.replace(' ', '_').replace(',', '')}.psql"

        def measure() -> Timing:
            script.write_text(ceiling_script(data_dir, shape))
            return timed_child([db.psql_path(), settings.uri(), "-q", "-f", str(script)], env)

        return Step(name, description, lambda: prepare_ceiling_tables(settings, shape), measure)

    steps = [
        Step(LOADER, "python -m scripts.load (child process)", prepare_bronze, loader),
        ceiling_step(
            CEILING,
            "psql \\copy, one transaction, truncate first, constant _batch_id default",
            CeilingShape(),
        ),
    ]
    steps += [
        Step(f"loader {module}", f"python -m {module}", prepare_bronze, partial(loader, module))
        for module in compare_loaders
    ]
    if not breakdown:
        return steps
    plain = CeilingShape()
    steps += [
        ceiling_step(
            "ceiling + _batch_id from a setting",
            "_batch_id default current_setting(...), as the loader's",
            replace(plain, batch_id_default=BATCH_ID_SETTING_DEFAULT),
        ),
        ceiling_step(
            "ceiling + old _loaded_at default",
            "_loaded_at default current_setting(...)::timestamptz, the loader's before",
            replace(plain, loaded_at_default=OLD_LOADED_AT_DEFAULT),
        ),
        ceiling_step(
            "ceiling + delete, not truncate",
            "append tables emptied by delete: COPY writes WAL (wal_level=minimal)",
            replace(plain, truncate_append_tables=False),
        ),
        ceiling_step(
            CEILING_ANALYZE,
            "analyze every table after commit, as the loader does",
            replace(plain, analyze=True),
        ),
        Step(
            "client copy_expert",
            "psycopg2 copy_expert, 1 MiB reads, in the benchmark's process (no start-up)",
            lambda: prepare_ceiling_tables(settings, plain),
            lambda: client_copy(settings, data_dir, digest=False),
        ),
        Step(
            "client copy_expert + SHA-256",
            "the same, hashing the bytes as COPY reads them",
            lambda: prepare_ceiling_tables(settings, plain),
            lambda: client_copy(settings, data_dir, digest=True),
        ),
        Step(
            "loader start-up",
            "python -c 'import scripts.load' (interpreter and imports)",
            lambda: None,
            lambda: timed_child([sys.executable, "-c", "import scripts.load"], env),
            loads_the_batch=False,
        ),
    ]
    return steps


def generate(transactions: int, customers: int, data_dir: Path, env: dict[str, str]) -> Timing:
    log.info("generating %s transactions for %s customers", f"{transactions:,}", f"{customers:,}")
    return timed_child(
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


def run_benchmark(
    transactions: int,
    customers: int,
    work_dir: Path,
    repeat: int,
    breakdown: bool = False,
    reuse_data: bool = False,
    compare_loaders: Sequence[str] = (),
) -> Result:
    settings = replace(ConnectionSettings.from_env(), dbname=BENCH_DATABASE)
    db.ensure_database(settings)
    env = dict(os.environ, PGDATABASE=BENCH_DATABASE, PYTHONPATH=str(REPO_ROOT))
    data_dir = work_dir / "data"

    held = generated_with(data_dir) if reuse_data else None
    if held and held.get("transactions") == transactions and held.get("customers") == customers:
        log.info("reusing the files in %s (same transactions and customers)", data_dir)
        generation = None
    else:
        generation = generate(transactions, customers, data_dir, env)
    rows, csv_mb = batch_rows(data_dir)
    log.info("%s rows, %.0f MB of CSV; %d rounds", f"{rows:,}", csv_mb, repeat)

    steps = build_steps(settings, env, work_dir, breakdown, compare_loaders)
    runs: list[RunRecord] = []
    try:
        for round_number in range(1, repeat + 1):
            # L C ..., then ... C L: alternating order, so drift weighs on every step alike
            order = steps if round_number % 2 else steps[::-1]
            for position, step in enumerate(order, start=1):
                step.prepare()
                load_average = tuple(round(x, 2) for x in os.getloadavg())
                with BackendCpu(settings) as backends:
                    timing = step.measure()
                # nothing left for autovacuum to work on during the next run
                drop_scratch(settings)
                runs.append(
                    RunRecord(
                        round=round_number,
                        position=position,
                        step=step.name,
                        seconds=round(timing.seconds, 3),
                        rows_per_s=round(rows / timing.seconds),
                        peak_rss_mb=None
                        if timing.peak_rss_mb is None or step.name != LOADER
                        else round(timing.peak_rss_mb),
                        load_average=load_average,
                        client_cpu_seconds=None
                        if timing.client_cpu_seconds is None
                        else round(timing.client_cpu_seconds, 3),
                        server_cpu_seconds=None
                        if backends.seconds is None
                        else round(backends.seconds, 3),
                    )
                )
                log.info(
                    "round %d, %s: %.2f s (load average %.2f)",
                    round_number,
                    step.name,
                    timing.seconds,
                    load_average[0],
                )
    finally:
        drop_scratch(settings)

    return summarise(
        transactions, customers, rows, csv_mb, repeat, generation, steps, runs, breakdown
    )


def summarise(
    transactions: int,
    customers: int,
    rows: int,
    csv_mb: float,
    repeat: int,
    generation: Timing | None,
    steps: list[Step],
    runs: list[RunRecord],
    breakdown: bool,
) -> Result:
    def seconds_of(name: str) -> list[float]:
        return [r.seconds for r in runs if r.step == name]

    def cpu_of(name: str) -> float | None:
        """Median CPU seconds of a step's runs: its client's and the server's."""
        values = [
            (r.client_cpu_seconds or 0) + r.server_cpu_seconds
            for r in runs
            if r.step == name and r.server_cpu_seconds is not None
        ]
        return round(statistics.median(values), 3) if values else None

    ceiling_median = statistics.median(seconds_of(CEILING))
    summaries = []
    for step in steps:
        values = seconds_of(step.name)
        median = statistics.median(values)
        summaries.append(
            StepSummary(
                step=step.name,
                description=step.description,
                median_seconds=round(median, 3),
                median_rows_per_s=round(rows / median),
                seconds=values,
                vs_ceiling_seconds=round(median - ceiling_median, 3)
                if step.loads_the_batch
                else None,
                median_cpu_seconds=cpu_of(step.name),
            )
        )
    per_round = [
        round(c / lo, 3) for lo, c in zip(seconds_of(LOADER), seconds_of(CEILING), strict=True)
    ]
    loads = [r.load_average[0] for r in runs]
    loader_rss = [r.peak_rss_mb for r in runs if r.step == LOADER and r.peak_rss_mb is not None]
    return Result(
        transactions=transactions,
        customers=customers,
        total_rows=rows,
        csv_mb=round(csv_mb, 1),
        repeat=repeat,
        generate_seconds=round(generation.seconds, 2) if generation else None,
        generate_rows_per_s=round(rows / generation.seconds) if generation else None,
        generate_peak_rss_mb=round(generation.peak_rss_mb or 0) if generation else None,
        load_average_median=round(statistics.median(loads), 2),
        load_average_min=min(loads),
        load_average_max=max(loads),
        loader_vs_ceiling=round(ceiling_median / statistics.median(seconds_of(LOADER)), 3),
        loader_vs_ceiling_per_round=per_round,
        loader_vs_ceiling_cpu=round(ceiling_cpu / loader_cpu, 3)
        if (ceiling_cpu := cpu_of(CEILING)) and (loader_cpu := cpu_of(LOADER))
        else None,
        loader_peak_rss_mb=max(loader_rss) if loader_rss else None,
        steps=summaries,
        runs=runs,
        machine={"cpus": os.cpu_count(), "breakdown": breakdown},
    )


def render(result: Result) -> str:
    lines = [
        f"rows: {result.total_rows:,} ({result.transactions:,} transactions), "
        f"CSV {result.csv_mb} MB, {result.repeat} interleaved rounds",
    ]
    if result.generate_seconds is not None:
        lines.append(
            f"generate: {result.generate_seconds:.2f} s, {result.generate_rows_per_s:,} rows/s, "
            f"peak RSS {result.generate_peak_rss_mb:,} MB"
        )
    else:
        lines.append("generate: not measured (--reuse-data kept earlier files)")
    lines.append(
        f"{'step':<36}{'median s':>9}{'rows/s':>11}{'vs ceiling':>11}{'CPU s':>7}  runs (s)"
    )
    for step in result.steps:
        runs = ", ".join(f"{s:.2f}" for s in step.seconds)
        if step.vs_ceiling_seconds is None:
            rates = f"{'':>11}{'':>11}"
        else:
            rates = f"{step.median_rows_per_s:>11,}{step.vs_ceiling_seconds:>+11.2f}"
        cpu = "" if step.median_cpu_seconds is None else f"{step.median_cpu_seconds:.2f}"
        lines.append(f"{step.step:<36}{step.median_seconds:>9.2f}{rates}{cpu:>7}  {runs}")
    per_round = ", ".join(f"{r:.0%}" for r in result.loader_vs_ceiling_per_round)
    generation = ""
    if result.generate_seconds is not None:
        loader = next(s for s in result.steps if s.step == LOADER)
        faster = result.generate_seconds < loader.median_seconds
        generation = f"; generation {'faster' if faster else 'SLOWER'} than loading"
    lines += [
        f"loader at {result.loader_vs_ceiling:.0%} of the \\copy ceiling (medians; per round "
        f"{per_round}; target >= 70%); loader peak RSS {result.loader_peak_rss_mb} MB{generation}",
        "in CPU seconds (client + its server backends, what contention barely stretches): "
        + (
            "not measured (external server)"
            if result.loader_vs_ceiling_cpu is None
            else f"loader at {result.loader_vs_ceiling_cpu:.0%} of the ceiling"
        ),
    ]
    same_work = next((s for s in result.steps if s.step == CEILING_ANALYZE), None)
    if same_work is not None:
        loader = next(s for s in result.steps if s.step == LOADER)
        lines.append(
            f"against the ceiling that also analyzes (the loader's whole work): "
            f"{same_work.median_seconds / loader.median_seconds:.0%}"
        )
    lines += [
        f"load average (1 min) at the runs' starts: median {result.load_average_median:.2f}, "
        f"{result.load_average_min:.2f} to {result.load_average_max:.2f}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--transactions", type=int, default=1_000_000, help="default: %(default)s")
    parser.add_argument("--customers", type=int, help="default: transactions / 50")
    parser.add_argument(
        "--repeat", type=int, default=3, help="interleaved rounds (default: %(default)s)"
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time the ceiling with each of the loader's costs added, one at a time",
    )
    parser.add_argument(
        "--compare-loader",
        action="append",
        default=[],
        metavar="MODULE",
        help="also time another loader module with the same command line (e.g. an older one)",
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep the work dir's generated files when their parameters match",
    )
    parser.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / ".bench", help="default: %(default)s"
    )
    parser.add_argument("--out", type=Path, help="default: WORK_DIR/bench_load.json")
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.transactions <= 0:
        raise UserError("--transactions must be positive")
    if args.repeat <= 0:
        raise UserError("--repeat must be positive")
    customers = args.customers or max(1000, args.transactions // 50)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    result = run_benchmark(
        args.transactions,
        customers,
        args.work_dir,
        args.repeat,
        breakdown=args.breakdown,
        reuse_data=args.reuse_data,
        compare_loaders=args.compare_loader,
    )
    result.machine["command"] = "python -m scripts.bench_load " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    print(render(result))
    out = args.out or args.work_dir / "bench_load.json"
    out.write_text(json.dumps(asdict(result), indent=2) + "\n")
    log.info("every run written to %s", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
