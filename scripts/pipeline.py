"""Run the whole flow: generate, load, dbt build, time-advance cycles, then ML scoring.

    python -m scripts.pipeline [--customers 1000] [--transactions 50000] [--advance-cycles 3]

The same steps serve `make demo` and the test suite's small warehouse, so what the
tests check is exactly what a user runs. Each cycle advances the source systems by
--advance-days, loads the new batch and runs an incremental `dbt build` (which takes
the snapshots too), so SCD2 history and incremental models are real. Last, the
scikit-learn models train on gold and score it (scripts/ml), and the analytics models
are rebuilt to join the scores.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scripts import db, load
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings

log = logging.getLogger("financial_analytics.pipeline")

REPO_ROOT = Path(__file__).resolve().parent.parent
ANALYTICS_SELECTOR = "models/gold/analytics"


@dataclass(frozen=True)
class PipelineOptions:
    data_dir: Path = Path("data")
    customers: int = 1000
    transactions: int = 50_000
    start_date: str = "2022-01-01"
    end_date: str = "2023-12-31"
    seed: int = 42
    defect_rate: float = 0.02
    advance_cycles: int = 3
    advance_days: int = 3
    dbt_args: tuple[str, ...] = field(default_factory=tuple)
    # where the ML step writes its model cards; None: its default, reports/model_cards
    card_dir: Path | None = None
    # False builds every model and snapshot but runs no data or unit test: for a second
    # run of inputs already tested, where only the tables matter
    run_tests: bool = True

    @property
    def build_args(self) -> tuple[str, ...]:
        skip_tests = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
        return self.dbt_args if self.run_tests else (*self.dbt_args, *skip_tests)

    def generator_args(self) -> list[str]:
        return [
            "--out-dir",
            str(self.data_dir),
            "--customers",
            str(self.customers),
            "--transactions",
            str(self.transactions),
            "--start-date",
            self.start_date,
            "--end-date",
            self.end_date,
            "--seed",
            str(self.seed),
            "--defect-rate",
            str(self.defect_rate),
        ]


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt(*args: str, extra: Sequence[str] = ()) -> None:
    """Run one dbt command in the project; a failure stops the pipeline with one line."""
    command = [dbt_executable(), *args, *extra]
    env = dict(os.environ)
    env.setdefault("DBT_PROFILES_DIR", str(REPO_ROOT))
    log.info("$ dbt %s", " ".join([*args, *extra]))
    result = subprocess.run(command, cwd=REPO_ROOT, env=env)
    if result.returncode != 0:
        raise UserError(
            f"`dbt {' '.join(args)}` failed (exit {result.returncode}); see its output above"
        )


def python_module(module: str, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO_ROOT)
    if result.returncode != 0:
        raise UserError(f"`python -m {module} {' '.join(args)}` failed (exit {result.returncode})")


class Steps:
    """Times and logs each step so a slow one is easy to spot."""

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []

    def __call__(
        self, name: str, action: Callable[..., object], *args: object, **kwargs: object
    ) -> None:
        log.info("== %s", name)
        started = time.monotonic()
        action(*args, **kwargs)
        self.timings.append((name, time.monotonic() - started))

    def report(self) -> str:
        width = max(len(name) for name, _ in self.timings)
        lines = [f"  {name:<{width}}  {seconds:7.1f} s" for name, seconds in self.timings]
        total = sum(seconds for _, seconds in self.timings)
        return "\n".join(["Step timings:", *lines, f"  {'total':<{width}}  {total:7.1f} s"])


def run_pipeline(options: PipelineOptions) -> Steps:
    settings = ConnectionSettings.from_env()
    steps = Steps()
    steps("reset warehouse schemas", db.reset, settings)
    steps(
        "generate initial batch",
        python_module,
        "scripts.generate",
        "--reset",
        *options.generator_args(),
    )
    steps("load", load.load_all, options.data_dir)
    # Unit tests of incremental models mock `this`, and dbt reads its columns from the
    # relation (dbt-core #10695): on an empty warehouse they run after the first build.
    steps(
        "dbt build (full)",
        dbt,
        "build",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
        extra=options.build_args,
    )
    if options.run_tests:
        steps("dbt unit tests", dbt, "test", "--select", "test_type:unit", extra=options.dbt_args)
    for cycle in range(1, options.advance_cycles + 1):
        label = f"advance {cycle}/{options.advance_cycles} (+{options.advance_days} days)"
        steps(
            f"{label}: generate",
            python_module,
            "scripts.generate",
            "--out-dir",
            str(options.data_dir),
            "--advance-days",
            str(options.advance_days),
        )
        steps(
            f"{label}: load",
            load.load_all,
            options.data_dir,
        )
        # its data tests check the rows this build wrote (macros/latest_write.sql); the full
        # build before it tested every row
        steps(f"{label}: dbt build (incremental)", dbt, "build", extra=options.build_args)
    # the models learn from the finished gold layer; the analytics models, built above on
    # rule-based scores, are rebuilt to join the model scores
    card_args = ("--card-dir", str(options.card_dir)) if options.card_dir else ()
    steps(
        "ml: train and score",
        python_module,
        "scripts.ml.train",
        "--log-level",
        "INFO",
        *card_args,
    )
    steps(
        "dbt build (analytics)",
        dbt,
        "build",
        "--select",
        ANALYTICS_SELECTOR,
        extra=options.build_args,
    )
    return steps


def build_parser() -> argparse.ArgumentParser:
    defaults = PipelineOptions()
    parser = argparse.ArgumentParser(
        prog="python -m scripts.pipeline", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir)
    parser.add_argument("--customers", type=int, default=defaults.customers)
    parser.add_argument("--transactions", type=int, default=defaults.transactions)
    parser.add_argument("--start-date", default=defaults.start_date)
    parser.add_argument("--end-date", default=defaults.end_date)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--defect-rate", type=float, default=defaults.defect_rate)
    parser.add_argument("--advance-cycles", type=int, default=defaults.advance_cycles)
    parser.add_argument("--advance-days", type=int, default=defaults.advance_days)
    parser.add_argument(
        "--card-dir", type=Path, default=None, help="model cards (default: reports/model_cards)"
    )
    add_logging_args(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level)
    if args.advance_cycles < 0 or args.advance_days <= 0:
        raise UserError("--advance-cycles must be >= 0 and --advance-days > 0")
    options = PipelineOptions(
        data_dir=args.data_dir,
        customers=args.customers,
        transactions=args.transactions,
        start_date=args.start_date,
        end_date=args.end_date,
        seed=args.seed,
        defect_rate=args.defect_rate,
        advance_cycles=args.advance_cycles,
        advance_days=args.advance_days,
        card_dir=args.card_dir,
    )
    db.start(ConnectionSettings.from_env())
    steps = run_pipeline(options)
    print(steps.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
