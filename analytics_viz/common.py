"""What every report script shares: gold access, the theme, number formats, HTML output.

A report script declares a `ReportSpec`: per chart, SQL that aggregates in the database
and a small typed `build_<chart>(df) -> go.Figure` function. This module runs the queries
on one read-only connection, checks each figure (title, axis titles, hover text, data),
and writes one HTML file per report into reports/ that loads plotly.js from a single copy
beside it, so the reports open without internet access. The gold relations a report reads
(for its one-line "run make demo first" check and its dbt exposure) come from its SQL.
Importing this module registers the project's Plotly template as the default.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import logging
import re
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import psycopg2.extensions
from psycopg2 import sql

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # the scripts also run as `python analytics_viz/NN_x.py`
    sys.path.insert(0, str(REPO_ROOT))

from scripts.cli import UserError, add_logging_args, run, setup_logging  # noqa: E402
from scripts.connection import ConnectionSettings, connect  # noqa: E402

log = logging.getLogger("financial_analytics.reports")

VIZ_DIR = Path(__file__).resolve().parent
REPORTS_DIR = REPO_ROOT / "reports"
PLOTLY_JS = "plotly.min.js"
INDEX = "index.html"
TEMPLATE = "financial_analytics"
HINT = "run `make demo` first"

# -- theme -----------------------------------------------------------------------------

NAVY, GOLD, GREEN, RED, GREY, PURPLE, ORANGE, TEAL = (
    "#1f4e79",
    "#d4af37",
    "#2e8b57",
    "#c0392b",
    "#7f8c8d",
    "#8e44ad",
    "#e67e22",
    "#16a085",
)
PALETTE = [NAVY, GOLD, GREEN, RED, GREY, PURPLE, ORANGE, TEAL]
DIVERGING = [[0.0, RED], [0.5, "#f7f7f7"], [1.0, NAVY]]
SEQUENTIAL = [[0.0, "#f4f6f9"], [0.5, "#7fa7cf"], [1.0, NAVY]]
HEAT = [[0.0, "#fdf6e3"], [0.5, "#e67e22"], [1.0, "#8b1a1a"]]

pio.templates[TEMPLATE] = go.layout.Template(
    layout=go.Layout(
        font={
            "family": "Inter, Segoe UI, Helvetica, Arial, sans-serif",
            "size": 13,
            "color": "#1b2631",
        },
        title={"font": {"size": 17}, "x": 0.01, "xanchor": "left"},
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel={"bgcolor": "white", "font_size": 13, "align": "left"},
        margin={"l": 70, "r": 30, "t": 70, "b": 60},
        xaxis={"gridcolor": "#eaecee", "zerolinecolor": "#d5d8dc", "automargin": True},
        yaxis={"gridcolor": "#eaecee", "zerolinecolor": "#d5d8dc", "automargin": True},
        legend={"orientation": "h", "y": -0.22, "x": 0},
    )
)
pio.templates.default = f"plotly_white+{TEMPLATE}"

# -- numbers ---------------------------------------------------------------------------

# d3-format specifiers for hover templates and axes, matching money/count below.
D3_MONEY = "$,.0f"
D3_MONEY_CENTS = "$,.2f"
D3_COUNT = ",.0f"


def money(value: float | None, decimals: int = 0) -> str:
    """$1,234 or $1.2M: compact above a million so KPI tiles stay readable."""
    if value is None or pd.isna(value):
        return "n/a"
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:,.1f}M"
    return f"${value:,.{decimals}f}"


def count(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:,.0f}"


def percent(value: float | None, decimals: int = 1) -> str:
    """Format a ratio (0.25) as a percentage (25.0%)."""
    return "n/a" if value is None or pd.isna(value) else f"{value:.{decimals}%}"


def hover(heading: str, *lines: str) -> str:
    """A hover template: a bold heading, one `label: value` per line, no trace box."""
    return "<br>".join([f"<b>{heading}</b>", *lines]) + "<extra></extra>"


# Words of the data's codes that are acronyms, written as such in every label.
ACRONYMS = {
    word.lower(): word
    for word in (
        "ATM",
        "POS",
        "PIN",
        "IP",
        "ID",
        "USD",
        "MCC",
        "RFM",
        "KYC",
        "SMS",
        "ROI",
        "GDP",
        "KPI",
        "KPIs",
    )
}


def label(text: str) -> str:
    """Turn a snake_case code from the data into a readable label.

    'card_not_present' -> 'Card not present', 'atm' -> 'ATM', 'incorrect_pin' ->
    'Incorrect PIN'. Names that are already written for people ('Everyday Checking')
    keep their spelling.
    """
    words = str(text).replace("_", " ").strip().split(" ")
    text = " ".join(ACRONYMS.get(word.lower(), word) for word in words)
    return text[:1].upper() + text[1:]


def titled(fig: go.Figure, title: str, x: str | None = None, y: str | None = None) -> go.Figure:
    """Set a figure's title and (for cartesian charts) its axis titles, units included."""
    fig.update_layout(title={"text": title})
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    return fig


@dataclass(frozen=True)
class Kpi:
    name: str
    value: float
    reference: float | None = None  # the previous period, shown as a relative change
    kind: str = "count"  # count | money | percent
    higher_is_better: bool = True


def indicator_delta(
    value: float, reference: float | None, higher_is_better: bool = True
) -> dict[str, Any] | None:
    """The relative change of an indicator tile against its reference, coloured good/bad.

    None without a usable reference (missing or zero). An unchanged value is grey:
    Plotly would colour a zero change as an increase, good or bad.
    """
    if reference is None or pd.isna(reference) or reference == 0:
        return None
    good, bad = {"color": GREEN}, {"color": RED}
    if value == reference:
        good = bad = {"color": GREY}
    return {
        "reference": reference,
        "relative": True,
        "valueformat": ".1%",
        "increasing": good if higher_is_better else bad,
        "decreasing": bad if higher_is_better else good,
    }


def indicator_grid(kpis: Sequence[Kpi], title: str, columns: int = 3) -> go.Figure:
    """KPI tiles (go.Indicator) in a grid, each with its change against a reference."""
    from plotly.subplots import make_subplots

    rows = -(-len(kpis) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        specs=[[{"type": "indicator"}] * columns for _ in range(rows)],
        vertical_spacing=0.3,
    )
    formats = {"count": (",.0f", ""), "money": (",.0f", "$"), "percent": (".2%", "")}
    for position, kpi in enumerate(kpis):
        valueformat, prefix = formats[kpi.kind]
        delta = indicator_delta(kpi.value, kpi.reference, kpi.higher_is_better)
        fig.add_trace(
            go.Indicator(
                mode="number+delta" if delta else "number",
                value=kpi.value,
                number={"valueformat": valueformat, "prefix": prefix, "font": {"size": 34}},
                delta=delta,
                title={"text": kpi.name, "font": {"size": 14}},
            ),
            row=position // columns + 1,
            col=position % columns + 1,
        )
    fig.update_layout(title={"text": title}, margin={"t": 90, "b": 20})
    return fig


def hierarchy(
    frame: pd.DataFrame,
    levels: Sequence[str],
    measures: Sequence[str],
    root_label: str | None = None,
) -> pd.DataFrame:
    """Nodes of a treemap from leaf rows: id, parent, label, level and summed measures.

    The first measure sizes the boxes; every node's measures are the sums of its leaves,
    so a treemap with branchvalues="total" adds up. With root_label the top level hangs
    from one explicit root node (a colorscale cannot colour plotly's implicit root, which
    otherwise frames the chart in dark grey).
    """
    frame = frame.assign(**{level: frame[level].fillna("unknown").astype(str) for level in levels})
    nodes = []
    if root_label is not None:
        root = frame[list(measures)].sum().to_frame().T
        root[["id", "parent", "label", "level"]] = [root_label, "", root_label, "root"]
        nodes.append(root[["id", "parent", "label", "level", *measures]])
    for depth, level in enumerate(levels):
        path = list(levels[: depth + 1])
        grouped = frame.groupby(path, as_index=False, dropna=False)[list(measures)].sum()
        grouped["id"] = grouped[path].astype(str).agg(" / ".join, axis=1)
        grouped["parent"] = (
            grouped[path[:-1]].astype(str).agg(" / ".join, axis=1) if depth else (root_label or "")
        )
        grouped["label"] = grouped[level].map(label)
        grouped["level"] = level
        nodes.append(grouped[["id", "parent", "label", "level", *measures]])
    return pd.concat(nodes, ignore_index=True)


@dataclass(frozen=True)
class ColourScale:
    """How a treemap colours its boxes: a column of the nodes on a scale with a colour bar."""

    column: str
    scale: Sequence[Any]
    title: str
    tickformat: str


def treemap(
    nodes: pd.DataFrame,
    size: str,
    colour: ColourScale,
    text: str,
    hover_lines: Sequence[str],
    customdata: Sequence[str],
) -> go.Figure:
    """A treemap of hierarchy() nodes: boxes sized by one measure (each parent the total of
    its children), coloured by another; hover_lines may use %{customdata[i]}."""
    fig = go.Figure(
        go.Treemap(
            ids=nodes["id"],
            labels=nodes["label"],
            parents=nodes["parent"],
            values=nodes[size],
            branchvalues="total",
            customdata=nodes[list(customdata)],
            marker={
                "colors": nodes[colour.column],
                "colorscale": colour.scale,
                "showscale": True,
                "colorbar": {"title": {"text": colour.title}, "tickformat": colour.tickformat},
            },
            texttemplate=text,
            hovertemplate=hover("%{label}", *hover_lines),
        )
    )
    fig.update_layout(margin={"l": 10, "r": 10})
    return fig


# -- partial months ------------------------------------------------------------------------

# The data's first and last day, and whether a month row lies wholly inside them. A month
# the data covers only in part (the first, and the last while it runs) is drawn the same
# way in every chart: a shaded band labelled "partial month", a dashed line into a hollow
# marker, faded bars; so a short month does not read as a collapse.
MONTH_BOUNDS_CTE = """with bounds as (
    select min(transaction_date) as first_date, max(transaction_date) as last_date
    from gold.fact_transactions
)
"""
PARTIAL_MONTH_NOTE = "partial month"
PARTIAL_MONTH_OPACITY = 0.4
PARTIAL_MONTH_CAPTION = (
    "Shaded months are covered by the data only in part (dashed lines, hollow markers, faded bars)."
)


def is_complete_month_sql(month_column: str) -> str:
    """A select-list column: does the month starting at `month_column` lie wholly inside
    the data? Needs MONTH_BOUNDS_CTE (cross join bounds)."""
    return (
        f"{month_column} >= bounds.first_date\n"
        f"    and {month_column} + interval '1 month' <= bounds.last_date + 1"
        " as is_complete_month"
    )


def partial_month_lines(
    x: pd.Series, y: pd.Series, complete: pd.Series, **scatter: Any
) -> list[go.Scatter]:
    """One monthly line drawn as three traces: solid over complete months, a dashed
    connector into each partial month, hollow markers on the partial months. `scatter`
    holds the line's Scatter arguments (name, line, marker, customdata, hovertemplate...).
    """
    complete = pd.Series(complete, index=x.index).astype(bool)
    partial = ~complete
    near_partial = (
        partial | partial.shift(1, fill_value=False) | partial.shift(-1, fill_value=False)
    )
    line = scatter.pop("line", {})
    marker = scatter.pop("marker", {})
    customdata = scatter.pop("customdata", None)
    name = scatter.pop("name")

    def points(keep: pd.Series, values: pd.Series | None = None) -> Any:
        source = y if values is None else values
        return source.where(keep, None)

    solid = go.Scatter(
        x=x,
        y=points(complete),
        name=name,
        legendgroup=name,
        mode="lines+markers",
        line=line,
        marker=marker,
        customdata=customdata,
        connectgaps=False,
        **scatter,
    )
    connector = go.Scatter(
        x=x,
        y=points(near_partial),
        name=f"{name} ({PARTIAL_MONTH_NOTE})",
        legendgroup=name,
        showlegend=False,
        mode="lines",
        line={**line, "dash": "dash", "width": max(1, int(line.get("width", 2)) - 1)},
        connectgaps=False,
        hoverinfo="skip",
    )
    hollow = go.Scatter(
        x=x,
        y=points(partial),
        name=f"{name} ({PARTIAL_MONTH_NOTE})",
        legendgroup=name,
        showlegend=False,
        mode="markers",
        marker={**marker, "symbol": "circle-open", "line": {"width": 2}},
        customdata=customdata,
        **scatter,
    )
    return [solid, connector, hollow]


SMALL_GROUP_OPACITY = 0.35


def small_group_opacity(small: pd.Series) -> list[float]:
    """Bar opacities: groups too small to read (is_small_sample, fewer units than the dbt
    var min_group_size) faded, the others solid."""
    return [SMALL_GROUP_OPACITY if flag else 1.0 for flag in small.fillna(False).astype(bool)]


def partial_month_opacity(complete: pd.Series) -> list[float]:
    """Bar opacities: complete months solid, partial months faded."""
    return [1.0 if full else PARTIAL_MONTH_OPACITY for full in complete.astype(bool)]


def mark_partial_months(fig: go.Figure, months: pd.Series, complete: pd.Series) -> go.Figure:
    """Shade each partial month and label it "partial month" inside the plot's top edge."""
    frame = pd.DataFrame(
        {"month": pd.to_datetime(pd.Series(months).to_numpy()), "complete": complete}
    )
    frame = frame.drop_duplicates("month").sort_values("month")
    if frame.empty:
        return fig
    first, last = frame["month"].min(), frame["month"].max()
    for month in frame.loc[~frame["complete"].astype(bool), "month"]:
        start, end = month - pd.Timedelta(days=15), month + pd.Timedelta(days=15)
        fig.add_vrect(x0=start, x1=end, fillcolor=GREY, opacity=0.12, line_width=0, layer="below")
        # the label grows inwards from the edge month, so it never leaves the plot
        at_end = month == last and month != first
        fig.add_annotation(
            x=end if at_end else start,
            xanchor="right" if at_end else "left",
            y=1,
            yref="paper",
            yanchor="top",
            text=PARTIAL_MONTH_NOTE,
            showarrow=False,
            font={"size": 11, "color": GREY},
        )
    return fig


# -- gold access -----------------------------------------------------------------------


def _numeric_as_float(value: str | None, cursor: object) -> float | None:
    return None if value is None else float(value)


NUMERIC_AS_FLOAT = psycopg2.extensions.new_type(
    psycopg2.extensions.DECIMAL.values, "NUMERIC_AS_FLOAT", _numeric_as_float
)


class Gold:
    """One read-only connection to the warehouse; every report query goes through it."""

    def __init__(self, connection: psycopg2.extensions.connection) -> None:
        self.connection = connection

    def frame(
        self, statement: str, params: Sequence[object] | Mapping[str, object] | None = None
    ) -> pd.DataFrame:
        """Run one parameterised query and return its (small, aggregated) result."""
        with self.connection.cursor() as cur:
            cur.execute(statement, params)
            columns = [column.name for column in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=columns)

    def scalar(self, statement: str, params: Sequence[object] | None = None) -> Any:
        with self.connection.cursor() as cur:
            cur.execute(statement, params)
            row = cur.fetchone()
        return None if row is None else row[0]

    def require(self, relations: Sequence[str]) -> None:
        """Fail with one line when a gold relation a report reads is missing or empty.

        Views are only checked for existence: reading one runs its whole query.
        """
        for relation in relations:
            kind = self.scalar(
                "select relkind from pg_class where oid = to_regclass(%s)", (f"gold.{relation}",)
            )
            if kind is None:
                raise UserError(f"gold.{relation} does not exist: {HINT}")
            if kind == "v":
                continue
            exists = sql.SQL("select exists (select 1 from gold.{})").format(
                sql.Identifier(relation)
            )
            if not self.scalar(exists.as_string(self.connection)):
                raise UserError(f"gold.{relation} is empty: {HINT}")

    def data_range(self) -> tuple[date, date]:
        """The span of transaction dates in gold, for report headers."""
        self.require(["fact_transactions"])
        frame = self.frame(
            "select min(transaction_date) as first_date, max(transaction_date) as last_date "
            "from gold.fact_transactions"
        )
        return frame.iloc[0]["first_date"], frame.iloc[0]["last_date"]


@contextmanager
def open_gold() -> Iterator[Gold]:
    """A read-only session on the warehouse as the gold reader (analyst on the embedded
    server, which cannot read bronze, silver or snapshots; PGUSER on an external one)."""
    connection = connect(ConnectionSettings.from_env(role="reader"))
    try:
        connection.set_session(readonly=True, autocommit=True)
        psycopg2.extensions.register_type(NUMERIC_AS_FLOAT, connection)
        with connection.cursor() as cur:
            cur.execute("set application_name = 'financial_analytics_reports'")
        yield Gold(connection)
    finally:
        connection.close()


def query(
    statement: str, params: Sequence[object] | Mapping[str, object] | None = None
) -> pd.DataFrame:
    """One query on its own connection, for ad-hoc use outside a report run."""
    with open_gold() as gold:
        return gold.frame(statement, params)


# -- report specifications -------------------------------------------------------------

Frames = dict[str, pd.DataFrame]
NarrowLayout = Callable[[go.Figure], go.Figure]  # a chart's own changes for a phone
GOLD_RELATION = re.compile(r"\bgold\.([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its aggregating SQL (one query, or several by name) and its builder.

    With a single query the builder receives its DataFrame; with a mapping of queries
    it receives a dict of DataFrames under the same names, plus those `load` returns
    (data from a file beside the warehouse, such as dbt's run_results.json; may be empty).
    """

    key: str
    caption: str  # what the chart shows, one or two sentences for the reader
    sql: str | Mapping[str, str]
    build: Callable[[Any], go.Figure]
    params: Mapping[str, object] = field(default_factory=dict)
    wide: bool = False  # spans the whole page width instead of one column
    height: int | None = None  # pixels; default 460 (520 when wide)
    narrow: NarrowLayout | None = None  # the chart's own changes for a phone (narrow_figure)
    load: Callable[[], Frames] | None = None  # frames read outside the warehouse

    def relations(self) -> set[str]:
        statements = [self.sql] if isinstance(self.sql, str) else list(self.sql.values())
        return {name for statement in statements for name in GOLD_RELATION.findall(statement)}


@dataclass(frozen=True)
class ReportSpec:
    slug: str  # file name without .html, e.g. 01_descriptive_analytics
    title: str
    question: str
    summary: str  # one paragraph for the index page and --help
    charts: tuple[ChartSpec, ...]
    refresh_seconds: int | None = None
    exposure_type: str = "analysis"  # dbt exposure type: dashboard | analysis

    @property
    def file_name(self) -> str:
        return f"{self.slug}.html"

    def relations(self) -> list[str]:
        """Every gold relation the report's SQL reads (what its dbt exposure declares)."""
        return sorted(set().union(*(chart.relations() for chart in self.charts)))


@dataclass
class RenderedChart:
    spec: ChartSpec
    figure: go.Figure
    rows: int
    seconds: float


@dataclass
class RenderedReport:
    spec: ReportSpec
    charts: list[RenderedChart]
    first_date: date
    last_date: date
    generated_at: datetime
    seconds: float = 0.0
    path: Path | None = None

    @property
    def data_range(self) -> str:
        return f"{self.first_date} to {self.last_date}"


# -- figure checks ---------------------------------------------------------------------

# Where each trace type keeps its data, and whether it sits on cartesian axes.
DATA_FIELDS = {
    "bar": ("x", "y"),
    "scatter": ("x", "y"),
    "scattergl": ("x", "y"),
    "histogram": ("x", "y"),
    "heatmap": ("z",),
    "waterfall": ("x", "y"),
    "box": ("x", "y"),
    "pie": ("values",),
    "treemap": ("values",),
    "sunburst": ("values",),
    "indicator": ("value",),
}
NON_CARTESIAN = {"pie", "treemap", "sunburst", "indicator"}


def _length(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float):
        return 0 if pd.isna(value) else 1
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        return 1


def trace_points(trace: Any) -> int:
    """How many data points a trace carries (0 means it would draw nothing)."""
    fields = DATA_FIELDS.get(trace.type, ("x", "y", "z", "values", "value"))
    return max(_length(getattr(trace, name, None)) for name in fields)


def _axis_name(reference: str | None, letter: str) -> str:
    # a trace's xaxis is "x", "x2"...; the layout calls them xaxis, xaxis2...
    suffix = (reference or letter)[1:]
    return f"{letter}axis{suffix}"


def figure_problems(figure: go.Figure) -> list[str]:
    """What would make a chart unreadable: no title, unlabelled axes, no hover, no data."""
    problems = []
    if not (figure.layout.title and figure.layout.title.text):
        problems.append("no title")
    if not figure.data:
        problems.append("no traces")
    for index, trace in enumerate(figure.data):
        name = f"trace {index} ({trace.type})"
        if trace_points(trace) == 0:
            problems.append(f"{name} has no data")
        if trace.type != "indicator" and not (
            getattr(trace, "hovertemplate", None) or getattr(trace, "hoverinfo", None) == "skip"
        ):
            problems.append(f"{name} has no hover template")
        if trace.type in NON_CARTESIAN:
            continue
        for letter in ("x", "y"):
            axis = figure.layout[_axis_name(getattr(trace, f"{letter}axis", None), letter)]
            if not (axis and axis.title and axis.title.text):
                problems.append(f"{name}: {letter} axis has no title")
    return problems


def round_overlay_ticks(figure: go.Figure) -> go.Figure:
    """Give every right-hand (overlaying) y axis ticks at round values of its own.

    plotly.js 4 puts an overlaying axis's ticks where its primary axis has gridlines
    (tickmode 'sync'), so they land on values like 1,672 and 3,323, and with a rounded
    format (3.7%, 3.8%, 4.0%) evenly spaced ticks read as uneven steps. Axes whose chart
    chose its ticks (tickmode, dtick or tickvals) are left as they are.
    """
    for axis in figure.select_yaxes():
        if (
            axis.overlaying
            and axis.tickmode is None
            and axis.dtick is None
            and axis.tickvals is None
        ):
            axis.tickmode = "auto"
    return figure


# -- small screens -----------------------------------------------------------------------

NARROW_TITLE_CHARACTERS = 34  # a 15 px title line on a phone's card
NARROW_LABEL_CHARACTERS = 36  # an 11 px axis title or legend entry across a phone's card
NARROW_NOTE_CHARACTERS = 24  # a subplot title, or a KPI tile's name, beside another
NARROW_CATEGORY_CHARACTERS = 20  # a category beside a horizontal bar: the bars keep room
NARROW_CATEGORY_LINES = 2  # at most, ending in "..." (the hover keeps the full name)
NARROW_BAR_PX = 34  # the height of a horizontal bar's row with a two-line category
NARROW_AXIS_CHARACTERS = 44  # 11 px characters under a phone's plot, all categories together
NARROW_TILE_HEIGHT = 125  # pixels per row of KPI tiles on a phone
NARROW_MODEBAR_PX = 40  # the modebar's height: a phone's chart title starts below it


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, keeping the line breaks (<br>) already there."""
    lines: list[str] = []
    for part in re.split(r"<br\s*/?>", text):
        lines += textwrap.wrap(part, width) or [""]
    return lines


def tile_domains(count: int, columns: int, top: float = 1.0, bottom: float = 0.0) -> list[dict]:
    """Domains of `count` tiles, `columns` a row, filling the band from top to bottom."""
    rows = -(-count // columns)
    row_height = (top - bottom) / rows
    domains = []
    for position in range(count):
        row, column = divmod(position, columns)
        domains.append(
            {
                "x": [column / columns + 0.02, (column + 1) / columns - 0.02],
                "y": [
                    top - (row + 1) * row_height + 0.15 * row_height,
                    top - row * row_height - 0.05 * row_height,
                ],
            }
        )
    return domains


def _short_category(value: object) -> object:
    if not isinstance(value, str):
        return value
    lines = wrap_text(value, NARROW_CATEGORY_CHARACTERS)
    if len(lines) > NARROW_CATEGORY_LINES:
        lines = [*lines[: NARROW_CATEGORY_LINES - 1], lines[NARROW_CATEGORY_LINES - 1] + "..."]
    return "<br>".join(lines)


def _fit_bar_categories(fig: go.Figure) -> None:
    """Bar categories on a phone: beside horizontal bars at most two short lines, with
    the chart tall enough for them; under vertical bars turned upright when side by
    side they would not fit."""
    rows: set[object] = set()
    for trace in fig.data:
        if trace.type != "bar":
            continue
        if trace.orientation == "h" and trace.y is not None:
            trace.y = [_short_category(value) for value in trace.y]
            rows |= set(trace.y)
        elif trace.orientation != "h" and trace.x is not None:
            labels = {value for value in trace.x if isinstance(value, str)}
            lines = [line for value in labels for line in re.split(r"<br\s*/?>", value)]
            if labels and max(map(len, lines)) * len(labels) > NARROW_AXIS_CHARACTERS:
                axis = fig.layout[_axis_name(trace.xaxis, "x")]
                if axis.tickangle in (None, 0):  # level labels would run into each other
                    axis.tickangle = -90
    if rows:
        needed = len(rows) * NARROW_BAR_PX + (fig.layout.margin.t or 70) + 140
        fig.update_layout(height=max(fig.layout.height or 0, needed))


def narrow_figure(figure: go.Figure, custom: NarrowLayout | None = None) -> go.Figure:
    """The figure as a phone shows it: the title wrapped, smaller fonts, legends and colour
    bars below the plot in horizontal rows, KPI tiles two a row; then the chart's own
    adjustments (custom). layout.height, when set, is the chart's height on a phone."""
    fig = go.Figure(figure)
    lines = wrap_text(fig.layout.title.text or "", NARROW_TITLE_CHARACTERS)
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 70
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 60
    fig.update_layout(
        # hung from the top of the figure, so extra lines grow down into the room made for
        # them instead of over the subplot titles
        title={
            "text": "<br>".join(lines),
            "font": {"size": 15},
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            # below the modebar, which a phone shows over the card's top right corner
            "pad": {"t": NARROW_MODEBAR_PX},
        },
        margin={
            "t": top + 18 * (len(lines) - 1) + NARROW_MODEBAR_PX - 14,
            "l": 10,
            "r": 10,
            "b": min(bottom, 50),
        },
        font={"size": 11},
        # at the foot of the figure, pushing the plot up instead of covering the axis title
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "font": {"size": 11},
            # a title on the entries' first row would take its width from them, and plotly
            # does not count it when it wraps them: the last entry was cut at the edge
            "title": {"side": "top"},
        },
    )
    fig.update_annotations(font_size=11)
    for annotation in fig.layout.annotations:
        annotation.text = "<br>".join(wrap_text(annotation.text or "", NARROW_NOTE_CHARACTERS))
    for axis in fig.select_xaxes():  # as wide as its subplot: half the card, half the line
        if axis.title and axis.title.text:
            width = axis.domain[1] - axis.domain[0] if axis.domain else 1.0
            # tick labels left of the plot take a part of the card's width too
            characters = max(16, int(NARROW_LABEL_CHARACTERS * 0.75 * width))
            axis.title.text = "<br>".join(wrap_text(axis.title.text, characters))
    for axis in fig.select_yaxes():
        if axis.title and axis.title.text:
            axis.title.text = "<br>".join(wrap_text(axis.title.text, NARROW_LABEL_CHARACTERS))
    for trace in fig.data:
        if trace.type == "indicator" and trace.title and trace.title.text:
            trace.title.text = "<br>".join(wrap_text(trace.title.text, NARROW_NOTE_CHARACTERS))
        elif getattr(trace, "name", None) and trace.showlegend is not False:
            trace.name = "<br>".join(wrap_text(trace.name, NARROW_LABEL_CHARACTERS))
        bar = None
        if trace.type in {"heatmap", "histogram2d", "contour"} and trace.showscale is not False:
            bar = trace.colorbar
        elif trace.type in {"treemap", "sunburst", "scatter", "bar"} and getattr(
            trace.marker, "showscale", None
        ):
            bar = trace.marker.colorbar
        if bar is not None:
            bar.update(
                orientation="h",
                yref="container",
                y=0,
                yanchor="bottom",
                # the title under the tick labels: above the bar, plotly draws it over the
                # bar of a colour bar hung from the figure's foot
                x=0.5,
                xanchor="center",
                thickness=10,
                len=0.9,
                title_side="bottom",
            )
    _fit_bar_categories(fig)
    indicators = [trace for trace in fig.data if trace.type == "indicator"]
    if indicators and len(indicators) == len(fig.data):
        columns = 2 if len(indicators) > 1 else 1
        rows = -(-len(indicators) // columns)
        for trace, domain in zip(indicators, tile_domains(len(indicators), columns), strict=True):
            trace.domain = domain
            trace.number.font.size = 22
            trace.title.font.size = 12
        fig.update_layout(height=rows * NARROW_TILE_HEIGHT + fig.layout.margin.t + 20)
    return custom(fig) if custom else fig


# -- rendering -------------------------------------------------------------------------


def render_chart(
    gold: Gold, chart: ChartSpec, slug: str, cache: dict[tuple[str, str], pd.DataFrame]
) -> RenderedChart:
    """Run a chart's queries (each distinct query once per report) and build its figure."""
    started = time.perf_counter()
    params = dict(chart.params) or None

    def fetch(statement: str) -> pd.DataFrame:
        key = (statement, repr(sorted((params or {}).items())))
        if key not in cache:
            try:
                cache[key] = gold.frame(statement, params)
            except psycopg2.Error as exc:
                reason = str(exc).strip().splitlines()[0]
                raise UserError(
                    f"{slug}: chart {chart.key}: query failed: {reason}; is gold up to date? {HINT}"
                ) from exc
        return cache[key].copy()

    if isinstance(chart.sql, str):
        data: pd.DataFrame | Frames = fetch(chart.sql)
        rows = len(data)
        empty = [] if rows else ["the query"]
    else:
        data = {name: fetch(statement) for name, statement in chart.sql.items()}
        empty = [name for name, frame in data.items() if frame.empty]
        if chart.load is not None:
            data.update(chart.load())
        rows = sum(len(frame) for frame in data.values())
    if empty:
        raise UserError(f"{slug}: chart {chart.key}: {', '.join(empty)} returned no rows; {HINT}")
    figure = round_overlay_ticks(chart.build(data))
    problems = figure_problems(figure)
    if problems:
        raise UserError(f"{slug}: chart {chart.key}: {'; '.join(problems)}")
    return RenderedChart(chart, figure, rows, time.perf_counter() - started)


def render(gold: Gold, spec: ReportSpec) -> RenderedReport:
    """Query gold and build every figure of one report, logging progress per chart."""
    started = time.perf_counter()
    gold.require(spec.relations())
    first_date, last_date = gold.data_range()
    charts = []
    cache: dict[tuple[str, str], pd.DataFrame] = {}
    for number, chart in enumerate(spec.charts, start=1):
        rendered = render_chart(gold, chart, spec.slug, cache)
        log.info(
            "%s [%d/%d] %s: %d rows, %.2f s",
            spec.slug,
            number,
            len(spec.charts),
            chart.key,
            rendered.rows,
            rendered.seconds,
        )
        charts.append(rendered)
    return RenderedReport(
        spec=spec,
        charts=charts,
        first_date=first_date,
        last_date=last_date,
        generated_at=datetime.now(UTC),
        seconds=time.perf_counter() - started,
    )


def ensure_plotly_js(output_dir: Path) -> Path:
    """Ship plotly.js once beside the reports so they open without internet access."""
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    target = output_dir / PLOTLY_JS
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)
    return target


STYLE = """
body { font-family: Inter, Segoe UI, Helvetica, Arial, sans-serif; margin: 0; color: #1b2631; background: #f4f6f9; }
header { background: #1f4e79; color: white; padding: 18px 32px; }
header h1 { margin: 0 0 4px 0; font-size: 24px; }
header p { margin: 2px 0; opacity: 0.92; }
header a, footer a { color: #f8e6a0; }
nav { margin-top: 8px; font-size: 14px; }
nav a { margin-right: 14px; }
main { padding: 16px 32px; display: grid; grid-template-columns: repeat(auto-fill, minmax(min(560px, 100%), 1fr)); gap: 16px; }
section { background: white; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px rgba(0,0,0,0.08); min-width: 0; }
section p.caption { color: #566573; margin: 4px 0 8px 0; font-size: 14px; }
section.wide { grid-column: 1 / -1; }
footer { padding: 8px 32px 24px 32px; color: #566573; font-size: 13px; }
footer a { color: #1f4e79; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; padding: 16px 32px 0 32px; }
.kpi { background: white; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px rgba(0,0,0,0.08); }
.kpi .value { font-size: 26px; font-weight: 600; color: #1f4e79; }
.kpi .name { color: #566573; font-size: 13px; }
.card h2 { margin: 0 0 4px 0; font-size: 18px; }
.card h2 a { color: #1f4e79; text-decoration: none; }
.card .question { font-weight: 600; margin: 0 0 6px 0; }
.card p { margin: 4px 0; color: #34495e; font-size: 14px; }
.card .meta { color: #7f8c8d; font-size: 13px; }
.card, .kpi, header, footer, section p.caption { overflow-wrap: anywhere; }
/* a phone: one column, narrower gutters, two KPI tiles a row */
@media (max-width: 640px) {
  header { padding: 12px 14px; }
  header h1 { font-size: 20px; }
  nav a { display: inline-block; margin: 2px 10px 2px 0; }
  main { padding: 10px 8px; gap: 10px; }
  section { padding: 8px 6px; }
  footer { padding: 8px 14px 18px 14px; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; padding: 10px 8px 0 8px; }
  .kpi { padding: 10px; }
  .kpi .value { font-size: 20px; }
}
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<title>{title} · financial_analytics</title>
{scripts}<style>{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
{subtitle}
</header>
{body}
<footer>{footer}</footer>
{post}</body>
</html>
"""


# The modebar offers PNG (plotly's camera, toImageButtonOptions) and SVG (a button of our
# own); plotly's cloud buttons are removed, so nothing in a report leaves the machine.
MODEBAR_REMOVE = ("sendDataToCloud", "editInChartStudio", "select2d", "lasso2d")
PLOT_CONFIG_SCRIPT = """<script>
Plotly.setPlotConfig({
  modeBarButtonsToAdd: [{
    name: "downloadSvg",
    title: "Download plot as an SVG",
    icon: Plotly.Icons.disk,
    click: function (gd) {
      var options = gd._context.toImageButtonOptions || {};
      Plotly.downloadImage(gd, {format: "svg", filename: options.filename || gd.id});
    }
  }]
});
</script>
"""

# Every chart is drawn from two figures embedded in the page: the desktop one and a narrow
# one (wrapped title, legend below, tiles two a row, smaller fonts) for cards narrower
# than NARROW_MAX_PX. Resizing the window across that width redraws the chart.
NARROW_MAX_PX = 600
DRAW_SCRIPT = """<script>
(function () {
  var charts = JSON.parse(document.getElementById("fa-charts").textContent);
  var config = JSON.parse(document.getElementById("fa-config").textContent);
  function draw(div, force) {
    var chart = charts[div.id];
    var mode = div.parentElement.clientWidth <= NARROW_MAX_PX ? "narrow" : "wide";
    if (!force && div.dataset.layout === mode) { Plotly.Plots.resize(div); return; }
    div.dataset.layout = mode;
    div.style.height = chart.height[mode] + "px";
    var figure = chart[mode];
    var options = Object.assign({}, config, {toImageButtonOptions:
      Object.assign({}, config.toImageButtonOptions, {filename: chart.key})});
    Plotly.react(div, figure.data, figure.layout, options);
  }
  function drawAll(force) {
    document.querySelectorAll("div.fa-plot").forEach(function (div) { draw(div, force); });
  }
  drawAll(true);
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { drawAll(false); }, 150);
  });
  window.addEventListener("load", function () { drawAll(false); });
})();
</script>
""".replace("NARROW_MAX_PX", str(NARROW_MAX_PX))


def page(
    title: str,
    subtitle: str,
    body: str,
    footer: str,
    *,
    with_plotly: bool,
    refresh_seconds: int | None = None,
    post: str = "",
) -> str:
    refresh = (
        f'<meta http-equiv="refresh" content="{refresh_seconds}">\n' if refresh_seconds else ""
    )
    scripts = (
        f'<script src="{PLOTLY_JS}" charset="utf-8"></script>\n{PLOT_CONFIG_SCRIPT}'
        if with_plotly
        else ""
    )
    return PAGE.format(
        refresh=refresh,
        title=html.escape(title),
        scripts=scripts,
        style=STYLE,
        subtitle=subtitle,
        body=body,
        footer=footer,
        post=post,
    )


def _charts(number: int) -> str:
    return f"{number} chart" if number == 1 else f"{number} charts"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _json_script(element_id: str, payload: str) -> str:
    """JSON in a page, safe from a `</script>` inside its strings."""
    return (
        f'<script type="application/json" id="{element_id}">'
        + payload.replace("</", "<\\/")
        + "</script>\n"
    )


def plot_config() -> dict[str, Any]:
    """The Plotly config of every chart: responsive, PNG from the camera, no cloud buttons."""
    return {
        "displaylogo": False,
        "responsive": True,
        "showLink": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "modeBarButtonsToRemove": list(MODEBAR_REMOVE),
        "toImageButtonOptions": {"format": "png", "scale": 2},
    }


RELATIVE_TIME_SCRIPT = """<script>
// "generated 5 min ago" stays true while the page is open: recomputed from the absolute
// time every 30 s in the reader's browser.
(function () {
  function ago(seconds) {
    if (seconds < 90) return "just now";
    var minutes = Math.round(seconds / 60);
    if (minutes < 90) return minutes + " min ago";
    var hours = Math.round(minutes / 60);
    if (hours < 36) return hours + " h ago";
    return Math.round(hours / 24) + " days ago";
  }
  function update() {
    document.querySelectorAll("time.fa-ago").forEach(function (element) {
      var seconds = (Date.now() - Date.parse(element.getAttribute("datetime"))) / 1000;
      element.textContent = "(" + ago(Math.max(0, seconds)) + ")";
    });
  }
  update();
  setInterval(update, 30000);
})();
</script>
"""


def _stamp_with_age(moment: datetime) -> str:
    """An absolute UTC time, followed by how long ago it was, kept current by the page."""
    iso = moment.astimezone(UTC).isoformat(timespec="seconds")
    return f'{_stamp(moment)} <time class="fa-ago" datetime="{iso}"></time>'


def chart_payload(chart: RenderedChart) -> dict[str, Any]:
    """What the page draws a chart from: its wide and narrow figures and their heights."""
    height = chart.spec.height or (520 if chart.spec.wide else 460)
    narrow = narrow_figure(chart.figure, chart.spec.narrow)
    narrow_height = int(narrow.layout.height or height)
    narrow.layout.height = None
    return {
        "key": chart.spec.key,
        "height": {"wide": height, "narrow": narrow_height},
        "wide": json.loads(pio.to_json(chart.figure, validate=False)),
        "narrow": json.loads(pio.to_json(narrow, validate=False)),
    }


def report_html(report: RenderedReport, siblings: Sequence[ReportSpec] = ()) -> str:
    spec = report.spec
    sections = []
    charts: dict[str, Any] = {}
    for index, chart in enumerate(report.charts, start=1):
        div_id = f"chart-{index}"
        payload = chart_payload(chart)
        charts[div_id] = payload
        wide = " wide" if chart.spec.wide else ""
        sections.append(
            f'<section class="chart{wide}" id="{chart.spec.key}">'
            f'<p class="caption">{html.escape(chart.spec.caption)}</p>'
            f'<div id="{div_id}" class="fa-plot" style="height: {payload["height"]["wide"]}px">'
            "</div></section>"
        )
    links = " ".join(
        f'<a href="{other.file_name}">{html.escape(other.title)}</a>'
        for other in siblings
        if other.slug != spec.slug
    )
    refresh_note = f" · refreshes every {spec.refresh_seconds} s" if spec.refresh_seconds else ""
    subtitle = (
        f"<p><strong>{html.escape(spec.question)}</strong></p>\n"
        f"<p>Data: {report.data_range} · generated {_stamp_with_age(report.generated_at)}"
        f"{refresh_note} · {_charts(len(report.charts))} · "
        f'<a href="{INDEX}">all reports</a></p>\n' + (f"<nav>{links}</nav>" if links else "")
    )
    reads = ", ".join(f"gold.{name}" for name in spec.relations())
    footer = (
        f"Rendered from {html.escape(reads)} (aggregated in the database). "
        "Hover for exact values; drag to zoom, double-click to reset; in each chart's "
        "toolbar the camera saves a PNG and the disk an SVG."
    )
    post = (
        _json_script("fa-charts", json.dumps(charts))
        + _json_script("fa-config", json.dumps(plot_config()))
        + DRAW_SCRIPT
        + RELATIVE_TIME_SCRIPT
    )
    return page(
        spec.title,
        subtitle,
        "<main>\n" + "\n".join(sections) + "\n</main>",
        footer,
        with_plotly=True,
        refresh_seconds=spec.refresh_seconds,
        post=post,
    )


def write_report(
    report: RenderedReport, output_dir: Path = REPORTS_DIR, siblings: Sequence[ReportSpec] = ()
) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    ensure_plotly_js(output_dir)
    path = output_dir / report.spec.file_name
    # write then rename, so a browser refreshing the page never reads half a file
    partial = path.with_suffix(".html.partial")
    partial.write_text(report_html(report, siblings), encoding="utf-8")
    partial.replace(path)
    report.path = path
    log.info(
        "%s: %d charts in %.1f s -> %s", report.spec.slug, len(report.charts), report.seconds, path
    )
    return path


# -- index page ------------------------------------------------------------------------

# Cheap at any scale: the monthly KPI table, the current customers and their churn risk.
HEADLINE_SQL = """
with totals as (
    select
        sum(approved_value_amount) as approved_volume,
        sum(transaction_count) as transaction_count,
        sum(fraud_transaction_count) / nullif(sum(transaction_count), 0.0) as fraud_rate,
        sum(declined_transaction_count) / nullif(sum(transaction_count), 0.0) as decline_rate
    from gold.descriptive_analytics
    where breakdown = 'overall'
),

-- current customers: an open account at the data's last day (README, Analytics: KPIs);
-- customers already lost have no churn risk band
risk as (
    select
        sum(case when relationship_status = 'active' then 1 else 0 end) as current_customers,
        sum(case when churn_risk_band = 'high' then 1 else 0 end) as high_risk_customers
    from gold.predictive_analytics
)

select totals.*, risk.*
from totals
cross join risk
"""


def headline_kpis(gold: Gold) -> list[tuple[str, str]]:
    """A few numbers for the index page, from the pre-aggregated analytics tables."""
    gold.require(["descriptive_analytics", "predictive_analytics"])
    row = gold.frame(HEADLINE_SQL).iloc[0]
    return [
        ("Approved volume", money(row["approved_volume"])),
        ("Transactions", count(row["transaction_count"])),
        ("Fraud rate", percent(row["fraud_rate"], 2)),
        ("Decline rate", percent(row["decline_rate"])),
        ("Current customers", count(row["current_customers"])),
        ("High churn risk", count(row["high_risk_customers"])),
    ]


def index_html(
    specs: Sequence[ReportSpec],
    rendered: Mapping[str, RenderedReport],
    kpis: Sequence[tuple[str, str]],
    generated_at: datetime,
) -> str:
    tiles = "".join(
        f'<div class="kpi"><div class="value">{html.escape(value)}</div>'
        f'<div class="name">{html.escape(name)}</div></div>'
        for name, value in kpis
    )
    cards = []
    for spec in specs:
        report = rendered.get(spec.slug)
        meta = (
            f"{_charts(len(report.charts))} · data {report.data_range} · "
            f"generated {_stamp_with_age(report.generated_at)}"
            if report
            else "not rendered in this run"
        )
        cards.append(
            f'<section class="card"><h2><a href="{spec.file_name}">{html.escape(spec.title)}</a></h2>'
            f'<p class="question">{html.escape(spec.question)}</p>'
            f"<p>{html.escape(spec.summary)}</p>"
            f'<p class="meta">{meta}</p></section>'
        )
    data_ranges = {report.data_range for report in rendered.values()}
    subtitle = (
        f"<p><strong>{len(specs)} reports, one per analytics type and one on data quality, "
        "rendered from the gold layer.</strong></p>\n"
        f"<p>Data: {' / '.join(sorted(data_ranges)) or 'n/a'} · "
        f"generated {_stamp_with_age(generated_at)}</p>"
    )
    body = f'<div class="kpis">{tiles}</div>\n<main>\n' + "\n".join(cards) + "\n</main>"
    footer = (
        "Each report is a static HTML file that loads plotly.min.js from this folder; "
        "no internet access is needed. Rebuild with <code>make reports</code>."
    )
    return page(
        "financial_analytics reports",
        subtitle,
        body,
        footer,
        with_plotly=False,
        post=RELATIVE_TIME_SCRIPT,
    )


def write_index(
    specs: Sequence[ReportSpec],
    rendered: Mapping[str, RenderedReport],
    kpis: Sequence[tuple[str, str]],
    output_dir: Path = REPORTS_DIR,
) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / INDEX
    path.write_text(index_html(specs, rendered, kpis, datetime.now(UTC)), encoding="utf-8")
    log.info("index -> %s", path)
    return path


# -- dbt exposures --------------------------------------------------------------------

EXPOSURES_FILE = REPO_ROOT / "models" / "_exposures.yml"
# gold relations written by Python (scripts/ml), declared to dbt as the `ml` source
ML_SOURCE = "ml"


def _dependency(relation: str) -> str:
    if relation.startswith("ml_"):
        return f"source('{ML_SOURCE}', '{relation}')"
    return f"ref('{relation}')"


def exposure_url(file_name: str) -> str:
    """A report's link from the dbt docs page: relative to the folder that holds the page.

    `make docs` writes target/static_index.html (opened from disk) and `make docs-serve`
    serves it as /docs/static_index.html beside /reports/; from either, ../reports/<file>
    is the report that `make reports` writes.
    """
    return f"../{REPORTS_DIR.name}/{file_name}"


def exposures_yaml(specs: Sequence[ReportSpec]) -> str:
    """The dbt exposures of the reports, generated from what their SQL reads."""
    lines = [
        "# Generated by `python analytics_viz/run_all_viz.py --write-exposures` from the",
        "# report scripts' SQL; a test fails when this file and the scripts disagree.",
        "version: 2",
        "",
        "exposures:",
    ]
    for spec in specs:
        lines += [
            f"  - name: report_{spec.slug}",
            f'    label: "{spec.slug[:2]} {spec.title}"',
            f"    type: {spec.exposure_type}",
            "    maturity: medium",
            f"    url: {exposure_url(spec.file_name)}",
            "    description: >",
            *textwrap.wrap(
                f"{spec.question} {spec.summary} Rendered by analytics_viz/{spec.slug}.py "
                f"into reports/{spec.file_name} ({len(spec.charts)} Plotly charts: "
                f"{', '.join(chart.key for chart in spec.charts)}).",
                width=88,
                initial_indent="      ",
                subsequent_indent="      ",
            ),
            "    owner:",
            "      name: Analytics engineering",
            "    depends_on:",
            *[f"      - {_dependency(relation)}" for relation in spec.relations()],
            "    config:",
            "      tags: [report]",
            "      meta:",
            f"        script: analytics_viz/{spec.slug}.py",
            f"        charts: {len(spec.charts)}",
            "",
        ]
    return "\n".join(lines)


# -- the report scripts ----------------------------------------------------------------


def report_files() -> list[Path]:
    """The report scripts, in order: 01_descriptive_analytics.py ... 09_data_quality.py"""
    return sorted(VIZ_DIR.glob("[0-9][0-9]_*.py"))


def load_report(path: Path) -> ReportSpec:
    """Import one report script by path (its name starts with a digit) and return its spec."""
    module_name = f"financial_analytics_report_{path.stem}"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise UserError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return _report_of(module, path)


def _report_of(module: ModuleType, path: Path) -> ReportSpec:
    report = getattr(module, "REPORT", None)
    if not isinstance(report, ReportSpec):
        raise UserError(f"{path} defines no REPORT = ReportSpec(...)")
    return report


def all_reports() -> list[ReportSpec]:
    return [load_report(path) for path in report_files()]


def report_main(spec: ReportSpec) -> Callable[[Sequence[str] | None], int]:
    """A standard main() for one report script: --output-dir, --log-level, one-line errors."""

    def main(argv: Sequence[str] | None = None) -> int:
        parser = argparse.ArgumentParser(
            prog=f"python analytics_viz/{spec.slug}.py",
            description=f"{spec.title}: {spec.question} {spec.summary} "
            f"Writes {spec.file_name} into the output folder.",
        )
        parser.add_argument(
            "--output-dir", type=Path, default=REPORTS_DIR, help="default: %(default)s"
        )
        if spec.refresh_seconds:
            parser.add_argument(
                "--watch",
                action="store_true",
                help=f"keep re-rendering every {spec.refresh_seconds} s (the page reloads "
                "itself at the same pace) until Ctrl-C",
            )
        add_logging_args(parser)
        args = parser.parse_args(argv)
        setup_logging(args.log_level)
        siblings = all_reports()
        with open_gold() as gold:
            while True:
                path = write_report(render(gold, spec), args.output_dir, siblings)
                print(path, flush=True)
                if not getattr(args, "watch", False):
                    return 0
                time.sleep(spec.refresh_seconds or 60)

    return main


def run_report(spec: ReportSpec) -> None:
    raise SystemExit(run(report_main(spec)))
