"""Benchmark: the whole flow at several scales, step by step, in one invocation.

    python -m scripts.bench_scale [--scales 1000000 10000000] [--transactions-per-customer-year 300]
        [--start-date 2023-01-01] [--end-date 2023-12-31] [--advance-cycles 3]

For each scale, in a scratch database of its own (financial_analytics_scale_<N>) and a data
folder under --work-dir, the steps `make demo` runs, each one timed: generate, load, the
full build (`dbt build --full-refresh` without unit tests, with its node-seconds per layer:
silver, snapshots, dimensions, facts, features, analytics, tests), ML train and score, the analytics rebuild, the reports, then for every advance of
--advance-days its generate, load and incremental `dbt build`, and last a `dbt build` with
no new data. Per step it records wall time, rows per second (the batch's
rows for generate and load; the staged transactions for the builds), the peak resident
memory of our process (the step runs as a child: wait4's ru_maxrss), the peak memory of
the server (the sum of the proportional set sizes of its processes, sampled every half
second; embedded server only) and the load average when it ended. After each scale it
records the disk each schema uses. Figures are printed and written to
<work-dir>/bench_scale.json; the ratios that matter are within this one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from scripts import db
from scripts.bench_dbt import build_breakdown
from scripts.bench_reports import scalar
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings, autocommit_connection
from scripts.connection import data_dir as server_dir
from scripts.pipeline import ANALYTICS_SELECTOR, REPO_ROOT, dbt_executable

log = logging.getLogger("financial_analytics.bench")

SAMPLE_SECONDS = 0.5
DATA_ONLY = ("--exclude-resource-type", "unit_test")


@dataclass(frozen=True)
class StepResult:
    scale: int
    step: str
    seconds: float
    rows: int | None
    rows_per_second: float | None
    peak_rss_mb: float
    server_peak_mb: float | None
    load_average: float


@dataclass
class ScaleResult:
    transactions: int
    customers: int
    steps: list[StepResult] = field(default_factory=list)
    # node-seconds per layer (silver, snapshots, facts, ...) of each build, from run_results
    layers: dict[str, dict[str, float]] = field(default_factory=dict)
    schema_mb: dict[str, float] = field(default_factory=dict)


class ServerMemory:
    """Peak memory of the server's processes while a step runs: the sum of their
    proportional set sizes (shared buffers counted once), sampled in a thread."""

    def __init__(self, postmaster_pid: int | None) -> None:
        self.postmaster_pid = postmaster_pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ServerMemory:
        if self.postmaster_pid is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _pids(self) -> list[int]:
        children = Path(f"/proc/{self.postmaster_pid}/task/{self.postmaster_pid}/children")
        try:
            return [self.postmaster_pid, *map(int, children.read_text().split())]
        except OSError:
            return []

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._pids():
                try:
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
                except (OSError, ValueError):
                    continue
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(SAMPLE_SECONDS)

    @property
    def peak_mb(self) -> float | None:
        return round(self.peak_kb / 1024, 1) if self.postmaster_pid is not None else None


def postmaster_pid(settings: ConnectionSettings) -> int | None:
    """The embedded server's postmaster (first line of postmaster.pid); None when external."""
    if settings.external:
        return None
    pid_file = server_dir() / "data" / "postmaster.pid"
    try:
        return int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        log.warning("no %s: server memory is not measured", pid_file)
        return None


class Runner:
    """Runs each step as a child process and records what it cost."""

    def __init__(
        self,
        result: ScaleResult,
        env: dict[str, str],
        server_pid: int | None,
        save: Callable[[], None],
    ) -> None:
        self.result = result
        self.env = env
        self.server_pid = server_pid
        self.save = save

    def step(
        self, name: str, command: list[str], rows: int | Callable[[], int] | None = None
    ) -> None:
        """Run one step; rows (or a function that counts them once it ran) gives rows/s."""
        log.info("[%s] %s", f"{self.result.transactions:,}", name)
        with ServerMemory(self.server_pid) as server:
            started = time.monotonic()
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise UserError(f"{name} failed (exit {code}) at {self.result.transactions:,}")
        if callable(rows):
            rows = rows()
        self.result.steps.append(
            StepResult(
                scale=self.result.transactions,
                step=name,
                seconds=round(seconds, 1),
                rows=rows,
                rows_per_second=round(rows / seconds) if rows else None,
                peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
                server_peak_mb=server.peak_mb,
                load_average=round(os.getloadavg()[0], 2),
            )
        )
        self.save()  # a run that fails later keeps the steps it measured


def layer_seconds(target: Path, label: str) -> dict[str, float]:
    """Node-seconds per layer of the build that just ran (its run_results.json), which is
    kept as run_results_<label>.json: every node's time, to compare between scales."""
    kept = target / f"run_results_{label.replace(' ', '_')}.json"
    shutil.copyfile(target / "run_results.json", kept)
    layers, _ = build_breakdown(kept, target / "manifest.json")
    return layers


def batch_rows(data_dir: Path) -> int:
    """Rows of the newest batch, from its batch.json."""
    newest = sorted((data_dir / "batches").iterdir())[-1]
    return int(sum(json.loads((newest / "batch.json").read_text())["tables"].values()))


def staged_transactions(settings: ConnectionSettings) -> int:
    with autocommit_connection(settings) as conn, conn.cursor() as cur:
        return int(scalar(cur, "select count(*) from bronze.transactions"))


def schema_sizes(settings: ConnectionSettings) -> dict[str, float]:
    query = """
        select n.nspname, sum(pg_total_relation_size(c.oid))
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        where c.relkind in ('r', 'm', 'p')
            and n.nspname in ('bronze', 'silver', 'snapshots', 'gold', 'quality')
        group by n.nspname
        order by n.nspname
    """
    with autocommit_connection(settings) as conn, conn.cursor() as cur:
        cur.execute(query)
        return {schema: round(float(size) / 1e6, 1) for schema, size in cur.fetchall()}


def run_scale(
    args: argparse.Namespace,
    transactions: int,
    results: list[ScaleResult],
    save: Callable[[], None],
) -> ScaleResult:
    window = dt.date.fromisoformat(args.end_date) - dt.date.fromisoformat(args.start_date)
    years = (window.days + 1) / 365
    customers = max(1000, round(transactions / (args.transactions_per_customer_year * years)))
    database = f"financial_analytics_scale_{transactions}"
    settings = replace(ConnectionSettings.from_env(), dbname=database)
    db.ensure_database(settings)
    db.ensure_reader_role(settings)
    db.reset(settings)
    work = args.work_dir / f"scale_{transactions}"
    data_dir = work / "data"
    env = dict(
        os.environ,
        PGDATABASE=database,
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        PYTHONPATH=str(REPO_ROOT),
    )
    result = ScaleResult(transactions=transactions, customers=customers)
    results.append(result)
    runner = Runner(result, env, postmaster_pid(settings), save)
    python, dbt = sys.executable, dbt_executable()

    runner.step(
        "generate",
        [
            python, "-m", "scripts.generate", "--reset", "--out-dir", str(data_dir),
            "--customers", str(customers), "--transactions", str(transactions),
            "--start-date", args.start_date, "--end-date", args.end_date,
            "--log-level", "WARNING",
        ],
        rows=lambda: batch_rows(data_dir),
    )  # fmt: skip
    initial_rows = batch_rows(data_dir)
    runner.step("load", [python, "-m", "scripts.load", "--data-dir", str(data_dir)], initial_rows)
    bronze_transactions = staged_transactions(settings)
    runner.step(
        "full build",
        [dbt, "build", "--full-refresh", "--quiet", *DATA_ONLY],
        bronze_transactions,
    )
    result.layers["full build"] = layer_seconds(work / "target", "full build")
    runner.step(
        "ml train and score",
        [python, "-m", "scripts.ml.train", "--card-dir", str(work / "model_cards"),
         "--log-level", "WARNING"],
    )  # fmt: skip
    runner.step(
        "analytics rebuild", [dbt, "build", "--quiet", "--select", ANALYTICS_SELECTOR, *DATA_ONLY]
    )
    runner.step(
        "reports",
        [python, "analytics_viz/run_all_viz.py", "--output-dir", str(work / "reports")],
    )
    for cycle in range(1, args.advance_cycles + 1):
        label = f"advance {cycle} (+{args.advance_days} d)"
        runner.step(
            f"{label}: generate",
            [python, "-m", "scripts.generate", "--out-dir", str(data_dir),
             "--advance-days", str(args.advance_days), "--log-level", "WARNING"],
            rows=lambda: batch_rows(data_dir),
        )  # fmt: skip
        rows = batch_rows(data_dir)
        runner.step(
            f"{label}: load", [python, "-m", "scripts.load", "--data-dir", str(data_dir)], rows
        )
        runner.step(f"{label}: dbt build", [dbt, "build", "--quiet", *DATA_ONLY], rows)
        result.layers[f"{label}: dbt build"] = layer_seconds(work / "target", f"advance {cycle}")
    runner.step("dbt build, no new data", [dbt, "build", "--quiet", *DATA_ONLY])
    result.schema_mb = schema_sizes(settings)
    save()
    return result


def render(results: list[ScaleResult]) -> str:
    lines = []
    for result in results:
        lines.append(
            f"{result.transactions:,} transactions, {result.customers:,} customers "
            f"(disk MB: {', '.join(f'{k} {v:,.0f}' for k, v in result.schema_mb.items())})"
        )
        lines.append(
            f"  {'step':<34} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} {'server MB':>10} {'load':>5}"
        )
        for step in result.steps:
            rate = f"{step.rows_per_second:,}" if step.rows_per_second else ""
            server = f"{step.server_peak_mb:,.0f}" if step.server_peak_mb is not None else "n/a"
            lines.append(
                f"  {step.step:<34} {step.seconds:8.1f} {rate:>10} {step.peak_rss_mb:8.0f} "
                f"{server:>10} {step.load_average:5.2f}"
            )
        for build, layers in result.layers.items():
            parts = ", ".join(f"{layer} {seconds:,.1f}" for layer, seconds in layers.items())
            lines.append(f"  node-seconds, {build}: {parts}")
    if len(results) > 1:
        small, large = results[0], results[-1]
        by_step = {step.step: step.seconds for step in small.steps}
        lines.append(f"ratios {large.transactions:,} / {small.transactions:,}:")
        for step in large.steps:
            if by_step.get(step.step):
                lines.append(f"  {step.step:<34} {step.seconds / by_step[step.step]:6.2f}x")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_scale", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--scales", type=int, nargs="+", default=[1_000_000, 10_000_000],
        help="transactions of each run, smallest first (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--transactions-per-customer-year", type=int, default=300,
        help="customer-initiated transactions a customer makes a year, which sets the customers "
        "of each scale (default: %(default)s, a current-account customer who pays by card)",
    )  # fmt: skip
    parser.add_argument("--start-date", default="2023-01-01", help="default: %(default)s")
    parser.add_argument("--end-date", default="2023-12-31", help="default: %(default)s")
    parser.add_argument("--advance-cycles", type=int, default=3, help="default: %(default)s")
    parser.add_argument("--advance-days", type=int, default=1, help="default: %(default)s")
    parser.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / ".bench", help="default: %(default)s"
    )
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if any(scale <= 0 for scale in args.scales):
        raise UserError("--scales must be positive numbers of transactions")
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    results: list[ScaleResult] = []
    out = args.work_dir / "bench_scale.json"

    def save() -> None:
        out.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")

    for scale in sorted(args.scales):
        run_scale(args, scale, results, save)
    print(render(results))
    log.info("figures written to %s", args.work_dir / "bench_scale.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
