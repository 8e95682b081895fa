"""Benchmark: one model's query, or one statement, as this checkout and a baseline
revision compile it.

    python -m scripts.bench_model --model features_transaction_risk --baseline 606efe7
    python -m scripts.bench_model --baseline 4170001 --inline \
        "{{ delete_unbacked_rows(ref('stg_transactions'), ref('judged_transactions'), 'transaction_id') }}"

Both revisions compile with `dbt compile` against the warehouse in PGDATABASE (the
baseline from a temporary git worktree), so both see the same tables and the same pending
batch, and an incremental model compiles its incremental form. Each compiled statement
then runs under `explain (analyze, timing off)`, which executes it whole, inside a
transaction that is rolled back, so nothing is written (a delete, a post-hook, leaves
the tables as they were), in interleaved rounds (baseline first). Every run is printed
with the load average at its start, then the medians and their ratio; the figures also go
to a JSON file. A model's query is what its node spends most of its time on: the write,
the hooks and dbt's own work come on top and are the same for both; --inline times a
hook (or any macro's SQL) on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings, connect
from scripts.pipeline import REPO_ROOT, dbt_executable

log = logging.getLogger("financial_analytics.bench")

DEFAULT_OUTPUT = REPO_ROOT / ".bench" / "bench_model.json"


@contextlib.contextmanager
def baseline_checkout(revision: str, parent: Path) -> Iterator[Path]:
    """A detached git worktree of `revision`, removed on exit."""
    path = parent / "baseline"
    added = subprocess.run(
        ["git", "worktree", "add", "--detach", str(path), revision],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if added.returncode != 0:
        raise UserError(f"cannot check out {revision!r}: {added.stderr.strip().splitlines()[-1]}")
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(path)], cwd=REPO_ROOT, check=False
        )


def compiled_statement(project: Path, work: Path, model: str | None, inline: str | None) -> str:
    """The model's select, or the inline Jinja SQL, as `dbt compile` renders it in
    `project` against the warehouse."""
    target = work / "target"
    env = dict(
        os.environ,
        DBT_PROFILES_DIR=str(REPO_ROOT),
        DBT_TARGET_PATH=str(target),
        DBT_LOG_PATH=str(work / "logs"),
    )
    subject = ["--select", model] if model else ["--inline", inline or "", "--output", "json"]
    result = subprocess.run(
        [dbt_executable(), "compile", "--quiet", *subject],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    compiled = (
        [path.read_text() for path in sorted((target / "compiled").rglob(f"{model}.sql"))]
        if model
        else inline_compiled(result.stdout)
    )
    if result.returncode != 0 or not compiled:
        detail = (result.stdout + result.stderr).strip().splitlines()
        raise UserError(
            f"dbt could not compile {model or 'the inline SQL'} in {project}: "
            f"{detail[-1:] or 'no output'}"
        )
    return compiled[0]


def inline_compiled(stdout: str) -> list[str]:
    """The compiled SQL from `dbt compile --inline --output json` (one JSON document,
    printed over several lines), or nothing."""
    start = stdout.find("{")
    if start < 0:
        return []
    try:
        document, _ = json.JSONDecoder().raw_decode(stdout[start:])
    except json.JSONDecodeError:
        return []
    return [document["compiled"]] if "compiled" in document else []


def execution_seconds(settings: ConnectionSettings, statement: str) -> float:
    """Run the statement under explain analyze in a transaction rolled back afterwards
    (nothing is written) and return its time."""
    with contextlib.closing(connect(settings)) as conn:
        try:
            with conn.cursor() as cur:
                cur.execute(f"explain (analyze, timing off, format json) {statement}")
                plan = cur.fetchone()[0]
        finally:
            conn.rollback()
    return round(plan[0]["Execution Time"] / 1000, 2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_model",
        description="Benchmark one model's query: this checkout against a baseline revision.",
    )
    subject = parser.add_mutually_exclusive_group(required=True)
    subject.add_argument("--model", help="the model whose select to compile and time")
    subject.add_argument(
        "--inline", help="Jinja SQL to compile and time instead, e.g. a post-hook's macro call"
    )
    parser.add_argument("--baseline", required=True, help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2, help="default: %(default)s")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="default: %(default)s")
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.rounds < 1:
        raise UserError("--rounds must be at least 1")

    settings = ConnectionSettings.from_env()
    with tempfile.TemporaryDirectory(prefix="bench_model_") as scratch:
        work = Path(scratch)
        with baseline_checkout(args.baseline, work) as checkout:
            selects = {
                "baseline": compiled_statement(
                    checkout, work / "baseline_dbt", args.model, args.inline
                ),
                "candidate": compiled_statement(
                    REPO_ROOT, work / "candidate_dbt", args.model, args.inline
                ),
            }
    runs: list[dict[str, object]] = []
    for round_number in range(1, args.rounds + 1):
        for label, select in selects.items():
            load_average = round(os.getloadavg()[0], 2)
            started = time.strftime("%H:%M:%S")
            seconds = execution_seconds(settings, select)
            runs.append(
                {"round": round_number, "revision": label, "started": started,
                 "load_average": load_average, "seconds": seconds}
            )  # fmt: skip
            log.info(
                "round %d %-9s %8.2f s (load %.2f)", round_number, label, seconds, load_average
            )
    medians = {
        label: statistics.median(r["seconds"] for r in runs if r["revision"] == label)
        for label in selects
    }
    ratio = medians["baseline"] / medians["candidate"] if medians["candidate"] else float("inf")
    print(
        f"{args.model or 'inline SQL'} on {settings.dbname}: baseline ({args.baseline}) median "
        f"{medians['baseline']:.2f} s, this checkout {medians['candidate']:.2f} s, "
        f"{ratio:.1f}x faster ({args.rounds} rounds, interleaved)"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {"model": args.model, "inline": args.inline, "database": settings.dbname, "baseline": args.baseline,
             "runs": runs, "medians": medians, "ratio": round(ratio, 2)},
            indent=2,
        )
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
