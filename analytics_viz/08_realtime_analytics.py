"""Real-time analytics: what is happening now? A self-refreshing monitoring dashboard.

    python analytics_viz/08_realtime_analytics.py [--output-dir reports] [--watch]

"Now" is the latest transaction in gold (the data is simulated); the page reloads itself
every minute, and --watch re-renders it at the same pace so each reload shows new loads.
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
    RED,
    ChartSpec,
    Frames,
    ReportSpec,
    hover,
    indicator_delta,
    label,
    run_report,
    tile_domains,
)
from plotly.subplots import make_subplots

# gold.realtime_analytics: the last hour and the last 24 hours against the same window a
# day earlier, overall ('all') and per channel; plus when the last load ran (an absolute
# time: the page reloads every minute, a "minutes ago" fixed at render time would go stale).
KPI_SQL = """
with loads as (
    select max(loaded_at) as last_loaded_at
    from gold.fact_transactions
)

select
    live.window_name,
    live.channel,
    live.flag_source,
    live.as_of_at,
    live.current_transaction_count,
    live.previous_transaction_count,
    live.current_value_amount,
    live.previous_value_amount,
    live.current_fraud_alert_count,
    live.previous_fraud_alert_count,
    live.current_flagged_count,
    live.previous_flagged_count,
    live.current_decline_rate,
    live.previous_decline_rate,
    loads.last_loaded_at
from gold.realtime_analytics as live
cross join loads
"""

# Transactions per hour over the 48 hours up to the newest one; the filter on
# transaction_date lets the database use its index instead of scanning every fact row.
HOURLY_SQL = """
with latest_day as (
    select max(transaction_date) as last_date from gold.fact_transactions
),

bounds as (
    select max(fact.transaction_at) as now_at
    from gold.fact_transactions as fact
    inner join latest_day
        on fact.transaction_date = latest_day.last_date
),

hours as (
    -- every hour of the window, so quiet hours show as zero instead of being skipped
    select generate_series(
        date_trunc('hour', bounds.now_at) - interval '47 hours',
        date_trunc('hour', bounds.now_at),
        interval '1 hour'
    ) as hour_start
    from bounds
),

hourly as (
    select
        date_trunc('hour', fact.transaction_at) as hour_start,
        count(*) as transactions,
        sum(fact.approved_amount_abs) as approved_volume,
        sum(fact.fraud_alert_count) as fraud_alerts,
        sum(case when fact.is_declined then 1 else 0 end) as declines
    from gold.fact_transactions as fact
    cross join latest_day
    where fact.transaction_date >= latest_day.last_date - 3
    group by 1
)

select
    hours.hour_start,
    coalesce(hourly.transactions, 0) as transactions,
    coalesce(hourly.approved_volume, 0) as approved_volume,
    coalesce(hourly.fraud_alerts, 0) as fraud_alerts,
    coalesce(hourly.declines, 0) as declines
from hours
left join hourly
    on hours.hour_start = hourly.hour_start
order by hours.hour_start
"""


def build_realtime_dashboard(frames: Frames) -> go.Figure:
    live = frames["kpis"]
    hourly = frames["hourly"]
    day = live[(live["window_name"] == "last_24h") & (live["channel"] == "all")].iloc[0]
    hour = live[(live["window_name"] == "last_1h") & (live["channel"] == "all")]
    channels = live[(live["window_name"] == "last_24h") & (live["channel"] != "all")]
    fig = make_subplots(
        rows=3,
        cols=3,
        specs=[
            [{"type": "indicator"}] * 3,
            [{"type": "indicator"}] * 3,
            [{"type": "xy", "colspan": 2, "secondary_y": True}, None, {"type": "xy"}],
        ],
        row_heights=[0.17, 0.17, 0.66],
        vertical_spacing=0.1,
        horizontal_spacing=0.14,
        subplot_titles=[""] * 6 + ["Per hour, last 48 hours", "Per channel, last 24 hours"],
    )

    def tile(
        row: int,
        col: int,
        name: str,
        value: float,
        reference: float | None,
        fmt: str,
        prefix: str = "",
        good_up: bool = True,
    ) -> None:
        delta = indicator_delta(value, reference, good_up)
        fig.add_trace(
            go.Indicator(
                mode="number+delta" if delta else "number",
                value=value,
                number={"valueformat": fmt, "prefix": prefix, "font": {"size": 30}},
                delta=delta,
                title={"text": name, "font": {"size": 13}},
            ),
            row=row,
            col=col,
        )

    flagged = f"Flagged by the fraud {'model' if day['flag_source'] == 'model' else 'rules'}"
    tile(
        1,
        1,
        "Transactions, last 24 h",
        day["current_transaction_count"],
        day["previous_transaction_count"],
        ",.0f",
    )
    tile(
        1,
        2,
        "Value, last 24 h (USD)",
        day["current_value_amount"],
        day["previous_value_amount"],
        ",.0f",
        "$",
    )
    tile(
        1,
        3,
        "Fraud alerts, last 24 h",
        day["current_fraud_alert_count"],
        day["previous_fraud_alert_count"],
        ",.0f",
        good_up=False,
    )
    tile(
        2,
        1,
        f"{flagged}, last 24 h",
        day["current_flagged_count"],
        day["previous_flagged_count"],
        ",.0f",
        good_up=False,
    )
    tile(
        2,
        2,
        "Decline rate, last 24 h",
        day["current_decline_rate"],
        day["previous_decline_rate"],
        ".2%",
        good_up=False,
    )
    if hour.empty:  # no transaction in the last hour: say so instead of a blank tile
        tile(2, 3, "Transactions, last hour", 0, None, ",.0f")
    else:
        tile(
            2,
            3,
            "Transactions, last hour",
            hour.iloc[0]["current_transaction_count"],
            hour.iloc[0]["previous_transaction_count"],
            ",.0f",
        )
    custom = hourly[["transactions", "approved_volume", "fraud_alerts", "declines"]]
    template = hover(
        "%{x|%a %d %b %H:00}",
        "Transactions: %{customdata[0]:" + D3_COUNT + "}",
        "Approved volume: %{customdata[1]:" + D3_MONEY + "}",
        "Fraud alerts: %{customdata[2]:" + D3_COUNT + "}",
        "Declines: %{customdata[3]:" + D3_COUNT + "}",
    )
    fig.add_trace(
        go.Scatter(
            x=hourly["hour_start"],
            y=hourly["transactions"],
            name="Transactions per hour",
            mode="lines+markers",
            line={"color": NAVY, "width": 2},
            fill="tozeroy",
            fillcolor="rgba(31,78,121,0.12)",
            customdata=custom,
            hovertemplate=template,
        ),
        row=3,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=hourly["hour_start"],
            y=hourly["declines"],
            name="Declines per hour",
            mode="lines",
            line={"color": GOLD, "width": 2, "dash": "dot"},
            customdata=custom,
            hovertemplate=template,
        ),
        row=3,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=hourly["hour_start"],
            y=hourly["fraud_alerts"],
            name="Fraud alerts per hour (right axis)",
            marker_color=RED,
            opacity=0.5,  # the transactions line stays visible through the bars
            customdata=custom,
            hovertemplate=template,
        ),
        row=3,
        col=1,
        secondary_y=True,
    )
    for period, colour in (("previous", GREY), ("current", NAVY)):
        fig.add_trace(
            go.Bar(
                x=channels["channel"].map(label),
                y=channels[f"{period}_transaction_count"],
                name="Last 24 h" if period == "current" else "Same 24 h a day earlier",
                marker_color=colour,
                customdata=channels[[f"{period}_value_amount", f"{period}_flagged_count"]],
                hovertemplate=hover(
                    "%{x}, " + ("last 24 h" if period == "current" else "a day earlier"),
                    "Transactions: %{y:" + D3_COUNT + "}",
                    "Value: %{customdata[0]:" + D3_MONEY + "}",
                    "Flagged: %{customdata[1]:" + D3_COUNT + "}",
                ),
            ),
            row=3,
            col=3,
        )
    # whole alerts only: a tick every n alerts, n chosen for about four ticks; the alert
    # bars use the lower half of the chart, so a single alert does not tower over the line
    most_alerts = max(1, int(hourly["fraud_alerts"].max() or 0))
    alert_step = max(1, -(-most_alerts // 4))
    now_at = pd.Timestamp(day["as_of_at"])
    loaded_at = pd.Timestamp(day["last_loaded_at"])
    loaded_at = loaded_at.tz_convert("UTC") if loaded_at.tzinfo else loaded_at
    fig.update_xaxes(title_text="Hour (UTC, simulated time)", row=3, col=1)
    # both axes start at zero, so the bars and the line share their baseline
    fig.update_yaxes(
        title_text="Per hour (count)", rangemode="tozero", row=3, col=1, secondary_y=False
    )
    fig.update_yaxes(
        title_text="Fraud alerts (count)",
        row=3,
        col=1,
        secondary_y=True,
        showgrid=False,
        range=[0, 2 * most_alerts],
        tick0=0,
        dtick=alert_step,
    )
    fig.update_xaxes(title_text="Channel", row=3, col=3)
    fig.update_yaxes(title_text="Transactions (count)", row=3, col=3)
    fig.update_annotations(font_size=13)
    fig.update_layout(
        title={
            "text": f"Live monitoring at {now_at:%Y-%m-%d %H:%M} UTC (simulated time); "
            f"data loaded {loaded_at:%Y-%m-%d %H:%M} UTC"
        },
        margin={"t": 90, "b": 120},
        legend={"orientation": "h", "x": 0, "y": -0.1, "yanchor": "top"},
        barmode="group",
        bargap=0.2,
    )
    return fig


# On a phone: the six tiles two a row, then the hourly chart, then the channel chart.
NARROW_BANDS = {"tiles": (1.0, 0.64), "hourly": (0.33, 0.55), "channels": (0.0, 0.19)}


def narrow_realtime_dashboard(fig: go.Figure) -> go.Figure:
    tiles = [trace for trace in fig.data if trace.type == "indicator"]
    top, bottom = NARROW_BANDS["tiles"]
    for trace, domain in zip(tiles, tile_domains(len(tiles), 2, top, bottom), strict=True):
        trace.domain = domain
        trace.number.font.size = 22
        trace.title.font.size = 12
    hourly, channels = NARROW_BANDS["hourly"], NARROW_BANDS["channels"]
    fig.update_layout(
        height=1300,
        xaxis={"domain": [0, 1]},
        yaxis={"domain": list(hourly)},
        xaxis2={"domain": [0, 1]},
        yaxis3={"domain": list(channels)},
    )
    for annotation, band in zip(fig.layout.annotations, (hourly, channels), strict=False):
        annotation.update(x=0, xanchor="left", y=band[1], yanchor="bottom")
    return fig


REPORT = ReportSpec(
    slug="08_realtime_analytics",
    exposure_type="dashboard",
    title="Real-time analytics",
    question="What is happening now?",
    summary="A monitoring dashboard of the last 24 hours against the same window a day "
    "earlier: activity, value, fraud alerts and flags, declines, channels and load "
    "freshness. It refreshes itself.",
    charts=(
        ChartSpec(
            "realtime_dashboard",
            "Tiles compare the last 24 hours (and the last hour) with the same window a day "
            "earlier; arrows show the change, and for alerts, flags and declines a fall is "
            "good. Below: transactions, declines and fraud alerts per hour over the last 48 "
            'hours, and transactions per channel. "Now" is the newest transaction in gold. '
            "The page reloads itself every minute.",
            {"kpis": KPI_SQL, "hourly": HOURLY_SQL},
            build_realtime_dashboard,
            wide=True,
            height=860,
            narrow=narrow_realtime_dashboard,
        ),
    ),
    refresh_seconds=60,
)

if __name__ == "__main__":
    run_report(REPORT)
