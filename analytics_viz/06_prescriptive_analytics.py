"""Prescriptive analytics: what should we do? Offers, retention actions and the budget.

python analytics_viz/06_prescriptive_analytics.py [--output-dir reports]
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from common import (
    D3_COUNT,
    D3_MONEY,
    GREEN,
    GREY,
    NAVY,
    PALETTE,
    RED,
    SEQUENTIAL,
    ChartSpec,
    ReportSpec,
    hover,
    label,
    money,
    run_report,
    titled,
)

# gold.prescriptive_analytics: one row per current customer with a churn risk, with the
# retention action matched to their churn driver, the next best offer, expected values and
# whether the retention budget funds the action (customers already lost are not in it).
OFFER_SQL = """
select
    coalesce(customer_segment, 'unknown') as customer_segment,
    next_best_offer,
    count(*) as customers,
    sum(offer_expected_value_amount) as offer_expected_value,
    avg(offer_acceptance_probability) as acceptance_probability
from gold.prescriptive_analytics
group by 1, 2
"""


def offer_label(offer: str) -> str:
    return label(offer)


def build_offer_matrix(df: pd.DataFrame) -> go.Figure:
    customers = df.pivot(index="customer_segment", columns="next_best_offer", values="customers")
    value = df.pivot(
        index="customer_segment", columns="next_best_offer", values="offer_expected_value"
    ).reindex_like(customers)
    fig = go.Figure(
        go.Heatmap(
            z=customers.to_numpy(dtype=float),
            x=[offer_label(offer) for offer in customers.columns],
            y=[label(segment) for segment in customers.index],
            colorscale=SEQUENTIAL,
            colorbar={"title": {"text": "Customers"}},
            customdata=value.to_numpy(dtype=float),
            text=customers.map(lambda count: "" if pd.isna(count) else f"{count:,.0f}").to_numpy(),
            texttemplate="%{text}",
            hovertemplate=hover(
                "%{y} customers: %{x}",
                "Current customers: %{z:,.0f}",
                "Expected offer value: %{customdata:" + D3_MONEY + "} a year",
            ),
            xgap=2,
            ygap=2,
        )
    )
    return titled(
        fig,
        "Next best offer for current customers, by segment",
        "Recommended product offer",
        "Customer segment",
    )


ACTION_SQL = """
select
    retention_action,
    count(*) as customers,
    sum(value_at_risk_amount) as value_at_risk,
    sum(case when is_funded then value_at_risk_amount * action_retention_effect else 0 end)
        as value_retained,
    sum(budget_allocated_amount) as action_cost,
    sum(case when is_funded then 1 else 0 end) as funded_customers,
    sum(budget_allocated_amount) as budget_allocated,
    sum(case when is_funded then expected_value_amount else 0 end) as funded_expected_value,
    max(retention_budget_amount) as retention_budget,
    avg(action_retention_effect) as success_rate
from gold.prescriptive_analytics
group by retention_action
order by value_retained desc
"""


def build_retention_waterfall(df: pd.DataFrame) -> go.Figure:
    at_risk = df["value_at_risk"].sum()
    remaining = at_risk - df["value_retained"].sum()
    steps = [
        ("Value at risk", at_risk, "absolute", "every current customer", 0, 0.0),
        *[
            (
                label(row.retention_action),
                -row.value_retained,
                "relative",
                f"{row.funded_customers:,} of {row.customers:,} customers funded, "
                f"{row.success_rate:.0%} of would-be churners kept (assumed)",
                row.funded_customers,
                row.action_cost,
            )
            for row in df.itertuples()
        ],
        ("Still at risk", remaining, "total", "after the funded actions", 0, 0.0),
    ]
    frame = pd.DataFrame(steps, columns=["step", "amount", "measure", "note", "funded", "cost"])
    fig = go.Figure(
        go.Waterfall(
            x=frame["step"],
            y=frame["amount"],
            measure=frame["measure"],
            increasing={"marker": {"color": RED}},
            decreasing={"marker": {"color": GREEN}},
            totals={"marker": {"color": NAVY}},
            connector={"line": {"color": GREY}},
            customdata=frame[["note", "funded", "cost"]],
            text=[money(value) for value in frame["amount"].abs()],
            textposition="outside",
            hovertemplate=hover(
                "%{x}",
                "Amount: %{y:" + D3_MONEY + "}",
                "%{customdata[0]}",
                "Funded by the budget: %{customdata[1]:,.0f} customers",
                "Budget spent: %{customdata[2]:" + D3_MONEY + "}",
            ),
        )
    )
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    fig.update_xaxes(tickangle=-20)
    return titled(
        fig,
        "Retention plan: value at risk and what the funded actions are expected to keep",
        "Step (retention action)",
        "Lifetime value at risk (USD, risk x value if kept)",
    )


def build_budget_allocation(df: pd.DataFrame) -> go.Figure:
    budget = float(df["retention_budget"].max())
    funded = df[df["budget_allocated"] > 0].sort_values("budget_allocated", ascending=False)
    unallocated = max(budget - funded["budget_allocated"].sum(), 0.0)
    slices = pd.DataFrame(
        {
            "name": [*funded["retention_action"].map(label), "Not allocated"],
            "amount": [*funded["budget_allocated"], unallocated],
            "customers": [*funded["funded_customers"], 0],
            "expected_value": [*funded["funded_expected_value"], 0.0],
        }
    )
    slices = slices[slices["amount"] > 0]
    colours = [*PALETTE[: len(slices) - 1], "#e5e8e8"] if unallocated > 0 else PALETTE
    fig = go.Figure(
        go.Pie(
            labels=slices["name"],
            values=slices["amount"],
            hole=0.5,
            sort=False,
            marker={"colors": colours},
            customdata=slices[["customers", "expected_value"]],
            textinfo="label+percent",
            hovertemplate=hover(
                "%{label}",
                "Budget: %{value:" + D3_MONEY + "} (%{percent})",
                "Customers funded: %{customdata[0]:" + D3_COUNT + "}",
                "Expected net value: %{customdata[1]:" + D3_MONEY + "}",
            ),
        )
    )
    fig.update_layout(
        showlegend=False,
        annotations=[
            {"text": f"{money(budget)}<br>budget", "showarrow": False, "font": {"size": 15}}
        ],
    )
    return titled(fig, "Retention budget: where it goes")


REPORT = ReportSpec(
    slug="06_prescriptive_analytics",
    title="Prescriptive analytics",
    question="What should we do?",
    summary="For every current customer the next best product offer and a retention action "
    "matched to their churn driver, the value each action is expected to keep, and how the "
    "retention budget is allocated: positive-value actions by value per dollar until it is spent.",
    charts=(
        ChartSpec(
            "offer_matrix",
            "Current customers (an open account; customers already lost get no offer) by "
            "segment and the product offer recommended to them; hover for the expected yearly "
            "value of the offers.",
            OFFER_SQL,
            build_offer_matrix,
        ),
        ChartSpec(
            "retention_waterfall",
            "Starting from the lifetime value at risk (churn risk x the customer's value if "
            "kept), each bar is the value the actions the budget funds are expected to keep "
            "(risk x assumed retention effect x value); the last bar is what remains at risk. "
            "Hover for the budget spent and how many customers it funds.",
            ACTION_SQL,
            build_retention_waterfall,
        ),
        ChartSpec(
            "budget_allocation",
            "How the retention budget is spent: actions whose expected value (value kept "
            "minus cost) is positive are funded in order of value per dollar while the budget "
            "lasts; money stays unallocated only when no positive-value action is left.",
            ACTION_SQL,
            build_budget_allocation,
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
