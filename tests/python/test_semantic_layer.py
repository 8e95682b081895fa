"""The semantic layer: MetricFlow's metrics by month equal the warehouse's own numbers.

Each metric gold.descriptive_analytics also holds must equal its 'overall' rows month by
month; churn and engagement, which it does not hold, must equal a pandas computation from
the transactions. README's `make metrics` examples must run. `mf` runs as a user runs it,
on the session's small warehouse.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scripts.ml.features import query_frame
from tests.python.helpers import REPO_ROOT

MF = Path(sys.executable).parent / "mf"

# metric -> decimals descriptive_analytics rounds it to (None: not rounded)
DESCRIPTIVE_METRICS: dict[str, int | None] = {
    "transaction_count": None,
    "approved_transaction_count": None,
    "declined_transaction_count": None,
    "fraud_transaction_count": None,
    "transaction_value_amount": None,
    "approved_value_amount": None,
    "fraud_amount": None,
    "fee_revenue_amount": None,
    "active_customers": None,
    "ticket_transaction_count": None,
    "ticket_value_amount": None,
    "average_ticket_amount": 2,
    "decline_rate": 6,
    "fraud_rate": 6,
    "value_mom_change_pct": 6,
}
ACTIVITY_METRICS = ("daily_active_customers", "dau_mau_ratio", "churn_rate")

MF_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def mf_project(warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder for `mf`, which reads <project>/target/semantic_manifest.json.

    The session's dbt wrote that manifest for the test database into DBT_TARGET_PATH;
    the repository's target/ names the developer's database and is left alone.
    """
    project = tmp_path_factory.mktemp("mf_project")
    shutil.copy(REPO_ROOT / "dbt_project.yml", project)
    (project / "target").mkdir()
    shutil.copy(Path(os.environ["DBT_TARGET_PATH"]) / "semantic_manifest.json", project / "target")
    return project


def _mf_command(project: Path, options: list[str], csv: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(MF), "query", *options, "--csv", str(csv), "--quiet"],
        cwd=project,
        env=dict(os.environ, DBT_PROJECT_DIR=str(project), DBT_PROFILES_DIR=str(REPO_ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_mf_queries(project: Path, queries: list[list[str]]) -> list[pd.DataFrame]:
    """Run the `mf query` option lists at the same time; their results in order."""
    runs = []
    for number, options in enumerate(queries):
        csv = project / f"result_{number}.csv"
        csv.unlink(missing_ok=True)
        runs.append((options, csv, _mf_command(project, options, csv)))
    frames = []
    for options, csv, process in runs:
        output, _ = process.communicate(timeout=MF_TIMEOUT_SECONDS)
        assert process.returncode == 0 and csv.exists(), (
            f"mf query {shlex.join(options)} failed ({process.returncode}):\n{output[-3000:]}"
        )
        frames.append(pd.read_csv(csv))
    return frames


def readme_examples() -> list[list[str]]:
    """The `make metrics Q="..."` examples of README's Semantic layer section, as mf options."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Semantic layer", 1)[1].split("\n## ", 1)[0]
    return [shlex.split(q) for q in re.findall(r'^make metrics Q="([^"]+)"', section, re.M)]


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()


def _close(actual: float, expected: float, decimals: int | None) -> bool:
    if pd.isna(expected):
        return pd.isna(actual)
    if decimals is not None:
        actual = round(float(actual), decimals)
        return math.isclose(actual, float(expected), abs_tol=1.5 * 10**-decimals)
    return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-6)


@pytest.fixture(scope="module")
def metric_results(mf_project: Path) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Every metric by month, and README's examples, from one round of concurrent mf runs."""
    metrics = ",".join([*DESCRIPTIVE_METRICS, *ACTIVITY_METRICS])
    by_month = ["--metrics", metrics, "--group-by", "metric_time__month"]
    examples = readme_examples()
    monthly, *example_frames = run_mf_queries(mf_project, [by_month, *examples])
    monthly["month"] = _month(monthly["metric_time__month"])
    return monthly.set_index("month"), example_frames


def test_each_metric_by_month_equals_descriptive_analytics(metric_results, conn):
    monthly, _ = metric_results
    gold = query_frame(
        conn,
        f"select period_start_date, {', '.join(DESCRIPTIVE_METRICS)} "
        "from gold.descriptive_analytics where breakdown = 'overall'",
    )
    gold["month"] = _month(gold["period_start_date"])
    gold = gold.set_index("month")
    assert len(gold) >= 3
    # the semantic layer has a row for every month of data, and none with data beyond them
    with_data = monthly[monthly["transaction_count"].fillna(0) > 0]
    assert sorted(with_data.index) == sorted(gold.index)
    mismatches = [
        (month.date(), metric, monthly.loc[month, metric], gold.loc[month, metric])
        for month in gold.index
        for metric, decimals in DESCRIPTIVE_METRICS.items()
        if not _close(monthly.loc[month, metric], gold.loc[month, metric], decimals)
    ]
    assert not mismatches, mismatches


def test_churn_and_engagement_equal_a_computation_from_the_transactions(metric_results, conn):
    monthly, _ = metric_results
    facts = query_frame(
        conn, "select customer_id, transaction_date, is_approved from gold.fact_transactions"
    )
    facts["month"] = _month(facts["transaction_date"])
    daily = facts.groupby(["month", "transaction_date"])["customer_id"].nunique()
    dau = daily.groupby(level="month").mean()
    mau = facts.groupby("month")["customer_id"].nunique()
    approved = facts[facts["is_approved"]].groupby("month")["customer_id"].agg(set)
    months = sorted(mau.index)
    assert len(months) >= 3
    for previous, month in itertools.pairwise(months):
        before, now = approved.get(previous, set()), approved.get(month, set())
        expected = {
            "daily_active_customers": dau[month],
            "dau_mau_ratio": dau[month] / mau[month],
            "churn_rate": len(before - now) / len(before) if before else float("nan"),
        }
        for metric, value in expected.items():
            assert _close(monthly.loc[month, metric], value, None), (month, metric)
    # engagement is a share, and a month's churners are customers who were active
    assert monthly["dau_mau_ratio"].dropna().between(0, 1).all()
    assert monthly["churn_rate"].dropna().between(0, 1).all()


def test_readme_metric_examples_run(metric_results):
    _, frames = metric_results
    assert len(frames) == 3, "README's Semantic layer section shows three `make metrics` examples"
    for frame in frames:
        metric_columns = [column for column in frame.columns if "__" not in column]
        assert metric_columns and len(frame) > 0
        assert frame[metric_columns].notna().any().all(), frame.head()
