"""Exploratory analytics: what patterns exist? Spending mix, customer clusters, correlations.

python analytics_viz/03_exploratory_analytics.py [--output-dir reports]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from common import (
    D3_COUNT,
    D3_MONEY,
    D3_MONEY_CENTS,
    DIVERGING,
    HEAT,
    PALETTE,
    ChartSpec,
    ColourScale,
    ReportSpec,
    hierarchy,
    hover,
    label,
    run_report,
    titled,
    treemap,
)

SPENDING_SQL = """
select
    coalesce(customer.customer_segment, 'unknown') as customer_segment,
    merchant.category,
    count(*) as purchases,
    sum(fact.approved_amount_abs) as approved_volume
from gold.fact_transactions as fact
inner join gold.dim_customer as customer
    on fact.customer_key = customer.customer_key
inner join gold.dim_merchant as merchant
    on fact.merchant_key = merchant.merchant_key
where fact.is_purchase
    and fact.is_approved
    and fact.customer_key <> -1
    and fact.merchant_key > 0
group by 1, merchant.category
"""


def build_spending_treemap(df: pd.DataFrame) -> go.Figure:
    nodes = hierarchy(
        df, ["customer_segment", "category"], ["approved_volume", "purchases"], "All segments"
    )
    nodes["avg_ticket"] = nodes["approved_volume"] / nodes["purchases"]
    fig = treemap(
        nodes,
        size="approved_volume",
        colour=ColourScale("avg_ticket", HEAT, "Average ticket (USD)", "$,.0f"),
        text="<b>%{label}</b><br>%{value:$,.0f}",
        hover_lines=(
            "Approved purchases: %{value:" + D3_MONEY + "} (%{percentParent:.1%} of %{parent})",
            "Purchases: %{customdata[0]:" + D3_COUNT + "}",
            "Average ticket: %{customdata[1]:" + D3_MONEY_CENTS + "}",
        ),
        customdata=("purchases", "avg_ticket"),
    )
    return titled(fig, "Where each customer segment spends")


# gold.exploratory_analytics holds one row per current customer: behaviour over the last
# 365 days, RFM scores and the k-means segment (rule-based before `make ml`). The scatter
# reads a fixed hash-based sample of it so the chart stays light at any scale.
CLUSTER_SQL = """
select
    segment_label,
    segment_source,
    customer_segment,
    rfm_code,
    frequency_count,
    monetary_amount,
    recency_days,
    avg_ticket_amount
from gold.exploratory_analytics
where frequency_count > 0
    and monetary_amount > 0
order by md5(customer_id)
limit %(max_points)s
"""
SEGMENT_ORDER = ["Champions", "Big spenders", "Loyal", "Promising", "At risk", "Hibernating"]


def build_customer_clusters(df: pd.DataFrame) -> go.Figure:
    order = {name: position for position, name in enumerate(SEGMENT_ORDER)}
    labels = sorted(df["segment_label"].unique(), key=lambda name: order.get(name, len(order)))
    source = "k-means model" if (df["segment_source"] == "model").all() else "RFM rules"
    fig = go.Figure()
    for position, segment in enumerate(labels):
        rows = df[df["segment_label"] == segment]
        fig.add_trace(
            go.Scatter(
                x=rows["frequency_count"],
                y=rows["monetary_amount"],
                mode="markers",
                name=segment,
                marker={
                    "color": PALETTE[position % len(PALETTE)],
                    "size": 7,
                    "opacity": 0.7,
                    "line": {"width": 0},
                },
                customdata=rows[
                    ["rfm_code", "recency_days", "avg_ticket_amount", "customer_segment"]
                ].assign(customer_segment=rows["customer_segment"].fillna("unknown").map(label)),
                hovertemplate=hover(
                    segment + " (RFM %{customdata[0]})",
                    "Debits in the last 365 days: %{x:,.0f}",
                    "Value of those debits: %{y:" + D3_MONEY + "}",
                    "Days since the last debit: %{customdata[1]:,.0f}",
                    "Average purchase: %{customdata[2]:" + D3_MONEY_CENTS + "}",
                    "Bank segment: %{customdata[3]}",
                ),
            )
        )
    fig.update_xaxes(type="log", dtick=1)
    fig.update_yaxes(type="log", dtick=1, tickprefix="$", tickformat=",.0f")
    fig.update_layout(legend_title_text=f"Segment ({source})")
    return titled(
        fig,
        f"Customer clusters: frequency against value of spending ({len(df):,} customers)",
        "Approved debits in the last 365 days (count, log scale)",
        "Value of those debits (USD, log scale)",
    )


FEATURES = {
    "recency_days": "Recency (days)",
    "frequency_count": "Frequency",
    "monetary_amount": "Monetary value",
    "avg_ticket_amount": "Average purchase",
    "distinct_merchant_count": "Distinct merchants",
    "active_months": "Active months",
    "digital_share": "Digital share",
    "night_share": "Night share",
    "international_share": "International share",
    "end_of_month_balance_amount": "Balance",
    "annual_income": "Income",
    "credit_score": "Credit score",
    "age_band_floor_years": "Age band",
    "tenure_months": "Tenure",
}
PAIRS = [(a, b) for i, a in enumerate(FEATURES) for b in list(FEATURES)[i + 1 :]]
# corr() for every pair over the per-customer rows, in one pass in the database
CORRELATION_SQL = (
    "select\n    count(*) as customers,\n"
    + ",\n".join(
        f"    corr(cast({a} as double precision), cast({b} as double precision)) as {a}__{b}"
        for a, b in PAIRS
    )
    + "\nfrom gold.exploratory_analytics\n"
)


def build_correlation_heatmap(df: pd.DataFrame) -> go.Figure:
    names = list(FEATURES)
    matrix = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    row = df.iloc[0]
    for a, b in PAIRS:
        matrix.loc[a, b] = matrix.loc[b, a] = row[f"{a}__{b}"]
    values = matrix.to_numpy(dtype=float)
    labels = [FEATURES[name] for name in names]
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=labels,
            y=labels,
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            colorbar={"title": {"text": "Pearson r"}},
            text=[["" if np.isnan(value) else f"{value:.2f}" for value in line] for line in values],
            texttemplate="%{text}",
            hovertemplate=hover("%{y} vs %{x}", "Correlation (Pearson r): %{z:.2f}"),
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-40)
    return titled(
        fig,
        f"Correlation between customer features ({int(row['customers']):,} customers)",
        "Customer feature",
        "Customer feature",
    )


REPORT = ReportSpec(
    slug="03_exploratory_analytics",
    title="Exploratory analytics",
    question="What patterns exist?",
    summary="How each segment's spending spreads across merchant categories, how customers "
    "cluster by frequency and value of spending, and which customer features move together.",
    charts=(
        ChartSpec(
            "spending_treemap",
            "Approved purchase volume by customer segment and merchant category; box size is "
            "the volume, colour the average ticket.",
            SPENDING_SQL,
            build_spending_treemap,
            wide=True,
        ),
        ChartSpec(
            "customer_clusters",
            "Each dot is a customer (a fixed hash-based sample of at most 3,000): how often "
            "they spent in the last 365 days against how much, on log scales, coloured by "
            "their RFM segment (k-means after make ml, rules before).",
            CLUSTER_SQL,
            build_customer_clusters,
            params={"max_points": 3000},
            wide=True,
        ),
        ChartSpec(
            "correlation_heatmap",
            "Pearson correlation between per-customer features, computed in the database over "
            "every current customer: blue cells move together, red cells in opposite "
            "directions.",
            CORRELATION_SQL,
            build_correlation_heatmap,
            wide=True,
            height=640,
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
