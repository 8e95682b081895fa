"""Inferential analytics: can we generalise? Confidence intervals, tests and cohort retention.

python analytics_viz/04_inferential_analytics.py [--output-dir reports]
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from common import (
    GREY,
    NAVY,
    RED,
    SEQUENTIAL,
    ChartSpec,
    ReportSpec,
    hover,
    label,
    money,
    percent,
    run_report,
    titled,
)
from plotly.subplots import make_subplots

# gold.inferential_analytics: per analysis and group the sample size, mean, standard error,
# 95% interval (normal for means, Wilson for proportions) and, against a reference group,
# the difference and its p-value.
ESTIMATES_SQL = """
select
    analysis,
    group_value,
    reference_group,
    metric,
    sample_size,
    mean_value,
    ci_lower_95,
    ci_upper_95,
    difference,
    p_value,
    is_significant_5pct
from gold.inferential_analytics
where analysis in %(analyses)s
order by analysis, mean_value
"""
# analysis -> (axis title, d3 format for hover, d3 format for ticks, Python formatter)
CI_PANELS = {
    "monthly_spend_by_segment": (
        "Monthly purchase spend per customer (USD)",
        "$,.2f",
        "$,.0f",
        money,
    ),
    "fraud_rate_by_channel": ("Transactions confirmed as fraud (%)", ".2%", ".1%", percent),
}


def build_confidence_intervals(df: pd.DataFrame) -> go.Figure:
    fig = make_subplots(
        rows=1,
        cols=len(CI_PANELS),
        horizontal_spacing=0.2,
        subplot_titles=["Spend by customer segment", "Fraud rate by channel"],
    )
    for column, (analysis, (axis_title, number, ticks, fmt)) in enumerate(
        CI_PANELS.items(), start=1
    ):
        rows = df[df["analysis"] == analysis].copy()
        rows["group"] = rows["group_value"].fillna("unknown").map(label)
        references = set(rows["reference_group"].dropna())
        rows["test"] = [
            "the reference group"
            if row.group_value in references
            else "not tested"
            if pd.isna(row.p_value)
            else f"{'+' if row.difference >= 0 else '-'}{fmt(abs(row.difference), 2)} against "
            f"{label(row.reference_group)}, p = {row.p_value:.3f}"
            + (" (significant at 5%)" if row.is_significant_5pct else "")
            for row in rows.itertuples()
        ]
        significant = rows["is_significant_5pct"].fillna(False).astype(bool)
        fig.add_trace(
            go.Scatter(
                x=rows["mean_value"],
                y=rows["group"],
                mode="markers",
                marker={"size": 11, "color": [RED if flag else NAVY for flag in significant]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": rows["ci_upper_95"] - rows["mean_value"],
                    "arrayminus": rows["mean_value"] - rows["ci_lower_95"],
                    "thickness": 2,
                    "width": 7,
                },
                showlegend=False,
                customdata=rows[["ci_lower_95", "ci_upper_95", "sample_size", "test"]],
                hovertemplate=hover(
                    "%{y}",
                    f"Estimate: %{{x:{number}}}",
                    f"95% CI: %{{customdata[0]:{number}}} to %{{customdata[1]:{number}}}",
                    "Sample size: %{customdata[2]:,.0f}",
                    "Test: %{customdata[3]}",
                ),
            ),
            row=1,
            col=column,
        )
        reference = rows[rows["group_value"].isin(references)]
        if not reference.empty:
            fig.add_vline(
                x=float(reference["mean_value"].iloc[0]),
                line={"color": GREY, "dash": "dash"},
                row=1,
                col=column,
            )
        fig.update_xaxes(title_text=axis_title, tickformat=ticks, row=1, col=column)
        fig.update_yaxes(title_text="Group", row=1, col=column)
    fig.update_annotations(font_size=13)
    fig.update_layout(
        title={"text": "Estimates with 95% confidence intervals (red: differs from the reference)"}
    )
    return fig


COHORT_SQL = """
select
    cast(group_value as date) as cohort_month,
    period_offset as months_since_signup,
    sample_size as cohort_customers,
    mean_value as active_share,
    ci_lower_95,
    ci_upper_95,
    is_small_sample
from gold.inferential_analytics
where analysis = 'cohort_retention'
order by cohort_month, months_since_signup
"""

# cohorts smaller than this are greyed out (dbt var min_group_size, README "Analytics")
MIN_GROUP_SIZE = 30


def build_cohort_retention(df: pd.DataFrame) -> go.Figure:
    df = df.assign(cohort=pd.to_datetime(df["cohort_month"]).dt.strftime("%Y-%m"))
    share = df.pivot(index="cohort", columns="months_since_signup", values="active_share")
    low = df.pivot(index="cohort", columns="months_since_signup", values="ci_lower_95")
    high = df.pivot(index="cohort", columns="months_since_signup", values="ci_upper_95")
    sizes = df.groupby("cohort")["cohort_customers"].first().reindex(share.index)
    custom = pd.concat([low, high], axis=1, keys=["low", "high"])
    small = sizes < MIN_GROUP_SIZE
    readable = share.mask(small, axis=0)
    fig = go.Figure()
    if small.any():
        # small cohorts: grey cells with their share in grey, hover keeps the wide interval
        fig.add_trace(
            go.Heatmap(
                z=share.where(small, axis=0).mul(0).add(1).to_numpy(dtype=float),
                x=[int(column) for column in share.columns],
                y=[f"{cohort} (n={size:,})" for cohort, size in sizes.items()],
                zmin=0,
                zmax=1,
                colorscale=[[0, "#eceff1"], [1, "#eceff1"]],
                showscale=False,
                customdata=custom.to_numpy(dtype=float)
                .reshape(len(share), 2, len(share.columns))
                .transpose(0, 2, 1),
                text=share.where(small, axis=0)
                .map(lambda value: "" if pd.isna(value) else f"{value:.0%}")
                .to_numpy(),
                texttemplate="%{text}",
                textfont={"color": "#90a4ae"},
                hovertemplate=hover(
                    "Signed up %{y}",
                    "Months since signup: %{x}",
                    f"Fewer than {MIN_GROUP_SIZE} customers: too few to read",
                    "95% CI %{customdata[0]:.0%} to %{customdata[1]:.0%}",
                ),
                xgap=1,
                ygap=1,
            )
        )
    fig.add_trace(
        go.Heatmap(
            z=readable.to_numpy(dtype=float),
            x=[int(column) for column in share.columns],
            y=[f"{cohort} (n={size:,})" for cohort, size in sizes.items()],
            zmin=0,
            zmax=1,
            colorscale=SEQUENTIAL,
            colorbar={"title": {"text": "Active share"}, "tickformat": ".0%"},
            customdata=custom.to_numpy(dtype=float)
            .reshape(len(share), 2, len(share.columns))
            .transpose(0, 2, 1),
            text=readable.map(lambda value: "" if pd.isna(value) else f"{value:.0%}").to_numpy(),
            texttemplate="%{text}",
            hovertemplate=hover(
                "Signed up %{y}",
                "Months since signup: %{x}",
                "Active: %{z:.1%} (95% CI %{customdata[0]:.0%} to %{customdata[1]:.0%})",
            ),
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(dtick=1)
    return titled(
        fig,
        "Cohort retention: share of each signup cohort active in later months",
        "Months since signup (count)",
        "Signup month (cohort size)",
    )


REPORT = ReportSpec(
    slug="04_inferential_analytics",
    title="Inferential analytics",
    question="Can we generalise?",
    summary="Which differences between groups are larger than sampling noise (95% confidence "
    "intervals and tests against a reference group), and how signup cohorts stay active.",
    charts=(
        ChartSpec(
            "confidence_intervals",
            "Each dot is an estimate with its 95% confidence interval. Left: mean monthly "
            "purchase spend per customer by segment (normal interval, Welch z-test against the "
            "mass segment, dashed). Right: fraud rate by channel (Wilson interval, so a channel "
            "with no fraud seen still has an upper bound; pooled two-proportion z-test against "
            "the largest channel, dashed). Red dots differ from their reference at the 5% level.",
            ESTIMATES_SQL,
            build_confidence_intervals,
            params={"analyses": tuple(CI_PANELS)},
            wide=True,
        ),
        ChartSpec(
            "cohort_retention",
            "Customers who signed up during the data, grouped by signup month; each cell is "
            "the share of the cohort that made an approved transaction N months later (hover "
            f"for the 95% interval). Cohorts of fewer than {MIN_GROUP_SIZE} customers are "
            "greyed out: their shares are too uncertain to read.",
            COHORT_SQL,
            build_cohort_retention,
            wide=True,
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
