"""scripts.bench_model: bad input gets one readable line and a non-zero exit, and nothing
is left behind (the baseline worktree is removed)."""

from __future__ import annotations

import json
import os
import subprocess

from tests.python.helpers import REPO_ROOT, run_module


def worktrees() -> list[str]:
    listing = subprocess.run(
        ["git", "worktree", "list", "--porcelain"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in listing.stdout.splitlines() if line.startswith("worktree ")]


def bench_model(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module(
        "scripts.bench_model",
        "--model",
        "features_transaction_risk",
        *args,
        env=dict(os.environ),
        check=False,
    )


def test_an_unknown_baseline_revision_is_one_line_and_exit_2() -> None:
    before = worktrees()
    result = bench_model("--baseline", "no-such-revision")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot check out 'no-such-revision': ")
    assert worktrees() == before


def test_rounds_below_one_are_refused() -> None:
    result = bench_model("--baseline", "HEAD", "--rounds", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --rounds must be at least 1"


def test_an_inline_statement_runs_at_both_revisions_and_writes_nothing(warehouse, conn, tmp_path):
    # a delete timed under explain analyze really runs: the transaction around it must be
    # rolled back, or the benchmark would empty the table it measures
    def held() -> int:
        with conn.cursor() as cur:
            cur.execute("select count(*) from gold.fact_customer_monthly")
            return cur.fetchone()[0]

    before = held()
    output = tmp_path / "bench_model.json"
    result = run_module(
        "scripts.bench_model", "--baseline", "HEAD", "--rounds", "1", "--output", str(output),
        "--inline", "delete from {{ ref('fact_customer_monthly') }}",
        env=dict(os.environ, PGDATABASE=warehouse.settings.dbname), check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(output.read_text())
    assert [run["revision"] for run in figures["runs"]] == ["baseline", "candidate"]
    assert before > 0
    assert held() == before
