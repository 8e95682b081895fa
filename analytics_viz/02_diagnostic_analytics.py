"""Diagnostic analytics: why did it happen? Fraud patterns, churn drivers, declines, service.

python analytics_viz/02_diagnostic_analytics.py [--output-dir reports]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from common import (
    D3_COUNT,
    D3_MONEY,
    GOLD,
    GREY,
    HEAT,
    NAVY,
    RED,
    ChartSpec,
    ReportSpec,
    hover,
    label,
    run_report,
    small_group_opacity,
    titled,
)
from plotly.subplots import make_subplots

# Most charts read gold.diagnostic_analytics: one row per analysis and factor value with
# the event rate, the overall (baseline) rate and their ratio (lift).
FACTORS_SQL = """
select
    analysis,
    factor_value,
    population_count,
    event_count,
    event_rate,
    baseline_rate,
    lift,
    event_amount,
    share_of_events,
    is_small_sample
from gold.diagnostic_analytics
where analysis in %(analyses)s
order by analysis, factor_value
"""


def add_baseline(fig: go.Figure, rate: float, text: str, **position: object) -> None:
    fig.add_hline(
        y=rate,
        line={"color": GREY, "dash": "dash"},
        annotation_text=f"{text} {rate:.1%}",
        annotation_position="top left",
        # the label may sit over a bar: a white backing keeps it readable
        annotation_bgcolor="rgba(255,255,255,0.85)",
        **position,
    )


# README "Analytics": a rate over fewer units than this is not read as a finding
SMALL_GROUPS_NOTE = "Faded bars: groups of fewer than 30, too small to read."

LIFT_LINES = (
    "Event rate: %{y:.2%}",
    "Events: %{customdata[0]:,.0f} of %{customdata[1]:,.0f}",
    "Lift against the overall rate: %{customdata[2]:.2f}x",
)


# -- fraud -----------------------------------------------------------------------------

FRAUD_GROUPS = {"fraud_by_channel": "Channel", "fraud_by_card_presence": "Card presence"}


def build_fraud_by_channel(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for (analysis, group), colour in zip(FRAUD_GROUPS.items(), (NAVY, RED), strict=True):
        rows = df[df["analysis"] == analysis].sort_values("event_rate", ascending=False)
        fig.add_trace(
            go.Bar(
                x=rows["factor_value"].map(label),
                y=rows["event_rate"],
                name=group,
                marker_color=colour,
                marker_opacity=small_group_opacity(rows["is_small_sample"]),
                customdata=rows[["event_count", "population_count", "lift", "event_amount"]],
                hovertemplate=hover(
                    "%{x}",
                    *LIFT_LINES,
                    "Fraud amount: %{customdata[3]:" + D3_MONEY + "}",
                ).replace("Event rate", "Fraud rate"),
            )
        )
    add_baseline(fig, df["baseline_rate"].iloc[0], "all transactions")
    fig.update_layout(legend={"x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"})
    fig.update_yaxes(tickformat=".1%", rangemode="tozero")
    return titled(
        fig,
        "Fraud rate by channel and card presence",
        "Channel / card presence",
        "Fraudulent transactions (% of count)",
    )


FRAUD_HOUR_SQL = """
select
    transaction_day_of_week,
    transaction_hour,
    count(*) as transactions,
    sum(case when is_fraud then 1 else 0 end) as fraud_transactions
from gold.fact_transactions
where is_purchase
group by transaction_day_of_week, transaction_hour
"""
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def build_fraud_heatmap(df: pd.DataFrame) -> go.Figure:
    df = df.assign(fraud_rate=df["fraud_transactions"] / df["transactions"])
    hours = list(range(24))
    days = list(range(1, 8))

    def grid(column: str) -> np.ndarray:
        table = df.pivot(index="transaction_day_of_week", columns="transaction_hour", values=column)
        return table.reindex(index=days, columns=hours).to_numpy(dtype=float)

    rate = grid("fraud_rate")
    counts = np.dstack([grid("fraud_transactions"), grid("transactions")])
    fig = go.Figure(
        go.Heatmap(
            z=rate,
            x=[f"{hour:02d}:00" for hour in hours],
            y=WEEKDAYS,
            colorscale=HEAT,
            colorbar={"title": {"text": "Fraud rate"}, "tickformat": ".1%"},
            customdata=counts,
            hovertemplate=hover(
                "%{y} %{x}",
                "Fraud rate: %{z:.2%}",
                "Fraudulent purchases: %{customdata[0]:,.0f} of %{customdata[1]:,.0f}",
            ),
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed")
    return titled(
        fig, "Fraud rate of purchases by hour and weekday", "Hour of day (UTC)", "Day of week"
    )


# -- churn -----------------------------------------------------------------------------

TENURE_ORDER = ["0-11 months", "1-2 years", "3-4 years", "5+ years", "unknown"]


def build_churn_by_tenure(df: pd.DataFrame) -> go.Figure:
    order = {band: position for position, band in enumerate(TENURE_ORDER)}
    rows = df.sort_values("factor_value", key=lambda bands: bands.map(order))
    fig = go.Figure(
        go.Bar(
            x=rows["factor_value"],
            y=rows["event_rate"],
            marker_color=NAVY,
            marker_opacity=small_group_opacity(rows["is_small_sample"]),
            text=rows["event_rate"].map(lambda rate: f"{rate:.1%}"),
            textposition="outside",
            customdata=rows[["event_count", "population_count", "lift"]],
            hovertemplate=hover("Tenure %{x}", *LIFT_LINES).replace("Event rate", "Churn rate"),
        )
    )
    add_baseline(fig, rows["baseline_rate"].iloc[0], "all customers")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return titled(
        fig,
        "Churn rate by customer tenure",
        "Tenure (band)",
        "Churned customers (% of band)",
    )


SERVICE_PANELS = {
    "churn_by_complaints": ("Complaints in the last 12 months", ["0", "1", "2", "3+"]),
    "churn_by_fees": (
        "Fees paid in the last 12 months (USD)",
        ["under_25", "25-100", "100-250", "250+"],
    ),
}


def build_service_issues(df: pd.DataFrame) -> go.Figure:
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=[t for t, _ in SERVICE_PANELS.values()],
        horizontal_spacing=0.16,  # room for the right panel's own tick labels and title
    )
    for column, (analysis, (title, order)) in enumerate(SERVICE_PANELS.items(), start=1):
        rows = df[df["analysis"] == analysis].set_index("factor_value")
        rows = rows.reindex([value for value in order if value in rows.index]).reset_index()
        fig.add_trace(
            go.Bar(
                x=rows["factor_value"].map(lambda value: value.replace("_", " ")),
                y=rows["event_rate"],
                marker_color=(RED, GOLD)[column - 1],
                marker_opacity=small_group_opacity(rows["is_small_sample"]),
                showlegend=False,
                customdata=rows[["event_count", "population_count", "lift"]],
                hovertemplate=hover(title + ": %{x}", *LIFT_LINES).replace(
                    "Event rate", "Churn rate"
                ),
            ),
            row=1,
            col=column,
        )
        fig.update_xaxes(title_text=title, type="category", row=1, col=column)
    add_baseline(fig, df["baseline_rate"].iloc[0], "all customers", row="all", col="all")
    fig.update_yaxes(title_text="Churned customers (% of group)", tickformat=".0%", row=1, col=1)
    # the panels share their scale; the right one repeats the tick labels so it reads alone
    fig.update_yaxes(title_text="Churned (%)", tickformat=".0%", showticklabels=True, row=1, col=2)
    fig.update_annotations(font_size=13)
    fig.update_layout(title={"text": "Churn rate by service complaints and fees paid"})
    return fig


# -- declines --------------------------------------------------------------------------


def build_decline_reasons(df: pd.DataFrame) -> go.Figure:
    rows = df.sort_values("event_count")
    fig = go.Figure(
        go.Bar(
            y=rows["factor_value"].map(label),
            x=rows["event_count"],
            orientation="h",
            marker_color=NAVY,
            customdata=rows[["share_of_events", "event_amount", "event_rate"]],
            hovertemplate=hover(
                "%{y}",
                "Declines: %{x:" + D3_COUNT + "} (%{customdata[0]:.1%} of all declines)",
                "Declined amount: %{customdata[1]:" + D3_MONEY + "}",
                "Share of all transactions: %{customdata[2]:.2%}",
            ),
        )
    )
    return titled(
        fig, "Why transactions are declined", "Declined transactions (count)", "Decline reason"
    )


REPORT = ReportSpec(
    slug="02_diagnostic_analytics",
    title="Diagnostic analytics",
    question="Why did it happen?",
    summary="Where fraud concentrates (hour, weekday, channel, card presence), which customers "
    "churn (tenure, complaints, fees) and why transactions are declined.",
    charts=(
        ChartSpec(
            "fraud_heatmap",
            "Fraud rate of purchases by weekday and hour: darker cells are the times when a "
            "purchase is most likely to be fraudulent.",
            FRAUD_HOUR_SQL,
            build_fraud_heatmap,
            wide=True,
        ),
        ChartSpec(
            "fraud_by_channel",
            "Share of transactions confirmed as fraud by channel (blue) and by whether the card "
            "was present (red); the dashed line is the rate over all transactions. Hover for "
            "the lift (rate divided by the overall rate). " + SMALL_GROUPS_NOTE,
            FACTORS_SQL,
            build_fraud_by_channel,
            params={"analyses": tuple(FRAUD_GROUPS)},
        ),
        ChartSpec(
            "decline_reasons",
            "Declined transactions by the reason the processor gave; hover for the share of "
            "all declines and the amount declined.",
            FACTORS_SQL,
            build_decline_reasons,
            params={"analyses": ("decline_reasons",)},
        ),
        ChartSpec(
            "churn_by_tenure",
            "Share of current customers who churned (no open account left, or no transaction "
            "for 60 days) by tenure band; the dashed line is the overall churn rate. "
            + SMALL_GROUPS_NOTE,
            FACTORS_SQL,
            build_churn_by_tenure,
            params={"analyses": ("churn_by_tenure",)},
        ),
        ChartSpec(
            "service_issues",
            "Churn rate by the complaints customers logged (left) and the fees they paid "
            "(right) over the last 12 months; bars climbing above the dashed overall rate "
            "point at service problems and fees as churn drivers. " + SMALL_GROUPS_NOTE,
            FACTORS_SQL,
            build_service_issues,
            params={"analyses": tuple(SERVICE_PANELS)},
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
