"""Causal analytics: what causes what? Campaign uplift and the economy's effect on spending.

python analytics_viz/07_causal_analytics.py [--output-dir reports]
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from common import (
    D3_COUNT,
    D3_MONEY,
    GOLD,
    GREY,
    NAVY,
    ChartSpec,
    Frames,
    ReportSpec,
    hover,
    run_report,
    titled,
)
from plotly.subplots import make_subplots

# gold.causal_analytics: one effect estimate per row with a 95% interval. Attribution rows
# give each campaign's conversions; for a randomised campaign the estimate is the
# conversions it caused (treatment minus control), for a targeted one only the naive count.
CAMPAIGN_SQL = """
with names as (
    select distinct campaign_id, campaign_name
    from gold.fact_campaign_contacts
),

uplift as (
    select subject, estimate, ci_lower_95, ci_upper_95, p_value
    from gold.causal_analytics
    where analysis = 'randomised_conversion_uplift'
)

select
    attribution.subject as campaign_id,
    coalesce(names.campaign_name, attribution.subject) as campaign_name,
    attribution.is_randomised,
    attribution.method,
    attribution.treatment_size,
    attribution.control_size,
    attribution.treatment_value as treatment_rate,
    attribution.control_value as control_rate,
    attribution.conversions,
    attribution.estimate as caused_conversions,
    attribution.ci_lower_95,
    attribution.ci_upper_95,
    attribution.conversion_value_amount,
    attribution.cost_amount,
    attribution.roi,
    uplift.estimate as uplift_pp,
    uplift.ci_lower_95 as uplift_ci_lower,
    uplift.ci_upper_95 as uplift_ci_upper,
    uplift.p_value as uplift_p_value
from gold.causal_analytics as attribution
left join names
    on attribution.subject = names.campaign_id
left join uplift
    on attribution.subject = uplift.subject
where attribution.analysis = 'campaign_attribution'
order by attribution.subject
"""


def build_campaign_attribution(df: pd.DataFrame) -> go.Figure:
    df = df.assign(campaign=df["campaign_id"] + "<br>" + df["campaign_name"])
    df["uplift_text"] = [
        f"{row.uplift_pp:+.1f} pp (95% CI {row.uplift_ci_lower:+.1f} to "
        f"{row.uplift_ci_upper:+.1f}), p = {row.uplift_p_value:.4f}"
        if row.is_randomised and pd.notna(row.uplift_pp)
        else "not measurable: no control group"
        for row in df.itertuples()
    ]
    df["control_text"] = [
        f"{row.control_rate:.1%} of {row.control_size:,.0f}"
        if pd.notna(row.control_rate)
        else "none"
        for row in df.itertuples()
    ]
    custom = df[
        [
            "method",
            "treatment_rate",
            "treatment_size",
            "control_text",
            "uplift_text",
            "conversion_value_amount",
            "cost_amount",
            "roi",
        ]
    ]
    lines = (
        "Method: %{customdata[0]}",
        "Conversion, contacted: %{customdata[1]:.1%} of %{customdata[2]:,.0f}",
        "Conversion, control: %{customdata[3]}",
        "Uplift: %{customdata[4]}",
        "Conversion value: %{customdata[5]:"
        + D3_MONEY
        + "}, cost: %{customdata[6]:"
        + D3_MONEY
        + "}",
        "Naive ROI: %{customdata[7]:.1f}x",
    )
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=df["campaign"],
            y=df["conversions"],
            name="All conversions of contacted customers (naive)",
            marker_color=GREY,
            customdata=custom,
            hovertemplate=hover("%{x}", "Conversions: %{y:,.0f}", *lines),
        )
    )
    randomised = df["is_randomised"].fillna(False).astype(bool)
    caused = df[randomised]
    fig.add_trace(
        go.Bar(
            x=caused["campaign"],
            y=caused["caused_conversions"],
            name="Caused by the campaign (randomised, 95% CI)",
            marker_color=NAVY,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": caused["ci_upper_95"] - caused["caused_conversions"],
                "arrayminus": caused["caused_conversions"] - caused["ci_lower_95"],
                "thickness": 2,
                "width": 8,
            },
            customdata=custom[randomised],
            hovertemplate=hover("%{x}", "Conversions caused: %{y:,.1f}", *lines),
        )
    )
    fig.update_layout(
        barmode="group",
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        margin={"t": 110},
    )
    fig.update_xaxes(tickangle=0)
    fig.update_yaxes(rangemode="tozero")
    return titled(
        fig,
        "Campaign attribution: conversions caused against all conversions",
        "Campaign",
        "Conversions (count)",
    )


# The month's purchases (complete months, confirmed fraud excluded) against their calendar
# month's usual level, beside the indicators: what the causal model regresses, with the
# log-log elasticities it estimates from the same months.
ECONOMY_SQL = """
with bounds as (
    select min(transaction_date) as first_date, max(transaction_date) as last_date
    from gold.fact_transactions
),

purchases as (
    select period_start_date, transaction_count - fraud_transaction_count as purchases
    from gold.descriptive_analytics
    where breakdown = 'transaction_type'
        and breakdown_value = 'purchase'
),

months as (
    select
        economy.month_start_date,
        economy.consumer_confidence,
        economy.unemployment_rate,
        purchases.purchases
    from gold.fact_economic_indicators_monthly as economy
    inner join purchases
        on economy.month_start_date = purchases.period_start_date
    cross join bounds
    where economy.month_start_date >= bounds.first_date
        and economy.month_start_date + interval '1 month' <= bounds.last_date + 1
        and purchases.purchases > 0
)

select
    month_start_date,
    consumer_confidence,
    unemployment_rate,
    purchases,
    100 * exp(ln(purchases) - avg(ln(purchases)) over (
        partition by extract(month from month_start_date)
    )) as seasonally_adjusted_index
from months
order by month_start_date
"""

ELASTICITY_SQL = """
select subject as indicator, estimate, ci_lower_95, ci_upper_95, p_value, treatment_size as months
from gold.causal_analytics
where analysis = 'economic_elasticity'
"""


def build_economic_impact(frames: Frames) -> go.Figure:
    df = frames["series"]
    elasticity = frames["elasticity"].set_index("indicator")

    def effect(indicator: str) -> str:
        if indicator not in elasticity.index:
            return ""
        row = elasticity.loc[indicator]
        if pd.isna(row["estimate"]):
            return " · elasticity needs two years of data"
        return (
            f" · elasticity {row['estimate']:+.2f} "
            f"(95% CI {row['ci_lower_95']:+.2f} to {row['ci_upper_95']:+.2f})"
        )

    custom = df[
        ["purchases", "seasonally_adjusted_index", "unemployment_rate", "consumer_confidence"]
    ]
    template = hover(
        "%{x|%B %Y}",
        "Purchases: %{customdata[0]:" + D3_COUNT + "}",
        "Against the calendar month's usual: %{customdata[1]:.1f}",
        "Consumer confidence: %{customdata[3]:.1f}",
        "Unemployment: %{customdata[2]:.2f}%",
    )
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=df["month_start_date"],
            y=df["seasonally_adjusted_index"],
            name="Purchases against their calendar month's usual (100)",
            mode="lines+markers",
            line={"color": NAVY, "width": 3},
            customdata=custom,
            hovertemplate=template,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=df["month_start_date"],
            y=df["consumer_confidence"],
            name="Consumer confidence (index)" + effect("consumer_confidence"),
            mode="lines+markers",
            line={"color": GOLD, "width": 2},
            customdata=custom,
            hovertemplate=template,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=df["month_start_date"],
            y=df["unemployment_rate"],
            name="Unemployment rate (%, right axis)" + effect("unemployment_rate"),
            mode="lines",
            line={"color": GREY, "width": 2, "dash": "dash"},
            customdata=custom,
            hovertemplate=template,
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="Index (points)", secondary_y=False)
    fig.update_yaxes(
        title_text="Unemployment rate (%)",
        ticksuffix="%",
        tickformat=".1f",
        secondary_y=True,
        showgrid=False,
    )
    fig.update_layout(hovermode="x unified", legend={"y": -0.25})
    return titled(
        fig,
        "Purchases, seasonally adjusted, against consumer confidence and unemployment",
        x="Month",
    )


REPORT = ReportSpec(
    slug="07_causal_analytics",
    title="Causal analytics",
    question="What causes what?",
    summary="What the campaigns caused (the randomised one against its control group, with "
    "confidence intervals) and how spending moves with the economy (elasticities).",
    charts=(
        ChartSpec(
            "campaign_attribution",
            "Grey: every conversion among the customers each campaign contacted. Blue: the "
            "conversions the campaign caused, with a 95% interval; only a randomised campaign "
            "(with a control group that was not contacted) can measure that, and the rest of "
            "its grey bar would have happened anyway. Hover for the uplift and its p-value.",
            CAMPAIGN_SQL,
            build_campaign_attribution,
            wide=True,
        ),
        ChartSpec(
            "economic_impact",
            "Each complete month's purchases against the same calendar month's usual level "
            "(100 = its average over the years of data, so the December peak and the January "
            "dip drop out), beside consumer confidence and unemployment. The legend gives the "
            "elasticity of purchases on each indicator, estimated on both together, with its "
            "95% interval; with less than two years of data the seasons cannot be told from "
            "the economy and there is none.",
            {"series": ECONOMY_SQL, "elasticity": ELASTICITY_SQL},
            build_economic_impact,
            wide=True,
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
