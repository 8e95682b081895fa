"""Descriptive analytics: what happened? KPIs, trends, channels, customers, products, merchants.

python analytics_viz/01_descriptive_analytics.py [--output-dir reports]
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
    MONTH_BOUNDS_CTE,
    NAVY,
    PARTIAL_MONTH_CAPTION,
    RED,
    SEQUENTIAL,
    ChartSpec,
    ColourScale,
    Kpi,
    ReportSpec,
    hierarchy,
    hover,
    indicator_grid,
    is_complete_month_sql,
    label,
    mark_partial_months,
    partial_month_lines,
    partial_month_opacity,
    run_report,
    titled,
    treemap,
)
from plotly.subplots import make_subplots

# -- KPI dashboard ---------------------------------------------------------------------

# The two most recent calendar months that the data covers completely.
KPI_SQL = """
with last_day as (
    select max(transaction_date) as last_date from gold.fact_transactions
)

select
    kpis.period_start_date,
    kpis.approved_value_amount,
    kpis.transaction_count,
    kpis.active_customers,
    kpis.fee_revenue_amount,
    kpis.fraud_rate,
    kpis.decline_rate
from gold.descriptive_analytics as kpis
cross join last_day
where kpis.breakdown = 'overall'
    and kpis.period_start_date + interval '1 month' <= last_day.last_date + 1
order by kpis.period_start_date desc
limit 2
"""


def build_kpi_dashboard(df: pd.DataFrame) -> go.Figure:
    df = df.sort_values("period_start_date", ascending=False).reset_index(drop=True)
    current = df.iloc[0]
    previous = df.iloc[1] if len(df) > 1 else None

    def kpi(name: str, column: str, kind: str, higher_is_better: bool = True) -> Kpi:
        reference = None if previous is None else previous[column]
        return Kpi(name, current[column], reference, kind, higher_is_better)

    month = pd.Timestamp(current["period_start_date"]).strftime("%B %Y")
    against = (
        f" against {pd.Timestamp(previous['period_start_date']):%B %Y}"
        if previous is not None
        else ""
    )
    return indicator_grid(
        [
            kpi("Approved volume (USD)", "approved_value_amount", "money"),
            kpi("Transactions", "transaction_count", "count"),
            kpi("Active customers", "active_customers", "count"),
            kpi("Fee revenue (USD)", "fee_revenue_amount", "money"),
            kpi("Fraud rate", "fraud_rate", "percent", higher_is_better=False),
            kpi("Decline rate", "decline_rate", "percent", higher_is_better=False),
        ],
        f"Key figures: {month}{against}",
    )


# the trend, type and account charts mark the months the data covers only in part
IS_COMPLETE_MONTH = is_complete_month_sql("kpis.period_start_date")


# -- monthly trends --------------------------------------------------------------------

MONTHLY_SQL = f"""
{MONTH_BOUNDS_CTE}
select
    kpis.period_start_date as month_start_date,
    kpis.transaction_count as transactions,
    kpis.approved_value_amount as approved_volume,
    kpis.active_customers,
    {IS_COMPLETE_MONTH}
from gold.descriptive_analytics as kpis
cross join bounds
where kpis.breakdown = 'overall'
order by kpis.period_start_date
"""


def build_monthly_trends(df: pd.DataFrame) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    custom = df[["transactions", "active_customers"]].assign(
        coverage=df["is_complete_month"].map({True: "complete", False: "partial"}),
        volume=df["approved_volume"],
    )
    template = hover(
        "%{x|%B %Y}",
        "Approved volume: %{customdata[3]:" + D3_MONEY + "}",
        "Transactions: %{customdata[0]:" + D3_COUNT + "}",
        "Active customers: %{customdata[1]:" + D3_COUNT + "}",
        "Month in the data: %{customdata[2]}",
    )
    lines = (
        ("approved_volume", "Approved volume (USD)", {"color": NAVY, "width": 3}, 9, False),
        ("transactions", "Transactions", {"color": GOLD, "width": 2, "dash": "dot"}, 8, True),
    )
    for column, name, line, size, secondary in lines:
        for trace in partial_month_lines(
            df["month_start_date"],
            df[column],
            df["is_complete_month"],
            name=name,
            line=line,
            marker={"size": size, "color": line["color"]},
            customdata=custom,
            hovertemplate=template,
        ):
            fig.add_trace(trace, secondary_y=secondary)
    fig.update_yaxes(title_text="Approved volume (USD)", tickformat="$~s", secondary_y=False)
    fig.update_yaxes(
        title_text="Transactions (count)", tickformat=",.0f", secondary_y=True, showgrid=False
    )
    fig.update_layout(hovermode="x unified")
    mark_partial_months(fig, df["month_start_date"], df["is_complete_month"])
    return titled(fig, "Monthly approved volume and transactions", x="Month")


# -- channels --------------------------------------------------------------------------

CHANNEL_SQL = """
select
    breakdown_value as channel,
    sum(transaction_count) as transactions,
    sum(approved_value_amount) as approved_volume
from gold.descriptive_analytics
where breakdown = 'channel'
group by breakdown_value
"""


def build_channel_share(df: pd.DataFrame) -> go.Figure:
    channels = df.sort_values("transactions", ascending=False)
    fig = go.Figure(
        go.Pie(
            labels=channels["channel"].map(label),
            values=channels["transactions"],
            hole=0.45,
            sort=False,
            customdata=channels[["approved_volume"]],
            textinfo="label+percent",
            hovertemplate=hover(
                "%{label}",
                "Transactions: %{value:" + D3_COUNT + "} (%{percent})",
                "Approved volume: %{customdata[0]:" + D3_MONEY + "}",
            ),
        )
    )
    fig.update_layout(showlegend=False)
    return titled(fig, "Share of transactions by channel")


TYPE_MIX_SQL = f"""
{MONTH_BOUNDS_CTE}
select
    kpis.period_start_date as month_start_date,
    kpis.breakdown_value as transaction_type,
    kpis.transaction_count as transactions,
    kpis.approved_value_amount as approved_volume,
    kpis.share_of_period_value,
    {IS_COMPLETE_MONTH}
from gold.descriptive_analytics as kpis
cross join bounds
where kpis.breakdown = 'transaction_type'
order by kpis.period_start_date, kpis.breakdown_value
"""


def build_type_mix(df: pd.DataFrame) -> go.Figure:
    order = df.groupby("transaction_type")["approved_volume"].sum().sort_values().index
    fig = go.Figure()
    for transaction_type in order:
        rows = df[df["transaction_type"] == transaction_type]
        fig.add_trace(
            go.Bar(
                x=rows["month_start_date"],
                y=rows["approved_volume"],
                name=label(transaction_type),
                marker={"opacity": partial_month_opacity(rows["is_complete_month"])},
                customdata=rows[["transactions", "share_of_period_value"]],
                hovertemplate=hover(
                    "%{x|%B %Y}: " + label(transaction_type),
                    "Approved volume: %{y:" + D3_MONEY + "}",
                    "Transactions: %{customdata[0]:" + D3_COUNT + "}",
                    "Share of the month's value: %{customdata[1]:.1%}",
                ),
            )
        )
    fig.update_layout(barmode="stack", legend_traceorder="reversed")
    fig.update_yaxes(tickformat="$~s")
    mark_partial_months(fig, df["month_start_date"], df["is_complete_month"])
    return titled(
        fig, "Monthly approved volume by transaction type", "Month", "Approved volume (USD)"
    )


# -- customers -------------------------------------------------------------------------

SEGMENT_SQL = """
select
    coalesce(customer_segment, 'unknown') as customer_segment,
    age_band,
    count(*) as customers,
    avg(annual_income) as avg_income,
    avg(credit_score) as avg_credit_score
from gold.dim_customer
where is_current
    and customer_key <> -1
group by 1, 2
order by 1, 2
"""


def build_customer_segments(df: pd.DataFrame) -> go.Figure:
    order = df.groupby("customer_segment")["customers"].sum().sort_values(ascending=False).index
    fig = go.Figure()
    for age_band, rows in df.groupby("age_band", sort=True):
        rows = rows.set_index("customer_segment").reindex(order).reset_index()
        fig.add_trace(
            go.Bar(
                x=rows["customer_segment"].map(label),
                y=rows["customers"],
                name=f"Age {age_band}",
                customdata=rows[["avg_income", "avg_credit_score"]],
                hovertemplate=hover(
                    "%{x}, age " + str(age_band),
                    "Customers: %{y:" + D3_COUNT + "}",
                    "Average income: %{customdata[0]:" + D3_MONEY + "}",
                    "Average credit score: %{customdata[1]:.0f}",
                ),
            )
        )
    fig.update_layout(barmode="stack", legend_title_text="Age band")
    return titled(
        fig, "Customers by segment and age band (current)", "Segment", "Customers (count)"
    )


# -- products --------------------------------------------------------------------------

PRODUCT_SQL = """
select
    product.product_line,
    product.product_category,
    product.product_name,
    count(*) as open_accounts,
    sum(snapshot.closing_balance_amount) as balance
from gold.fact_account_daily_snapshot as snapshot
inner join gold.dim_product as product
    on snapshot.product_key = product.product_key
-- the last day of data, found through the date_key index (open accounts only)
where snapshot.date_key = (select max(date_key) from gold.fact_account_daily_snapshot)
group by product.product_line, product.product_category, product.product_name
"""


def build_product_treemap(df: pd.DataFrame) -> go.Figure:
    nodes = hierarchy(
        df,
        ["product_line", "product_category", "product_name"],
        ["open_accounts", "balance"],
        "All products",
    )
    nodes["label"] = nodes["label"].where(
        nodes["level"] != "product_name", nodes["id"].str.split(" / ").str[-1]
    )
    # an average, not the sum: summed balances would paint every parent darker than its
    # children whatever they hold
    nodes["avg_balance"] = nodes["balance"] / nodes["open_accounts"].where(
        nodes["open_accounts"] > 0
    )
    fig = treemap(
        nodes,
        size="open_accounts",
        colour=ColourScale("avg_balance", SEQUENTIAL, "Average balance (USD)", "$~s"),
        text="<b>%{label}</b><br>%{value:,} accounts",
        hover_lines=(
            "Open accounts: %{value:" + D3_COUNT + "} (%{percentRoot:.1%} of all)",
            "Balance: %{customdata[0]:" + D3_MONEY + "}",
            "Average balance: %{customdata[1]:" + D3_MONEY + "}",
        ),
        customdata=("balance", "avg_balance"),
    )
    return titled(fig, "Open accounts by product")


# -- merchants -------------------------------------------------------------------------

# Rank merchants first (one pass, no distinct counts), then count the distinct customers
# of the few winners only, through the merchant_key index.
MERCHANT_SQL = """
with ranked as (
    select
        merchant_key,
        count(*) as transactions,
        sum(approved_amount_abs) as approved_volume
    from gold.fact_transactions
    where merchant_key > 0
    group by merchant_key
    order by approved_volume desc
    limit %(top_n)s
),

reach as (
    select
        fact.merchant_key,
        count(distinct fact.customer_id) as customers
    from gold.fact_transactions as fact
    inner join ranked
        on fact.merchant_key = ranked.merchant_key
    group by fact.merchant_key
)

select
    merchant.merchant_name,
    merchant.category,
    ranked.transactions,
    ranked.approved_volume,
    reach.customers
from ranked
inner join gold.dim_merchant as merchant
    on ranked.merchant_key = merchant.merchant_key
inner join reach
    on ranked.merchant_key = reach.merchant_key
order by ranked.approved_volume desc
"""


def build_top_merchants(df: pd.DataFrame) -> go.Figure:
    rows = df.sort_values("approved_volume")
    fig = go.Figure(
        go.Bar(
            x=rows["approved_volume"],
            y=rows["merchant_name"],
            orientation="h",
            marker_color=NAVY,
            customdata=rows[["category", "transactions", "customers"]].assign(
                category=rows["category"].map(label)
            ),
            hovertemplate=hover(
                "%{y}",
                "Category: %{customdata[0]}",
                "Approved volume: %{x:" + D3_MONEY + "}",
                "Transactions: %{customdata[1]:" + D3_COUNT + "}",
                "Customers: %{customdata[2]:" + D3_COUNT + "}",
            ),
        )
    )
    fig.update_xaxes(tickformat="$~s")
    return titled(
        fig, f"Top {len(df)} merchants by approved volume", "Approved volume (USD)", "Merchant"
    )


# -- purchase amounts ------------------------------------------------------------------

AMOUNT_SQL = """
select
    least(floor(transaction_amount_abs / %(bin_width)s), %(bins)s) * %(bin_width)s as bin_start,
    count(*) as purchases,
    sum(transaction_amount_abs) as amount
from gold.fact_transactions
where is_purchase
group by 1
order by 1
"""
AMOUNT_BIN_WIDTH = 10
AMOUNT_BINS = 50  # the last bin collects everything from $500 up


def build_amount_histogram(df: pd.DataFrame) -> go.Figure:
    cap = AMOUNT_BIN_WIDTH * AMOUNT_BINS
    shown = df[df["bin_start"] < cap]
    tail = df.loc[df["bin_start"] >= cap, "purchases"].sum()
    fig = go.Figure(
        go.Histogram(
            x=shown["bin_start"],
            y=shown["purchases"],
            histfunc="sum",
            xbins={"start": 0, "end": cap, "size": AMOUNT_BIN_WIDTH},
            marker_color=NAVY,
            hovertemplate=hover("Purchase amount %{x}", "Purchases: %{y:" + D3_COUNT + "}"),
        )
    )
    share = tail / df["purchases"].sum()
    fig.add_annotation(
        x=1,
        y=1,
        xref="paper",
        yref="paper",
        showarrow=False,
        xanchor="right",
        text=f"{tail:,.0f} purchases ({share:.1%}) of ${cap:,} or more not shown",
    )
    fig.update_xaxes(tickprefix="$", tickformat=",.0f")
    fig.update_layout(bargap=0.05)
    return titled(
        fig,
        f"Distribution of purchase amounts (${AMOUNT_BIN_WIDTH} bins)",
        "Purchase amount (USD)",
        "Purchases (count)",
    )


# -- accounts --------------------------------------------------------------------------

ACCOUNT_SQL = f"""
{MONTH_BOUNDS_CTE}
select
    kpis.period_start_date as month_start_date,
    kpis.breakdown_value as account_status,
    kpis.account_count as accounts,
    kpis.balance_amount as balance,
    kpis.share_of_accounts,
    {IS_COMPLETE_MONTH}
from gold.descriptive_analytics as kpis
cross join bounds
where kpis.breakdown = 'account_status'
order by kpis.period_start_date, kpis.breakdown_value
"""
STATUS_COLOURS = {"active": GREEN, "dormant": GREY, "closed": RED}


def build_account_status(df: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        rows = df[df["account_status"] == status]
        if rows.empty:
            continue
        # months the data covers only in part are faded: fewer accounts can be active in
        # a few days, which is not a fall in activity
        complete = rows["is_complete_month"].astype(bool)
        fig.add_trace(
            go.Bar(
                x=rows["month_start_date"],
                y=rows["accounts"],
                name=label(status),
                marker={"color": colour, "opacity": partial_month_opacity(complete)},
                customdata=rows[["share_of_accounts", "balance"]].assign(
                    coverage=complete.map({True: "complete", False: "partial (faded)"})
                ),
                hovertemplate=hover(
                    "%{x|%B %Y}: " + label(status),
                    "Accounts: %{y:" + D3_COUNT + "} (%{customdata[0]:.1%})",
                    "Month-end balance: %{customdata[1]:" + D3_MONEY + "}",
                    "Month in the data: %{customdata[2]}",
                ),
            )
        )
    fig.update_layout(barmode="stack")
    mark_partial_months(fig, df["month_start_date"], df["is_complete_month"])
    return titled(fig, "Accounts by status, month by month", "Month", "Accounts (count)")


REPORT = ReportSpec(
    slug="01_descriptive_analytics",
    exposure_type="dashboard",
    title="Descriptive analytics",
    question="What happened?",
    summary="Headline KPIs, monthly trends, channel mix, customer segments, products, "
    "top merchants, purchase amounts and account status.",
    charts=(
        ChartSpec(
            "kpi_dashboard",
            "The last calendar month the data covers completely, against the month before: "
            "volume, activity, fee revenue, and the fraud and decline rates (for these two, a "
            "fall is good).",
            KPI_SQL,
            build_kpi_dashboard,
            wide=True,
            height=380,
        ),
        ChartSpec(
            "monthly_trends",
            "Approved volume (left axis) and the number of transactions (right axis) per "
            "calendar month. " + PARTIAL_MONTH_CAPTION,
            MONTHLY_SQL,
            build_monthly_trends,
            wide=True,
        ),
        ChartSpec(
            "channel_share",
            "How transactions split across channels, by count; hover for the volume.",
            CHANNEL_SQL,
            build_channel_share,
        ),
        ChartSpec(
            "type_mix",
            "Approved volume per calendar month, split by transaction type. "
            + PARTIAL_MONTH_CAPTION,
            TYPE_MIX_SQL,
            build_type_mix,
        ),
        ChartSpec(
            "customer_segments",
            "Current customers per segment, stacked by age band; hover for average income "
            "and credit score.",
            SEGMENT_SQL,
            build_customer_segments,
        ),
        ChartSpec(
            "product_treemap",
            "Accounts open on the last day of data by product line, category and product; "
            "box size is the number of accounts, colour the average balance per account.",
            PRODUCT_SQL,
            build_product_treemap,
        ),
        ChartSpec(
            "top_merchants",
            "The merchants with the highest approved card volume over the whole period.",
            MERCHANT_SQL,
            build_top_merchants,
            params={"top_n": 15},
        ),
        ChartSpec(
            "purchase_amounts",
            "How large purchases are: the count of purchases per $10 band of amount.",
            AMOUNT_SQL,
            build_amount_histogram,
            params={"bin_width": AMOUNT_BIN_WIDTH, "bins": AMOUNT_BINS},
        ),
        ChartSpec(
            "account_status",
            "Accounts per month by status: active (a transaction in the month), dormant (none) "
            "or closed in the month; hover for the month-end balance. " + PARTIAL_MONTH_CAPTION,
            ACCOUNT_SQL,
            build_account_status,
        ),
    ),
)

if __name__ == "__main__":
    run_report(REPORT)
