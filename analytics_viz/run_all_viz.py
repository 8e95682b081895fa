"""Render every report (01-09) from gold, then the index page that links them.

    python analytics_viz/run_all_viz.py [--output-dir reports] [--only 01 05]

Progress goes to stderr (one line per chart, one per report, a timing table); the last
line on stdout is the path of reports/index.html.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from common import (
    EXPOSURES_FILE,
    REPORTS_DIR,
    RenderedReport,
    UserError,
    add_logging_args,
    all_reports,
    exposures_yaml,
    headline_kpis,
    open_gold,
    render,
    run,
    setup_logging,
    write_index,
    write_report,
)

log = logging.getLogger("financial_analytics.reports")


def render_all(
    output_dir: Path = REPORTS_DIR, only: Sequence[str] = ()
) -> tuple[list[RenderedReport], Path]:
    """Render the selected reports (all by default) and the index; return them and its path."""
    specs = all_reports()
    selected = [spec for spec in specs if not only or spec.slug[:2] in only or spec.slug in only]
    if not selected:
        raise UserError(f"--only {' '.join(only)} matches none of {[s.slug for s in specs]}")
    rendered: list[RenderedReport] = []
    with open_gold() as gold:
        # one check up front, so a missing gold layer is one line before any progress
        gold.require(sorted({name for spec in selected for name in spec.relations()}))
        for number, spec in enumerate(selected, start=1):
            log.info("[%d/%d] rendering %s", number, len(selected), spec.slug)
            report = render(gold, spec)
            write_report(report, output_dir, specs)
            rendered.append(report)
        kpis = headline_kpis(gold)
    index = write_index(specs, {report.spec.slug: report for report in rendered}, kpis, output_dir)
    return rendered, index


def timing_table(reports: Sequence[RenderedReport], total_seconds: float) -> str:
    width = max(len(report.spec.slug) for report in reports)
    lines = [
        f"  {report.spec.slug:<{width}}  {len(report.charts):2d} charts  {report.seconds:6.2f} s"
        for report in reports
    ]
    charts = sum(len(report.charts) for report in reports)
    return "\n".join(
        ["Reports:", *lines, f"  {'total':<{width}}  {charts:2d} charts  {total_seconds:6.2f} s"]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python analytics_viz/run_all_viz.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--output-dir", type=Path, default=REPORTS_DIR, help="default: %(default)s")
    parser.add_argument(
        "--only",
        nargs="+",
        default=(),
        metavar="NN",
        help="render only these reports (by number, e.g. 01 08); the index links all of them",
    )
    parser.add_argument(
        "--write-exposures",
        action="store_true",
        help=f"only (re)write the dbt exposures of the reports ({EXPOSURES_FILE.name}) and exit",
    )
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.write_exposures:
        EXPOSURES_FILE.write_text(exposures_yaml(all_reports()))
        print(EXPOSURES_FILE)
        return 0
    started = time.perf_counter()
    reports, index = render_all(args.output_dir, args.only)
    log.info("\n%s", timing_table(reports, time.perf_counter() - started))
    print(index.resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
