"""Data quality: can the numbers be trusted? Rejections, reconciliation, freshness, checks.

    python analytics_viz/09_data_quality.py [--output-dir reports]

Reads the gold quality models (counts only: models/gold/quality), which the gold-only
reader role can read, and the test results of the last dbt run (run_results.json in
dbt's target folder, when there is one). Nothing here reads a rejected row itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from common import (
    D3_COUNT,
    GOLD,
    GREEN,
    GREY,
    HEAT,
    NAVY,
    ORANGE,
    PALETTE,
    RED,
    REPO_ROOT,
    ChartSpec,
    Frames,
    ReportSpec,
    count,
    hover,
    label,
    run_report,
    titled,
)
from plotly.subplots import make_subplots

# -- rejections per batch --------------------------------------------------------------

# Per batch: rejected rows by reason, and all rows the batch sent (each table's count
# appears once per reason in the model, so it is taken once per table first).
BATCH_SQL = """
with sent as (
    select batch_id, source_table, max(batch_table_row_count) as sent_rows
    from gold.dq_rejections_by_batch
    group by batch_id, source_table
),

batch_rows as (
    select batch_id, sum(sent_rows) as sent_rows
    from sent
    group by batch_id
)

select
    rejections.batch_id,
    min(rejections.batch_kind) as batch_kind,
    min(rejections.batch_as_of_at) as batch_as_of_at,
    rejections.reason,
    sum(rejections.rejected_row_count) as rejected_rows,
    min(batch_rows.sent_rows) as sent_rows
from gold.dq_rejections_by_batch as rejections
inner join batch_rows
    on rejections.batch_id = batch_rows.batch_id
group by rejections.batch_id, rejections.reason
order by rejections.batch_id, rejections.reason
"""


def batch_label(row: pd.Series) -> str:
    """'b0002<br>advance<br>2024-01-03': three short lines fit under a bar on a phone."""
    as_of = pd.Timestamp(row["batch_as_of_at"])
    return f"{row['batch_id']}<br>{row['batch_kind']}<br>{as_of:%Y-%m-%d}"


def build_rejections_by_batch(df: pd.DataFrame) -> go.Figure:
    df = df.assign(batch=df.apply(batch_label, axis=1))
    batches = df.drop_duplicates("batch_id").sort_values("batch_id")
    rejected = df[df["reason"] != "none"]
    totals = rejected.groupby("batch_id")["rejected_rows"].sum()
    share = batches["batch_id"].map(totals).fillna(0) / batches["sent_rows"].where(
        batches["sent_rows"] > 0
    )
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    order = rejected.groupby("reason")["rejected_rows"].sum().sort_values(ascending=False).index
    for number, reason in enumerate(order):
        rows = rejected[rejected["reason"] == reason]
        fig.add_trace(
            go.Bar(
                x=rows["batch"],
                y=rows["rejected_rows"],
                name=label(reason),
                marker_color=PALETTE[number % len(PALETTE)],
                customdata=rows[["sent_rows"]],
                hovertemplate=hover(
                    "%{x}: " + label(reason),
                    "Rejected rows: %{y:" + D3_COUNT + "}",
                    "Rows in the batch: %{customdata[0]:" + D3_COUNT + "}",
                ),
            ),
            secondary_y=False,
        )
    fig.add_trace(
        go.Scatter(
            x=batches["batch"],
            y=share,
            name="Share of the batch rejected (right axis)",
            mode="lines+markers",
            line={"color": GREY, "width": 2, "dash": "dot"},
            customdata=batches[["sent_rows"]].assign(rejected=batches["batch_id"].map(totals)),
            hovertemplate=hover(
                "%{x}",
                "Rejected: %{customdata[1]:" + D3_COUNT + "} of %{customdata[0]:" + D3_COUNT + "}",
                "Share rejected: %{y:.2%}",
            ),
        ),
        secondary_y=True,
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="Rejected rows (count)", secondary_y=False)
    fig.update_yaxes(
        title_text="Share rejected", tickformat=".1%", rangemode="tozero", secondary_y=True
    )
    fig.update_yaxes(showgrid=False, secondary_y=True)
    fig.update_xaxes(tickangle=0)
    return titled(fig, "Rows rejected per batch, by reason", x="Batch (kind, simulated as-of date)")


# -- rejections per table and reason ---------------------------------------------------

TABLE_SQL = """
with sent as (
    select source_table, batch_id, max(batch_table_row_count) as sent_rows
    from gold.dq_rejections_by_batch
    group by source_table, batch_id
),

table_rows as (
    select source_table, sum(sent_rows) as sent_rows
    from sent
    group by source_table
)

select
    rejections.source_table,
    rejections.reason,
    sum(rejections.rejected_row_count) as rejected_rows,
    min(table_rows.sent_rows) as sent_rows
from gold.dq_rejections_by_batch as rejections
inner join table_rows
    on rejections.source_table = table_rows.source_table
where rejections.reason <> 'none'
group by rejections.source_table, rejections.reason
"""


def build_rejections_by_table(df: pd.DataFrame) -> go.Figure:
    counts = df.pivot_table(
        index="source_table", columns="reason", values="rejected_rows", aggfunc="sum"
    ).fillna(0)
    counts = counts.loc[counts.sum(axis=1).sort_values().index]
    counts = counts[counts.sum(axis=0).sort_values(ascending=False).index]
    sent = df.groupby("source_table")["sent_rows"].max().reindex(counts.index)
    share = counts.div(sent, axis=0)
    text = counts.map(lambda value: count(value) if value else "")
    fig = go.Figure(
        go.Heatmap(
            z=counts.to_numpy(),
            x=[label(reason) for reason in counts.columns],
            y=[label(table) for table in counts.index],
            colorscale=HEAT,
            text=text.to_numpy(),
            texttemplate="%{text}",
            customdata=share.to_numpy(),
            colorbar={"title": {"text": "Rows"}},
            hovertemplate=hover(
                "%{y}: %{x}",
                "Rejected rows: %{z:" + D3_COUNT + "}",
                "Share of the table's rows: %{customdata:.2%}",
            ),
            xgap=2,
            ygap=2,
        )
    )
    fig.update_xaxes(tickangle=-30)
    return titled(fig, "Rows rejected by table and reason, all batches", "Reason", "Bronze table")


# -- reconciliation --------------------------------------------------------------------

RECONCILIATION_SQL = """
select
    source_table,
    bronze_row_count,
    silver_row_count,
    rejected_row_count,
    duplicate_row_count,
    superseded_row_count,
    is_balanced
from gold.dq_reconciliation
order by bronze_row_count
"""
DESTINATIONS = (
    ("silver_row_count", "In silver", GREEN),
    ("rejected_row_count", "Rejected", RED),
    ("duplicate_row_count", "Duplicate removed", GOLD),
    ("superseded_row_count", "Re-send superseded", GREY),
)


def build_reconciliation(df: pd.DataFrame) -> go.Figure:
    names = [
        f"{label(table)} {'✓' if balanced else '✗ unbalanced'}"
        for table, balanced in zip(df["source_table"], df["is_balanced"], strict=True)
    ]
    total = df["bronze_row_count"].where(df["bronze_row_count"] > 0)
    fig = go.Figure()
    for column, name, colour in DESTINATIONS:
        fig.add_trace(
            go.Bar(
                y=names,
                x=df[column] / total,
                name=name,
                orientation="h",
                marker_color=colour,
                customdata=df[[column, "bronze_row_count"]],
                hovertemplate=hover(
                    "%{y}: " + name.lower(),
                    "Rows: %{customdata[0]:" + D3_COUNT + "} of %{customdata[1]:" + D3_COUNT + "}",
                    "Share of bronze rows: %{x:.2%}",
                ),
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return titled(
        fig, "Where each bronze row went (✓ all accounted for)", "Share of bronze rows", None
    ).update_yaxes(title_text="Bronze table")


# -- freshness -------------------------------------------------------------------------

# The age of each table's newest load when the report is rendered, against the thresholds
# the bronze sources declare (stored with the table in gold.dq_reconciliation).
FRESHNESS_SQL = """
select
    source_table,
    last_batch_id,
    last_loaded_at,
    extract(epoch from (now() - last_loaded_at)) / 3600.0 as age_hours,
    warn_after_hours,
    error_after_hours
from gold.dq_reconciliation
order by source_table desc
"""


def freshness_status(age: float, warn: float | None, error: float | None) -> str:
    if error is not None and not pd.isna(error) and age >= error:
        return "error"
    if warn is not None and not pd.isna(warn) and age >= warn:
        return "warn"
    return "fresh"


STATUS_COLOURS = {"fresh": GREEN, "warn": ORANGE, "error": RED}


def build_freshness(df: pd.DataFrame) -> go.Figure:
    df = df.assign(
        status=[
            freshness_status(age, warn, error)
            for age, warn, error in zip(
                df["age_hours"], df["warn_after_hours"], df["error_after_hours"], strict=True
            )
        ],
        loaded=pd.to_datetime(df["last_loaded_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC"),
    )
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        rows = df[df["status"] == status]
        if rows.empty:
            continue
        fig.add_trace(
            go.Bar(
                y=rows["source_table"].map(label),
                x=rows["age_hours"],
                name=label(status),
                orientation="h",
                marker_color=colour,
                # a fresh table's bar is a sliver next to the thresholds: its age in words
                text=[f"{age:,.1f} h" for age in rows["age_hours"]],
                textposition="outside",
                cliponaxis=False,
                customdata=rows[
                    ["loaded", "last_batch_id", "warn_after_hours", "error_after_hours"]
                ],
                hovertemplate=hover(
                    "%{y}: " + status,
                    "Last load: %{customdata[0]} (batch %{customdata[1]})",
                    "Age: %{x:,.1f} h",
                    "Warn after %{customdata[2]:,.0f} h, error after %{customdata[3]:,.0f} h",
                ),
            )
        )
    limits = []
    # the warn label right of its line, the error label left of its own: both inside
    for column, name, colour, side in (
        ("warn_after_hours", "warn", ORANGE, "top right"),
        ("error_after_hours", "error", RED, "top left"),
    ):
        values = df[column].dropna().unique()
        if len(values) == 1:  # one threshold for every table: one line
            limits.append(float(values[0]))
            fig.add_vline(
                x=float(values[0]),
                line={"color": colour, "dash": "dash", "width": 2},
                annotation_text=f"{name}: {values[0]:,.0f} h",
                annotation_position=side,
                annotation_font={"color": colour, "size": 11},
            )
    top = max([*limits, float(df["age_hours"].max() or 0)]) * 1.1 or 1.0
    fig.update_xaxes(range=[0, top])
    fig.update_layout(barmode="overlay", margin={"t": 90})
    return titled(
        fig, "Source freshness: hours since each table's last load", "Age (hours)", "Bronze table"
    )


# -- checks ----------------------------------------------------------------------------

CHECKS_SQL = """
select
    check_name,
    check_kind,
    relation_name,
    rule_text,
    severity,
    checked_row_count,
    failing_row_count,
    is_passing
from gold.dq_checks
order by check_kind desc, check_name desc
"""


def build_checks(df: pd.DataFrame) -> go.Figure:
    outcome = [
        "pass" if passing else ("warn" if severity == "warn" else "fail")
        for passing, severity in zip(df["is_passing"], df["severity"], strict=True)
    ]
    colours = {"pass": GREEN, "warn": ORANGE, "fail": RED}
    df = df.assign(
        outcome=outcome,
        name=[
            f"{label(name)} ({kind.replace('_', ' ')})"
            for name, kind in zip(df["check_name"], df["check_kind"], strict=True)
        ],
        share=df["failing_row_count"] / df["checked_row_count"].where(df["checked_row_count"] > 0),
    )
    fig = go.Figure()
    for status, colour in colours.items():
        rows = df[df["outcome"] == status]
        if rows.empty:
            continue
        fig.add_trace(
            go.Bar(
                y=rows["name"],
                x=rows["failing_row_count"],
                name=label(status),
                orientation="h",
                marker_color=colour,
                text=[
                    f"{count(failing)} of {count(checked)}"
                    for failing, checked in zip(
                        rows["failing_row_count"], rows["checked_row_count"], strict=True
                    )
                ],
                textposition="outside",
                cliponaxis=False,
                customdata=rows[["relation_name", "rule_text", "checked_row_count", "share"]],
                hovertemplate=hover(
                    "%{y}",
                    "Relation: gold.%{customdata[0]}",
                    "Rule: %{customdata[1]}",
                    "Breaking rows: %{x:" + D3_COUNT + "} of %{customdata[2]:" + D3_COUNT + "}",
                    "Share: %{customdata[3]:.3%}",
                ),
            )
        )
    most = float(df["failing_row_count"].max() or 0)
    fig.update_xaxes(range=[0, max(most * 1.6, 10)], rangemode="tozero")
    fig.update_layout(barmode="overlay", margin={"r": 40})
    return titled(fig, "Value-range and consistency checks", "Rows breaking the rule", "Check")


# -- dbt test results ------------------------------------------------------------------

RUN_RESULTS = "run_results.json"
TEST_STATUSES = ("pass", "warn", "fail", "error", "skipped")


def run_results_path() -> Path:
    """dbt's run_results.json of the last invocation (DBT_TARGET_PATH, as dbt reads it)."""
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return (target if target.is_absolute() else REPO_ROOT / target) / RUN_RESULTS


def test_kind(unique_id: str) -> str:
    """'test.financial_analytics.not_null_x.hash' -> 'not null'; singular tests by name."""
    name = unique_id.split(".")[2] if unique_id.count(".") >= 2 else unique_id
    for kind in (
        "not_null",
        "unique_combination_of_columns",
        "unique",
        "accepted_values",
        "accepted_range",
        "relationships",
        "expression_is_true",
        "not_empty_string",
        "at_most_n_distinct_values",
        "scd2",
    ):
        if name.startswith(kind):
            return kind
    return "singular" if name.startswith("assert_") else "other"


def load_test_results() -> Frames:
    """The data and unit tests of the last dbt invocation, by kind and status (empty
    frames when there is no run_results.json)."""
    path = run_results_path()
    columns = ["kind", "status", "tests"]
    if not path.exists():
        return {"tests": pd.DataFrame(columns=columns), "run": pd.DataFrame()}
    results = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        {"kind": test_kind(result["unique_id"]), "status": result["status"]}
        for result in results.get("results", [])
        if result["unique_id"].startswith(("test.", "unit_test."))
    ]
    tests = (
        pd.DataFrame(rows, columns=["kind", "status"]).value_counts().rename("tests").reset_index()
    )
    metadata = results.get("metadata", {})
    run = pd.DataFrame(
        [
            {
                "generated_at": metadata.get("generated_at"),
                "command": " ".join(
                    results.get("args", {}).get("invocation_command", "").split()[:6]
                ),
            }
        ]
    )
    return {"tests": tests, "run": run}


def build_test_results(frames: Frames) -> go.Figure:
    tests, run = frames["tests"], frames["run"]
    fig = go.Figure()
    if tests.empty:
        # no dbt run on this machine yet (or no tests in it): say so instead of a blank chart
        fig.add_trace(
            go.Bar(
                x=[0],
                y=["no test results"],
                orientation="h",
                name="Tests",
                marker_color=GREY,
                hovertemplate=hover("No run_results.json", "Run make dbt-build"),
            )
        )
        title = f"dbt tests: no {RUN_RESULTS} (run make dbt-build)"
    else:
        totals = tests.groupby("kind")["tests"].sum().sort_values()
        colours = {"pass": GREEN, "warn": ORANGE, "fail": RED, "error": RED, "skipped": GREY}
        for status in [*TEST_STATUSES, *sorted(set(tests["status"]) - set(TEST_STATUSES))]:
            rows = tests[tests["status"] == status].set_index("kind").reindex(totals.index)
            if rows["tests"].isna().all():
                continue
            fig.add_trace(
                go.Bar(
                    y=[label(kind) for kind in totals.index],
                    x=rows["tests"].fillna(0),
                    name=label(status),
                    orientation="h",
                    marker_color=colours.get(status, NAVY),
                    hovertemplate=hover("%{y}: " + status, "Tests: %{x:" + D3_COUNT + "}"),
                )
            )
        when = pd.Timestamp(run.iloc[0]["generated_at"]) if not run.empty else None
        stamp = f" at {when:%Y-%m-%d %H:%M} UTC" if when is not None else ""
        title = f"dbt tests of the last run{stamp}: {count(tests['tests'].sum())} tests"
    fig.update_layout(barmode="stack")
    return titled(fig, title, "Tests (count)", "Test kind")


REPORT = ReportSpec(
    slug="09_data_quality",
    exposure_type="dashboard",
    title="Data quality",
    question="Can the numbers be trusted?",
    summary="What silver rejected per batch, table and reason; where every bronze row went; "
    "how fresh each source is against its thresholds; value-range and consistency checks "
    "on gold; and the test results of the last dbt run. Counts only, no source rows.",
    charts=(
        ChartSpec(
            "rejections_by_batch",
            "Rows silver rejected in each loaded batch, stacked by reason, and the share of "
            "the batch's rows that was rejected (right axis). A batch whose share jumps sent "
            "worse data than the ones before.",
            BATCH_SQL,
            build_rejections_by_batch,
            wide=True,
        ),
        ChartSpec(
            "rejections_by_table",
            "Rejected rows over all batches by bronze table and reason; hover for the share "
            "of the table's rows.",
            TABLE_SQL,
            build_rejections_by_table,
        ),
        ChartSpec(
            "reconciliation",
            "Every bronze row ends in silver, among the rejected rows, or removed as an exact "
            "duplicate or superseded re-send; ✓ when the counts of the four add up to bronze.",
            RECONCILIATION_SQL,
            build_reconciliation,
        ),
        ChartSpec(
            "freshness",
            "Hours since each bronze table's last load when this page was rendered, against "
            "the warn and error thresholds of the bronze sources (models/bronze/"
            "_bronze__sources.yml).",
            FRESHNESS_SQL,
            build_freshness,
        ),
        ChartSpec(
            "quality_checks",
            "Value-range and consistency checks on gold, counted by the last build "
            "(gold.dq_checks): rows breaking each rule. Warnings are rows kept on purpose, "
            "such as facts pointing at the unknown customer or merchant.",
            CHECKS_SQL,
            build_checks,
        ),
        ChartSpec(
            "test_results",
            "The data and unit tests of the last dbt invocation on this machine (dbt's "
            "run_results.json), by kind and outcome.",
            {},
            build_test_results,
            load=load_test_results,
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
