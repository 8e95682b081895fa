"""What every report script shares: gold access, the theme, number formats, HTML output.

A report script builds figures from small aggregated DataFrames (SQL does the heavy
lifting in the database) and hands them to `write_report`, which writes one HTML file
into reports/ that loads plotly.js from a single copy beside it (no internet needed).
Importing this module registers the project's Plotly template as the default.
"""

from __future__ import annotations

import argparse
import html
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from psycopg2 import sql

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # the scripts also run as `python analytics_viz/NN_x.py`
    sys.path.insert(0, str(REPO_ROOT))

from scripts.cli import UserError, add_logging_args, run, setup_logging  # noqa: E402
from scripts.connection import connect  # noqa: E402

log = logging.getLogger("financial_analytics.reports")

REPORTS_DIR = REPO_ROOT / "reports"
PLOTLY_JS = "plotly.min.js"
TEMPLATE = "financial_analytics"
PALETTE = ["#1f4e79", "#d4af37", "#2e8b57", "#c0392b", "#7f8c8d", "#8e44ad", "#e67e22", "#16a085"]
DIVERGING = [[0.0, "#c0392b"], [0.5, "#f7f7f7"], [1.0, "#1f4e79"]]
SEQUENTIAL = [[0.0, "#f4f6f9"], [1.0, "#1f4e79"]]

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
        hoverlabel={"bgcolor": "white", "font_size": 12},
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        xaxis={"gridcolor": "#eaecee", "zerolinecolor": "#d5d8dc", "automargin": True},
        yaxis={"gridcolor": "#eaecee", "zerolinecolor": "#d5d8dc", "automargin": True},
        legend={"orientation": "h", "y": -0.2},
    )
)
pio.templates.default = f"plotly_white+{TEMPLATE}"


# -- numbers ---------------------------------------------------------------------------


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


# -- gold access -----------------------------------------------------------------------


def query(
    statement: str, params: Sequence[object] | dict[str, object] | None = None
) -> pd.DataFrame:
    """Run one parameterised query against the warehouse and return a DataFrame."""
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            columns = [column.name for column in cur.description]
            frame = pd.DataFrame(cur.fetchall(), columns=columns)
    finally:
        conn.close()
    return frame.apply(_to_float_if_decimal)


def _to_float_if_decimal(column: pd.Series) -> pd.Series:
    from decimal import Decimal

    if column.dtype == object and column.map(lambda v: isinstance(v, Decimal)).any():
        return column.astype(float)
    return column


def require_gold(*relations: str) -> None:
    """Fail with one line when a gold relation the report reads is missing or empty."""
    conn = connect()
    try:
        with conn.cursor() as cur:
            for relation in relations:
                cur.execute("select to_regclass(%s) is not null", (f"gold.{relation}",))
                if not cur.fetchone()[0]:
                    raise UserError(f"gold.{relation} does not exist: run `make demo` first")
                cur.execute(
                    sql.SQL("select exists (select 1 from gold.{})").format(
                        sql.Identifier(relation)
                    )
                )
                if not cur.fetchone()[0]:
                    raise UserError(f"gold.{relation} is empty: run `make demo` first")
    finally:
        conn.close()


# -- reports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    figure: go.Figure
    caption: str


@dataclass
class Report:
    slug: str  # file name without .html, e.g. 01_descriptive_analytics
    title: str
    question: str
    data_range: str  # e.g. "2023-01-01 to 2024-01-09"
    charts: list[Chart] = field(default_factory=list)
    refresh_seconds: int | None = None

    def add(self, figure: go.Figure, caption: str) -> None:
        self.charts.append(Chart(figure, caption))


def ensure_plotly_js(output_dir: Path) -> Path:
    """Ship plotly.js once beside the reports so they open without internet access."""
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    target = output_dir / PLOTLY_JS
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)
    return target


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<title>{title} · financial_analytics</title>
<script src="{plotly_js}"></script>
<style>
body {{ font-family: Inter, Segoe UI, Helvetica, Arial, sans-serif; margin: 0; color: #1b2631; background: #f4f6f9; }}
header {{ background: #1f4e79; color: white; padding: 18px 32px; }}
header h1 {{ margin: 0 0 4px 0; font-size: 24px; }}
header p {{ margin: 2px 0; opacity: 0.9; }}
header a {{ color: #f8e6a0; }}
main {{ padding: 16px 32px; display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }}
section {{ background: white; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px rgba(0,0,0,0.08); }}
section p.caption {{ color: #566573; margin: 4px 0 8px 0; font-size: 14px; }}
section.wide {{ grid-column: 1 / -1; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p><strong>{question}</strong></p>
<p>Data: {data_range} · generated {generated} · <a href="index.html">all reports</a></p>
</header>
<main>
{sections}
</main>
</body>
</html>
"""


def render_report(report: Report, generated_at: datetime | None = None) -> str:
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    sections = []
    for index, chart in enumerate(report.charts):
        div = pio.to_html(
            chart.figure,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{index + 1}",
            config={"displaylogo": False, "responsive": True},
            default_height="440px",
        )
        wide = " wide" if chart.figure.layout.meta == "wide" else ""
        sections.append(
            f'<section class="chart{wide}"><p class="caption">{html.escape(chart.caption)}</p>{div}</section>'
        )
    refresh = (
        f'<meta http-equiv="refresh" content="{report.refresh_seconds}">\n'
        if report.refresh_seconds
        else ""
    )
    return PAGE.format(
        refresh=refresh,
        title=html.escape(report.title),
        question=html.escape(report.question),
        data_range=html.escape(report.data_range),
        generated=generated,
        plotly_js=PLOTLY_JS,
        sections="\n".join(sections),
    )


def write_report(report: Report, output_dir: Path = REPORTS_DIR) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    ensure_plotly_js(output_dir)
    path = output_dir / f"{report.slug}.html"
    path.write_text(render_report(report))
    log.info("%s: %d charts -> %s", report.slug, len(report.charts), path)
    return path


def data_range() -> str:
    """The span of transaction dates in gold, for report headers."""
    frame = query(
        "select min(transaction_date) as first, max(transaction_date) as last from gold.fact_transactions"
    )
    first, last = frame.iloc[0]["first"], frame.iloc[0]["last"]
    return f"{first} to {last}"


def report_main(
    build: Callable[[], Report], description: str
) -> Callable[[Sequence[str] | None], int]:
    """A standard main() for one report script: --output-dir, --log-level, one-line errors."""

    def main(argv: Sequence[str] | None = None) -> int:
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument(
            "--output-dir", type=Path, default=REPORTS_DIR, help="default: %(default)s"
        )
        add_logging_args(parser)
        args = parser.parse_args(argv)
        setup_logging(args.log_level)
        path = write_report(build(), args.output_dir)
        print(path)
        return 0

    return main


def run_report(build: Callable[[], Report], description: str) -> None:
    raise SystemExit(run(report_main(build, description)))
