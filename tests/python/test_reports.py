"""The Plotly reports: build functions on tiny frames, then every report rendered from gold.

The unit tests feed each chart's `build_*` function a small hand-made frame shaped like
its query's result and check the figure is readable (title, axis titles, hover, data).
The integration tests render every report and the index from the small warehouse
and check each file: chart count, data in every chart, header, offline loading.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

from tests.python.helpers import REPO_ROOT, Warehouse

VIZ_DIR = REPO_ROOT / "analytics_viz"
if str(VIZ_DIR) not in sys.path:
    sys.path.insert(0, str(VIZ_DIR))

import common  # noqa: E402
import run_all_viz  # noqa: E402

SPECS = common.all_reports()
BY_SLUG = {spec.slug: spec for spec in SPECS}

# The reference design's mix: 9 + 5 + 3 + 2 + 4 + 3 + 2 + 1 charts, and data quality.
EXPECTED_CHARTS = {
    "01_descriptive_analytics": 9,
    "02_diagnostic_analytics": 5,
    "03_exploratory_analytics": 3,
    "04_inferential_analytics": 2,
    "05_predictive_analytics": 4,
    "06_prescriptive_analytics": 3,
    "07_causal_analytics": 2,
    "08_realtime_analytics": 1,
    "09_data_quality": 6,
}
RENDER_BUDGET_SECONDS = 30


def module_of(slug: str) -> object:
    return sys.modules[f"financial_analytics_report_{slug}"]


# -- tiny frames shaped like each chart's query result ---------------------------------


def frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def one_row_of_correlations(names: list[str], **extra: object) -> pd.DataFrame:
    return pd.DataFrame([{**extra, **{name: 0.3 for name in names}}])


def correlation_sample() -> pd.DataFrame:
    pairs = module_of("03_exploratory_analytics").PAIRS
    return one_row_of_correlations([f"{a}__{b}" for a, b in pairs], customers=40)


def association_sample() -> pd.DataFrame:
    features = list(module_of("05_predictive_analytics").FEATURES)
    return one_row_of_correlations(features, customers=40, score_source="rules")


MONTHS = [date(2023, month, 1) for month in (1, 2, 3)]
FACTOR_COLUMNS = (
    "analysis",
    "factor_value",
    "population_count",
    "event_count",
    "event_rate",
    "baseline_rate",
    "lift",
    "event_amount",
    "share_of_events",
)


def factors(*rows: tuple[object, ...]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(FACTOR_COLUMNS))
    return table.assign(is_small_sample=table["population_count"] < 150)


ACTIONS = frame(
    retention_action=["service_recovery_call", "fee_waiver_6_months", "win_back_offer"],
    customers=[40, 20, 80],
    value_at_risk=[800.0, 600.0, 500.0],
    value_retained=[240.0, 150.0, 25.0],
    action_cost=[1_000.0, 800.0, 2_400.0],
    funded_customers=[3, 0, 0],
    budget_allocated=[75.0, 0.0, 0.0],
    funded_expected_value=[20.0, 0.0, 0.0],
    retention_budget=[5_000.0] * 3,
    success_rate=[0.3, 0.25, 0.05],
)
LIVE_MEASURES = (90, 100, 9_000.0, 8_000.0, 3, 5, 1, 2, 0.02, 0.03, datetime(2024, 1, 10, 8, 5))
REALTIME_KPIS = pd.DataFrame(
    [
        (window, channel, "rules", datetime(2024, 1, 9, 23, 50), *LIVE_MEASURES)
        for window in ("last_1h", "last_24h")
        for channel in ("all", "pos", "online")
    ],
    columns=[
        "window_name",
        "channel",
        "flag_source",
        "as_of_at",
        "current_transaction_count",
        "previous_transaction_count",
        "current_value_amount",
        "previous_value_amount",
        "current_fraud_alert_count",
        "previous_fraud_alert_count",
        "current_flagged_count",
        "previous_flagged_count",
        "current_decline_rate",
        "previous_decline_rate",
        "last_loaded_at",
    ],
)
SAMPLES: dict[str, object] = {
    # 01 descriptive
    "kpi_dashboard": frame(
        period_start_date=[date(2023, 12, 1), date(2023, 11, 1)],
        approved_value_amount=[120_000.0, 110_000.0],
        transaction_count=[900, 850],
        active_customers=[300, 310],
        fee_revenue_amount=[3_000.0, 2_900.0],
        fraud_rate=[0.011, 0.012],
        decline_rate=[0.03, 0.028],
    ),
    "monthly_trends": frame(
        month_start_date=MONTHS,
        transactions=[1000, 950, 300],
        approved_volume=[55_000.0, 51_000.0, 16_000.0],
        active_customers=[400, 390, 200],
        is_complete_month=[True, True, False],
    ),
    "channel_share": frame(
        channel=["pos", "online"], transactions=[520, 300], approved_volume=[20_800.0, 15_000.0]
    ),
    "type_mix": frame(
        month_start_date=MONTHS[:2] * 2,
        transaction_type=["purchase", "purchase", "deposit", "deposit"],
        transactions=[500, 520, 40, 41],
        approved_volume=[20_000.0, 21_000.0, 90_000.0, 91_000.0],
        share_of_period_value=[0.18, 0.19, 0.82, 0.81],
        is_complete_month=[True, False, True, False],
    ),
    "customer_segments": frame(
        customer_segment=["mass", "mass", "affluent"],
        age_band=["25-34", "35-44", "35-44"],
        customers=[120, 80, 40],
        avg_income=[48_000.0, 52_000.0, 120_000.0],
        avg_credit_score=[650.0, 660.0, 720.0],
    ),
    "product_treemap": frame(
        product_line=["Deposits", "Deposits", "Credit & Lending"],
        product_category=["deposit", "deposit", "credit"],
        product_name=["Everyday Checking", "Basic Savings", "Rewards Credit Card"],
        open_accounts=[300, 150, 90],
        balance=[900_000.0, 400_000.0, -50_000.0],
    ),
    "top_merchants": frame(
        merchant_name=["Shop A", "Shop B"],
        category=["grocery", "electronics"],
        transactions=[200, 50],
        approved_volume=[9_000.0, 7_500.0],
        customers=[80, 40],
    ),
    "purchase_amounts": frame(
        bin_start=[0.0, 10.0, 20.0, 500.0], purchases=[50, 80, 30, 5], amount=[200.0] * 4
    ),
    "account_status": frame(
        month_start_date=MONTHS[:2] * 2,
        account_status=["active", "active", "dormant", "closed"],
        accounts=[300, 310, 50, 4],
        balance=[900_000.0, 920_000.0, 80_000.0, 0.0],
        share_of_accounts=[0.85, 0.86, 0.14, 0.01],
        is_complete_month=[True, False, True, False],
    ),
    # 02 diagnostic
    "fraud_heatmap": frame(
        transaction_day_of_week=[1, 1, 7],
        transaction_hour=[0, 13, 2],
        transactions=[10, 50, 8],
        fraud_transactions=[3, 0, 2],
    ),
    "fraud_by_channel": factors(
        ("fraud_by_channel", "online", 400, 12, 0.03, 0.01, 3.0, 3_000.0, 0.8),
        ("fraud_by_channel", "pos", 600, 3, 0.005, 0.01, 0.5, 150.0, 0.2),
        ("fraud_by_card_presence", "card_not_present", 400, 12, 0.03, 0.01, 3.0, 3_000.0, 0.8),
    ),
    "decline_reasons": factors(
        ("decline_reasons", "insufficient_funds", 1000, 40, 0.04, 0.05, 0.8, 2_000.0, 0.8),
        ("decline_reasons", "card_expired", 1000, 10, 0.01, 0.05, 0.2, 500.0, 0.2),
    ),
    "churn_by_tenure": factors(
        ("churn_by_tenure", "0-11 months", 100, 25, 0.25, 0.15, 1.7, None, 0.5),
        ("churn_by_tenure", "1-2 years", 200, 20, 0.10, 0.15, 0.7, None, 0.5),
    ),
    "service_issues": factors(
        ("churn_by_complaints", "0", 300, 30, 0.10, 0.15, 0.7, None, 0.6),
        ("churn_by_complaints", "3+", 10, 6, 0.60, 0.15, 4.0, None, 0.4),
        ("churn_by_fees", "under_25", 200, 20, 0.10, 0.15, 0.7, None, 0.5),
        ("churn_by_fees", "250+", 20, 8, 0.40, 0.15, 2.7, None, 0.5),
    ),
    # 03 exploratory
    "spending_treemap": frame(
        customer_segment=["mass", "mass", "premier"],
        category=["grocery", "travel", "travel"],
        purchases=[500, 20, 30],
        approved_volume=[22_000.0, 7_000.0, 20_000.0],
    ),
    "customer_clusters": frame(
        segment_label=["Champions", "At risk", "Hibernating"],
        segment_source=["rules"] * 3,
        customer_segment=["mass", "premier", None],
        rfm_code=["555", "155", "111"],
        frequency_count=[120, 60, 3],
        monetary_amount=[9_000.0, 12_000.0, 80.0],
        recency_days=[2, 80, 200],
        avg_ticket_amount=[45.0, 140.0, 22.0],
    ),
    "correlation_heatmap": correlation_sample,
    # 04 inferential
    "confidence_intervals": frame(
        analysis=["monthly_spend_by_segment"] * 3 + ["fraud_rate_by_channel"] * 2,
        group_value=["mass", "premier", None, "online", "mobile"],
        reference_group=[None, "mass", None, None, "online"],
        metric=["spend"] * 3 + ["fraud"] * 2,
        sample_size=[500, 40, 2, 30_000, 9_000],
        mean_value=[250.0, 840.0, 700.0, 0.006, 0.02],
        ci_lower_95=[240.0, 700.0, 500.0, 0.005, 0.017],
        ci_upper_95=[260.0, 980.0, 900.0, 0.007, 0.023],
        difference=[None, 590.0, None, None, 0.014],
        p_value=[None, 0.0001, None, None, 0.0],
        is_significant_5pct=[False, True, False, False, True],
    ),
    "cohort_retention": frame(
        cohort_month=[date(2023, 1, 1)] * 3 + [date(2023, 2, 1)] * 2,
        months_since_signup=[0, 1, 2, 0, 1],
        cohort_customers=[40, 40, 40, 20, 20],
        active_share=[1.0, 0.9, 0.85, 1.0, 0.8],
        ci_lower_95=[1.0, 0.8, 0.74, 1.0, 0.62],
        ci_upper_95=[1.0, 1.0, 0.96, 1.0, 0.98],
    ),
    # 05 predictive
    "churn_distribution": frame(
        bin_start=[0.05, 0.25, 0.6],
        churn_risk_band=["low", "medium", "high"],
        score_source=["model"] * 3,
        customers=[300, 60, 20],
        lifetime_value=[30_000.0, 4_000.0, 900.0],
    ),
    "risk_scatter": frame(
        churn_risk_score=[0.05, 0.4, 0.8],
        customer_lifetime_value=[300.0, 120.0, 40.0],
        churn_driver=["none", "fees", "complaints"],
        churn_risk_band=["low", "medium", "high"],
        customer_segment=["mass", None, "student"],
        total_transactions_90d=[40, 12, 2],
        days_since_last_transaction=[1, 20, 70],
    ),
    "risk_categories": frame(
        churn_risk_band=["high", "low", "medium"],
        customers=[20, 300, 60],
        lifetime_value=[900.0, 30_000.0, 4_000.0],
        value_at_risk=[600.0, 2_000.0, 1_200.0],
        mean_score=[0.7, 0.08, 0.3],
    ),
    "feature_association": association_sample,
    # 06 prescriptive
    "offer_matrix": frame(
        customer_segment=["mass", "mass", "student"],
        next_best_offer=["savings_account", "none", "savings_account"],
        customers=[30, 10, 5],
        offer_expected_value=[100.0, 0.0, 20.0],
        acceptance_probability=[0.06, 0.0, 0.03],
    ),
    "retention_waterfall": ACTIONS,
    "budget_allocation": ACTIONS,
    # 07 causal
    "campaign_attribution": frame(
        campaign_id=["CMP001", "CMP002"],
        campaign_name=["Cross-sell", "Retention"],
        is_randomised=[True, False],
        method=["randomised comparison", "naive (no control group)"],
        treatment_size=[400, 200],
        control_size=[400, None],
        treatment_rate=[0.125, 0.17],
        control_rate=[0.06, None],
        conversions=[50, 34],
        caused_conversions=[26.0, 34.0],
        ci_lower_95=[10.0, None],
        ci_upper_95=[42.0, None],
        conversion_value_amount=[21_000.0, 18_000.0],
        cost_amount=[340.0, 1_400.0],
        roi=[60.0, 11.9],
        uplift_pp=[6.5, None],
        uplift_ci_lower=[2.5, None],
        uplift_ci_upper=[10.6, None],
        uplift_p_value=[0.0014, None],
    ),
    "economic_impact": {
        "series": frame(
            month_start_date=MONTHS,
            consumer_confidence=[100.0, 97.5, 96.0],
            unemployment_rate=[3.6, 3.7, 3.9],
            purchases=[5200, 5000, 4800],
            seasonally_adjusted_index=[102.0, 99.5, 98.5],
        ),
        "elasticity": frame(
            indicator=["consumer_confidence", "unemployment_rate"],
            estimate=[0.8, -0.5],
            ci_lower_95=[0.2, -0.9],
            ci_upper_95=[1.4, -0.1],
            p_value=[0.01, 0.02],
            months=[11, 11],
        ),
    },
    # 08 real-time
    "realtime_dashboard": {
        "kpis": REALTIME_KPIS,
        "hourly": frame(
            hour_start=[datetime(2024, 1, 9, 22) + timedelta(hours=h) for h in range(2)],
            transactions=[7, 9],
            approved_volume=[400.0, 520.0],
            fraud_alerts=[0, 1],
            declines=[0, 1],
        ),
    },
    # 09 data quality
    "rejections_by_batch": frame(
        batch_id=["b0001", "b0001", "b0002"],
        batch_kind=["initial", "initial", "advance"],
        batch_as_of_at=[datetime(2023, 12, 31), datetime(2023, 12, 31), datetime(2024, 1, 3)],
        reason=["invalid_code", "orphan_customer", "none"],
        rejected_rows=[40, 3, 0],
        sent_rows=[9_000, 9_000, 800],
    ),
    "rejections_by_table": frame(
        source_table=["transactions", "transactions", "customers"],
        reason=["invalid_code", "future_timestamp", "missing_required_field"],
        rejected_rows=[40, 2, 5],
        sent_rows=[8_000, 8_000, 1_000],
    ),
    "reconciliation": frame(
        source_table=["products", "transactions"],
        bronze_row_count=[10, 8_100],
        silver_row_count=[10, 7_900],
        rejected_row_count=[0, 150],
        duplicate_row_count=[0, 30],
        superseded_row_count=[0, 20],
        is_balanced=[True, True],
    ),
    "freshness": frame(
        source_table=["transactions", "customers", "batches_late"],
        last_batch_id=["b0004", "b0004", "b0001"],
        last_loaded_at=[datetime(2024, 1, 10, 8, 0)] * 3,
        age_hours=[0.5, 30.0, 100.0],
        warn_after_hours=[24.0] * 3,
        error_after_hours=[72.0] * 3,
    ),
    "quality_checks": frame(
        check_name=["fee_not_negative", "customer_resolved", "monthly_kpis_add_up"],
        check_kind=["value_range", "consistency", "consistency"],
        relation_name=["fact_transactions", "fact_transactions", "descriptive_analytics"],
        rule_text=["fee_amount >= 0", "customer_key resolves", "counts add up"],
        severity=["error", "warn", "error"],
        checked_row_count=[8_000, 8_000, 8_000],
        failing_row_count=[0, 12, 0],
        is_passing=[True, False, True],
    ),
    "test_results": {
        "tests": frame(
            kind=["not_null", "not_null", "singular"],
            status=["pass", "warn", "pass"],
            tests=[90, 1, 12],
        ),
        "run": frame(generated_at=["2024-01-10T08:05:00Z"], command=["dbt build"]),
    },
}


def sample_for(key: str) -> object:
    sample = SAMPLES[key]
    if callable(sample):
        return sample()
    if isinstance(sample, dict):
        return {name: data.copy() for name, data in sample.items()}
    return sample.copy()  # type: ignore[attr-defined]


CHARTS = [(spec, chart) for spec in SPECS for chart in spec.charts]
BUILT: dict[str, go.Figure] = {}


def built(chart: common.ChartSpec) -> go.Figure:
    """The chart built from its sample frame (once per session: building takes a while)."""
    if chart.key not in BUILT:
        BUILT[chart.key] = chart.build(sample_for(chart.key))
    return BUILT[chart.key]


@pytest.mark.parametrize(
    ("spec", "chart"), CHARTS, ids=[f"{spec.slug[:2]}-{chart.key}" for spec, chart in CHARTS]
)
def test_build_function_makes_a_readable_figure(
    spec: common.ReportSpec, chart: common.ChartSpec
) -> None:
    assert chart.key in SAMPLES, f"add a sample frame for {spec.slug}/{chart.key}"
    figure = built(chart)
    assert common.figure_problems(figure) == []


def test_reports_follow_the_reference_mix() -> None:
    assert [spec.slug for spec in SPECS] == list(EXPECTED_CHARTS)
    assert {spec.slug: len(spec.charts) for spec in SPECS} == EXPECTED_CHARTS
    assert sum(EXPECTED_CHARTS.values()) >= 28
    keys = [chart.key for spec in SPECS for chart in spec.charts]
    assert len(keys) == len(set(keys)), "chart keys are unique across reports"
    trace_types = {trace.type for spec, chart in CHARTS for trace in built(chart).data}
    expected = {
        "bar",
        "scatter",
        "pie",
        "heatmap",
        "treemap",
        "histogram",
        "indicator",
        "waterfall",
    }
    assert expected <= trace_types
    with_error_bars = [
        chart.key
        for _, chart in CHARTS
        for trace in built(chart).data
        if trace.type == "scatter"
        and (trace.error_x.array is not None or trace.error_y.array is not None)
    ]
    assert with_error_bars, "at least one confidence-interval plot"


# Relations that are aggregates already: their size does not grow with the number of
# transactions or customers (months x categories, factors, estimates).
PRE_AGGREGATED = {
    "descriptive_analytics",
    "diagnostic_analytics",
    "inferential_analytics",
    "causal_analytics",
    "realtime_analytics",
    "fact_economic_indicators_monthly",
    "dq_reconciliation",  # one row per bronze table
    "dq_checks",  # one row per check
}
AGGREGATES = re.compile(
    r"\bgroup by\b|\bselect distinct\b|\blimit\b|\b(count|sum|avg|corr|min|max)\("
)


def test_queries_read_gold_only_and_aggregate() -> None:
    for spec, chart in CHARTS:
        statements = [chart.sql] if isinstance(chart.sql, str) else list(chart.sql.values())
        for statement in statements:
            lowered = statement.lower()
            assert not re.search(r"\b(bronze|silver|snapshots)\.", lowered), chart.key
            if set(common.GOLD_RELATION.findall(lowered)) <= PRE_AGGREGATED:
                continue
            assert AGGREGATES.search(lowered), (
                f"{spec.slug}/{chart.key} reads rows that grow with the data: aggregate or "
                "bound them in SQL"
            )


def test_exposures_declare_each_report_and_what_it_reads() -> None:
    assert common.EXPOSURES_FILE.read_text() == common.exposures_yaml(SPECS), (
        "regenerate with: python analytics_viz/run_all_viz.py --write-exposures"
    )
    exposures = yaml.safe_load(common.EXPOSURES_FILE.read_text())["exposures"]
    assert [exposure["name"] for exposure in exposures] == [f"report_{s.slug}" for s in SPECS]
    for exposure, spec in zip(exposures, SPECS, strict=True):
        assert exposure["type"] in {"dashboard", "analysis"}
        assert len(exposure["depends_on"]) == len(spec.relations()) > 0


def test_every_script_has_help() -> None:
    for spec in SPECS:
        with pytest.raises(SystemExit) as exit_info:
            common.report_main(spec)(["--help"])
        assert exit_info.value.code == 0


def test_number_formats() -> None:
    assert common.money(1234.4) == "$1,234"
    assert common.money(2_345_678) == "$2.3M"
    assert common.count(1234567) == "1,234,567"
    assert common.percent(0.1234) == "12.3%"
    assert common.money(None) == common.count(float("nan")) == common.percent(None) == "n/a"


def test_labels_keep_acronyms_in_capitals() -> None:
    assert common.label("card_not_present") == "Card not present"
    assert [common.label(code) for code in ("pos", "atm", "online")] == ["POS", "ATM", "Online"]
    assert common.label("incorrect_pin") == "Incorrect PIN"
    assert common.label("Everyday Checking") == "Everyday Checking"
    channels = built(BY_SLUG["08_realtime_analytics"].charts[0]).data[-1].x
    assert "POS" in list(channels) and "Pos" not in list(channels)


def test_indicator_change_colours() -> None:
    up = common.indicator_delta(110.0, 100.0, higher_is_better=False)
    assert up is not None and up["increasing"] == {"color": common.RED}
    same = common.indicator_delta(100.0, 100.0)
    assert same is not None and same["increasing"] == same["decreasing"] == {"color": common.GREY}
    assert common.indicator_delta(5.0, 0.0) is None
    assert common.indicator_delta(5.0, None) is None


def test_right_hand_axes_get_round_ticks_of_their_own() -> None:
    figure = common.round_overlay_ticks(built(BY_SLUG["01_descriptive_analytics"].charts[1]))
    assert figure.layout.yaxis2.overlaying == "y" and figure.layout.yaxis2.tickmode == "auto"
    realtime = common.round_overlay_ticks(built(BY_SLUG["08_realtime_analytics"].charts[0]))
    chosen = [axis for axis in realtime.select_yaxes() if axis.dtick is not None]
    assert chosen and all(axis.tickmode is None for axis in chosen), "explicit ticks are kept"


def test_phone_layout_wraps_titles_and_puts_legends_and_tiles_in_reach() -> None:
    trends = built(BY_SLUG["01_descriptive_analytics"].charts[1])
    narrow = common.narrow_figure(trends)
    lines = narrow.layout.title.text.split("<br>")
    assert len(lines) > 1 and max(map(len, lines)) <= common.NARROW_TITLE_CHARACTERS
    assert narrow.layout.legend.orientation == "h" and narrow.layout.legend.yref == "container"
    assert narrow.layout.margin.t > (trends.layout.margin.t or 70), "room for the second line"
    assert trends.layout.title.text == "Monthly approved volume and transactions", "a copy"
    tiles = common.narrow_figure(built(BY_SLUG["01_descriptive_analytics"].charts[0]))
    columns = {tuple(trace.domain.x) for trace in tiles.data}
    assert len(columns) == 2, "KPI tiles two a row on a phone"
    assert tiles.layout.height >= 3 * common.NARROW_TILE_HEIGHT
    heatmap = common.narrow_figure(built(BY_SLUG["09_data_quality"].charts[1]))
    assert heatmap.data[0].colorbar.orientation == "h", "colour bars go below the plot"
    realtime = common.narrow_figure(
        built(BY_SLUG["08_realtime_analytics"].charts[0]),
        BY_SLUG["08_realtime_analytics"].charts[0].narrow,
    )
    assert tuple(realtime.layout.xaxis.domain) == tuple(realtime.layout.xaxis2.domain) == (0, 1)


def test_partial_months_are_marked_the_same_way() -> None:
    months = pd.Series(pd.to_datetime(["2023-11-01", "2023-12-01", "2024-01-01"]))
    complete = pd.Series([True, True, False])
    solid, connector, hollow = common.partial_month_lines(
        months, pd.Series([10.0, 11.0, 2.0]), complete, name="Volume", line={"color": "red"}
    )

    def values(trace: go.Scatter) -> list[float | None]:  # gaps (NaN) as None
        return [None if pd.isna(value) else value for value in trace.y]

    assert values(solid) == [10.0, 11.0, None], "the solid line stops at the last full month"
    assert values(connector) == [None, 11.0, 2.0] and connector.line.dash == "dash"
    assert values(hollow) == [None, None, 2.0] and hollow.marker.symbol == "circle-open"
    assert common.partial_month_opacity(complete) == [1.0, 1.0, common.PARTIAL_MONTH_OPACITY]
    for chart in ("monthly_trends", "type_mix", "account_status"):
        figure = built(next(c for _, c in CHARTS if c.key == chart))
        notes = [a.text for a in figure.layout.annotations if a.text == "partial month"]
        assert len(notes) == 1 and len(figure.layout.shapes) == 1, chart


def test_modebar_saves_png_and_svg_without_cloud_buttons() -> None:
    config = common.plot_config()
    assert config["toImageButtonOptions"]["format"] == "png"
    assert {"sendDataToCloud", "editInChartStudio"} <= set(config["modeBarButtonsToRemove"])
    assert config["responsive"] and not config["displaylogo"]
    assert 'format: "svg"' in common.PLOT_CONFIG_SCRIPT
    assert "Plotly.downloadImage" in common.PLOT_CONFIG_SCRIPT


def test_realtime_title_says_when_data_was_loaded_not_how_long_ago() -> None:
    title = built(BY_SLUG["08_realtime_analytics"].charts[0]).layout.title.text
    assert "data loaded 2024-01-10 08:05 UTC" in title and "ago" not in title
    stamp = common._stamp_with_age(datetime(2024, 1, 10, 8, 5, tzinfo=UTC))
    assert '<time class="fa-ago" datetime="2024-01-10T08:05:00+00:00">' in stamp
    assert "setInterval(update" in common.RELATIVE_TIME_SCRIPT


def test_data_quality_judges_freshness_and_reads_dbt_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quality = module_of("09_data_quality")
    assert [quality.freshness_status(age, 24, 72) for age in (1, 24, 80)] == [
        "fresh",
        "warn",
        "error",
    ]
    assert quality.freshness_status(500, None, None) == "fresh"
    assert quality.test_kind("test.financial_analytics.not_null_dim_x_id.a1b2") == "not_null"
    assert quality.test_kind("test.financial_analytics.assert_x.a1") == "singular"
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    assert quality.load_test_results()["tests"].empty, "no run yet: nothing, no error"
    (tmp_path / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {"generated_at": "2024-01-10T08:05:00Z"},
                "args": {"invocation_command": "dbt build"},
                "results": [
                    {"unique_id": "test.p.unique_a_id.1", "status": "pass"},
                    {"unique_id": "test.p.unique_b_id.2", "status": "fail"},
                    {"unique_id": "model.p.a", "status": "success"},
                ],
            }
        )
    )
    tests = quality.load_test_results()["tests"]
    assert sorted(zip(tests["status"], tests["tests"], strict=True)) == [("fail", 1), ("pass", 1)]


def test_benchmark_replicates_customer_keys_only() -> None:
    from psycopg2 import sql

    from scripts import bench_reports

    def text(composable: sql.Composable) -> str:
        # render without a connection: identifiers and literals as PostgreSQL writes them
        parts = []
        for part in composable.seq if isinstance(composable, sql.Composed) else [composable]:
            if isinstance(part, sql.Identifier):
                parts.append(".".join(f'"{name}"' for name in part.strings))
            elif isinstance(part, sql.Literal):
                parts.append(repr(part.wrapped))
            elif isinstance(part, sql.Composed):
                parts.append(text(part))
            else:
                parts.append(part.string)
        return "".join(parts)

    statement = text(
        bench_reports.replicate_statement(
            "fact_transactions", ["transaction_id", "customer_key", "merchant_key"], 129, "staged"
        )
    )
    assert "generate_series(0, 128)" in statement
    assert '"base"."transaction_id" || \'-R\'' in statement
    assert f"* {bench_reports.KEY_STRIDE}) % {bench_reports.KEY_SPACE}" in statement
    assert statement.count('"base"."merchant_key"') == 1, "shared keys are copied unchanged"
    # every shifted surrogate key stays a positive 60-bit number
    assert 2**60 - 1 + 999 * bench_reports.KEY_STRIDE < 2**63


# -- rendered from the small warehouse -------------------------------------------------

EXTERNAL_URL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I
)


def render_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """Render every report once per test session into one folder (shared by both test files)."""
    output = tmp_path_factory.getbasetemp() / "rendered_reports"
    timing = output / "seconds.txt"
    if not timing.exists():
        started = time.perf_counter()
        run_all_viz.render_all(output)
        timing.write_text(str(time.perf_counter() - started))
    return output, float(timing.read_text())


@pytest.fixture(scope="module")
def rendered(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, float]]:
    yield render_once(tmp_path_factory)


CHARTS_JSON = re.compile(r'<script type="application/json" id="fa-charts">(.*?)</script>', re.S)


def chart_payloads(page: str) -> dict[str, dict]:
    """What the page draws each chart from (wide and narrow figures), by div id."""
    match = CHARTS_JSON.search(page)
    assert match, "the page embeds no charts"
    return json.loads(match.group(1).replace("<\\/", "</"))


def plot_payloads(page: str) -> dict[str, list[dict]]:
    """The trace list of every chart of a report (its desktop figure), by div id."""
    return {chart_id: chart["wide"]["data"] for chart_id, chart in chart_payloads(page).items()}


def has_data(value: object) -> bool:
    if isinstance(value, dict):  # plotly's typed arrays: {"dtype": "f8", "bdata": "..."}
        return bool(value.get("bdata"))
    if isinstance(value, list):
        return len(value) > 0
    return value is not None


def trace_has_data(trace: dict) -> bool:
    fields = common.DATA_FIELDS.get(trace.get("type", "scatter"), ("x", "y", "values", "value"))
    return any(has_data(trace.get(name)) for name in fields)


@pytest.mark.integration
def test_each_report_has_its_charts_and_every_chart_has_data(rendered: tuple[Path, float]) -> None:
    output, _ = rendered
    for spec in SPECS:
        page = (output / spec.file_name).read_text()
        assert page.count('class="fa-plot"') == EXPECTED_CHARTS[spec.slug], spec.slug
        for chart in chart_payloads(page).values():
            assert chart["narrow"]["data"], "a phone gets the same traces"
            assert len(chart["narrow"]["data"]) == len(chart["wide"]["data"])
        payloads = plot_payloads(page)
        assert sorted(payloads) == sorted(f"chart-{n}" for n in range(1, len(spec.charts) + 1))
        for chart_id, traces in payloads.items():
            assert traces, f"{spec.slug} {chart_id} has no traces"
            empty = [trace.get("type") for trace in traces if not trace_has_data(trace)]
            assert not empty, f"{spec.slug} {chart_id}: traces without data {empty}"


@pytest.mark.integration
def test_reports_open_offline_with_a_dated_header(rendered: tuple[Path, float]) -> None:
    output, _ = rendered
    assert (output / common.PLOTLY_JS).stat().st_size > 1_000_000
    for spec in SPECS:
        page = (output / spec.file_name).read_text()
        assert f'<script src="{common.PLOTLY_JS}"' in page
        assert not EXTERNAL_URL.search(page), f"{spec.slug} references the internet"
        assert re.search(r"Data: \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}", page)
        assert re.search(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", page)
        for chart in spec.charts:
            assert common.html.escape(chart.caption) in page
    realtime = (output / BY_SLUG["08_realtime_analytics"].file_name).read_text()
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', realtime)


@pytest.mark.integration
def test_index_links_every_report_with_kpis(rendered: tuple[Path, float]) -> None:
    output, _ = rendered
    index = (output / common.INDEX).read_text()
    for spec in SPECS:
        assert f'href="{spec.file_name}"' in index
    assert index.count('class="kpi"') >= 4
    assert "not rendered" not in index
    assert not EXTERNAL_URL.search(index)


@pytest.mark.integration
def test_all_reports_render_within_budget(rendered: tuple[Path, float]) -> None:
    _, seconds = rendered
    assert seconds < RENDER_BUDGET_SECONDS


@pytest.mark.integration
def test_a_script_runs_alone(warehouse: Warehouse, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "analytics_viz/04_inferential_analytics.py",
            "--output-dir",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("04_inferential_analytics.html")
    assert "[2/2]" in result.stderr  # progress per chart
    assert (tmp_path / "04_inferential_analytics.html").exists()


@pytest.mark.integration
def test_missing_gold_is_a_one_line_error(warehouse: Warehouse, tmp_path: Path) -> None:
    # the maintenance database exists on every server and holds no gold schema
    env = {**os.environ, "PGDATABASE": "postgres"}
    result = subprocess.run(
        [sys.executable, "analytics_viz/run_all_viz.py", "--output-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `make demo` first" in lines[0], result.stderr


def test_small_groups_are_faded_in_the_diagnostic_report() -> None:
    module = module_of("02_diagnostic_analytics")
    figure = module.build_churn_by_tenure(SAMPLES["churn_by_tenure"])
    bars = figure.data[0]
    faded = dict(zip(bars.x, bars.marker.opacity, strict=True))
    # the 100-customer band is under the sample's threshold, the 200-customer one is not
    assert faded == {"0-11 months": common.SMALL_GROUP_OPACITY, "1-2 years": 1.0}
