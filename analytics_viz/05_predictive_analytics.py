"""Predictive analytics: what will happen? Churn risk, customer value and what drives the score.

python analytics_viz/05_predictive_analytics.py [--output-dir reports]
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from common import (
    D3_COUNT,
    D3_MONEY,
    GOLD,
    GREEN,
    GREY,
    NAVY,
    ORANGE,
    PURPLE,
    RED,
    TEAL,
    ChartSpec,
    ReportSpec,
    hover,
    label,
    run_report,
    titled,
)

# gold.predictive_analytics: one row per current customer with the churn-risk score (the
# model's after `make ml`, rule-based before), its band and driver, and lifetime value.
BAND_COLOURS = {"low": GREEN, "medium": GOLD, "high": RED}
BIN_WIDTH = 0.05
DRIVER_COLOURS = {"complaints": PURPLE, "fees": GOLD, "falling_activity": ORANGE, "none": GREY}


def score_source(df: pd.DataFrame) -> str:
    sources = set(df["score_source"].dropna())
    return "model" if sources == {"model"} else "rules" if "model" not in sources else "mixed"


DISTRIBUTION_SQL = """
select
    least(floor(churn_risk_score / %(bin_width)s), 1 / %(bin_width)s - 1) * %(bin_width)s as bin_start,
    churn_risk_band,
    score_source,
    count(*) as customers,
    sum(customer_lifetime_value) as lifetime_value
from gold.predictive_analytics
where relationship_status = 'active'
group by 1, 2, 3
order by 1
"""


def build_churn_distribution(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for band, colour in BAND_COLOURS.items():
        rows = (
            df[df["churn_risk_band"] == band]
            .groupby("bin_start", as_index=False)[["customers", "lifetime_value"]]
            .sum()
        )
        if rows.empty:
            continue
        fig.add_trace(
            go.Histogram(
                x=rows["bin_start"],
                y=rows["customers"],
                histfunc="sum",
                xbins={"start": 0, "end": 1, "size": BIN_WIDTH},
                name=f"{label(band)} risk",
                marker_color=colour,
                hovertemplate=hover(
                    "Churn risk %{x}", "Customers: %{y:" + D3_COUNT + "}", f"Band: {band}"
                ),
            )
        )
    fig.update_layout(barmode="stack", bargap=0.05)
    fig.update_xaxes(range=[0, 1], tickformat=".0%", dtick=0.1)
    return titled(
        fig,
        f"Distribution of churn-risk scores ({score_source(df)} scores)",
        "Churn-risk score (probability, 5-point bins)",
        "Customers (count)",
    )


SCATTER_SQL = """
select
    churn_risk_score,
    customer_lifetime_value,
    churn_driver,
    churn_risk_band,
    customer_segment,
    total_transactions_90d,
    days_since_last_transaction
from gold.predictive_analytics
where relationship_status = 'active'
order by md5(customer_id)
limit %(max_points)s
"""


def build_risk_scatter(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    drivers = df["churn_driver"].fillna("none")
    for driver in sorted(drivers.unique()):
        rows = df[drivers == driver]
        fig.add_trace(
            go.Scatter(
                x=rows["churn_risk_score"],
                y=rows["customer_lifetime_value"],
                mode="markers",
                name=label(driver),
                marker={"size": 8, "opacity": 0.7, "color": DRIVER_COLOURS.get(driver, TEAL)},
                customdata=rows[
                    ["customer_segment", "total_transactions_90d", "days_since_last_transaction"]
                ].assign(customer_segment=rows["customer_segment"].fillna("unknown").map(label)),
                hovertemplate=hover(
                    "Driver: " + label(driver),
                    "Churn risk: %{x:.1%}",
                    "Lifetime value: %{y:" + D3_MONEY + "}",
                    "Segment: %{customdata[0]}",
                    "Transactions in the last 90 days: %{customdata[1]:,.0f}",
                    "Days since the last transaction: %{customdata[2]:,.0f}",
                ),
            )
        )
    fig.add_vrect(x0=0.5, x1=1, fillcolor=RED, opacity=0.06, line_width=0)
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    fig.update_layout(legend_title_text="Churn driver")
    return titled(
        fig,
        f"Churn risk against customer lifetime value ({len(df):,} customers)",
        "Churn-risk score (probability)",
        "Customer lifetime value (USD)",
    )


CATEGORY_SQL = """
select
    churn_risk_band,
    count(*) as customers,
    sum(customer_lifetime_value) as lifetime_value,
    sum(churn_risk_score * customer_lifetime_value) as value_at_risk,
    avg(churn_risk_score) as mean_score
from gold.predictive_analytics
where relationship_status = 'active'
group by churn_risk_band
"""


def build_risk_categories(df: pd.DataFrame) -> go.Figure:
    order = [band for band in BAND_COLOURS if band in set(df["churn_risk_band"])]
    rows = df.set_index("churn_risk_band").loc[order].reset_index()
    fig = go.Figure(
        go.Pie(
            labels=rows["churn_risk_band"].map(lambda band: f"{label(band)} risk"),
            values=rows["customers"],
            hole=0.5,
            sort=False,
            marker={"colors": [BAND_COLOURS[band] for band in rows["churn_risk_band"]]},
            customdata=rows[["lifetime_value", "value_at_risk", "mean_score"]],
            # inside only, hidden where a slice is too thin (the legend names every band):
            # outside labels of the thin high- and medium-risk slices ran into the title
            textinfo="label+percent",
            textposition="inside",
            hovertemplate=hover(
                "%{label}",
                "Customers: %{value:" + D3_COUNT + "} (%{percent})",
                "Mean churn risk: %{customdata[2]:.1%}",
                "Lifetime value: %{customdata[0]:" + D3_MONEY + "}",
                "Value at risk (risk x value): %{customdata[1]:" + D3_MONEY + "}",
            ),
        )
    )
    fig.update_layout(
        showlegend=True,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.05},
        uniformtext={"minsize": 11, "mode": "hide"},
        annotations=[
            {
                "text": f"{rows['customers'].sum():,.0f}<br>customers",
                "showarrow": False,
                "font": {"size": 15},
            }
        ],
    )
    return titled(fig, "Customers by churn-risk category (high >= 50%, medium >= 20%)")


FEATURES = {
    "days_since_last_transaction": "Days since the last transaction",
    "total_transactions_90d": "Transactions, last 90 days",
    "transactions_last_month": "Transactions, last month",
    "activity_trend_ratio": "Activity trend (recent / earlier)",
    "recent_rate_ratio": "Recent transaction rate ratio",
    "inflow_trend_ratio": "Inflow trend",
    "complaints_3m": "Complaints, last 3 months",
    "fee_disputes_3m": "Fee disputes, last 3 months",
    "fee_amount_3m": "Fees paid, last 3 months",
    "late_payments_12m": "Late loan payments, 12 months",
    "end_of_month_balance_amount": "Month-end balance",
    "open_accounts_at_month_end": "Open accounts",
    "tenure_months": "Tenure (months)",
    "credit_score": "Credit score",
}
# corr() of each feature with the score over every customer, in one pass in the database
ASSOCIATION_SQL = (
    "select\n    count(*) as customers,\n    min(score_source) as score_source,\n"
    + ",\n".join(
        f"    corr(cast({name} as double precision), cast(churn_risk_score as double precision))"
        f" as {name}"
        for name in FEATURES
    )
    + "\nfrom gold.predictive_analytics\nwhere relationship_status = 'active'\n"
)


def build_feature_association(df: pd.DataFrame) -> go.Figure:
    row = df.iloc[0]
    scores = pd.DataFrame(
        {
            "feature": [FEATURES[name] for name in FEATURES],
            "r": [row[name] for name in FEATURES],
        }
    ).dropna()
    scores = scores.assign(strength=scores["r"].abs()).sort_values("strength")
    fig = go.Figure(
        go.Bar(
            x=scores["r"],
            y=scores["feature"],
            orientation="h",
            marker_color=[RED if r > 0 else NAVY for r in scores["r"]],
            hovertemplate=hover(
                "%{y}",
                "Correlation with the churn-risk score: %{x:.2f}",
            ),
        )
    )
    fig.update_xaxes(range=[-1, 1], zeroline=True, zerolinewidth=2)
    return titled(
        fig,
        "What moves with churn risk: each feature's correlation with the score",
        "Pearson r with the churn-risk score (red: higher risk)",
        "Feature",
    )


REPORT = ReportSpec(
    slug="05_predictive_analytics",
    title="Predictive analytics",
    question="What will happen?",
    summary="Which current customers are likely to churn in the next two months, how much "
    "value sits with them, and which features move with the churn-risk score (the "
    "scikit-learn model's calibrated probability after make ml, rules before); customers "
    "already lost have no score.",
    charts=(
        ChartSpec(
            "churn_distribution",
            "How churn-risk scores spread over current customers, in 5-point bins coloured by "
            "risk band.",
            DISTRIBUTION_SQL,
            build_churn_distribution,
            params={"bin_width": BIN_WIDTH},
        ),
        ChartSpec(
            "risk_scatter",
            "Each dot is a customer (a fixed hash-based sample of at most 3,000): churn risk "
            "against lifetime value, coloured by the main churn driver. Customers in the "
            "shaded high-risk zone with a high value are the ones to keep.",
            SCATTER_SQL,
            build_risk_scatter,
            params={"max_points": 3000},
        ),
        ChartSpec(
            "risk_categories",
            "Current customers by churn-risk band; hover for the lifetime value in each band "
            "and the value at risk (score x value).",
            CATEGORY_SQL,
            build_risk_categories,
        ),
        ChartSpec(
            "feature_association",
            "Correlation of each input feature with the churn-risk score across customers, "
            "computed in the database: a global view of what the score responds to (gold "
            "holds no model feature importances).",
            ASSOCIATION_SQL,
            build_feature_association,
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
