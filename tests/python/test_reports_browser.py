"""Open every report and the index in headless Chromium, as a user's browser would.

For each page one Chromium run takes a screenshot, dumps the DOM after the scripts ran
and writes a network log. The test checks that every chart was drawn (one plot element
per chart, each with Plotly's SVG and drawn marks), that the screenshot is not blank,
and that the page requested nothing outside the machine.

Chromium comes from Debian's `chromium` package (.ci/run installs it). Without it the
test is skipped, except under CI (CI=true), where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from scripts.chromium import dump_dom
from tests.python.helpers import Warehouse
from tests.python.test_reports import EXPECTED_CHARTS, SPECS, render_once

VIRTUAL_TIME_BUDGET = "--virtual-time-budget=8000"
# Plotly's drawn marks: bar/scatter points, pie/treemap slices, lines, heatmap images,
# indicator numbers.
DRAWN_MARK = re.compile(r'class="(?:point|slice|js-line|numbers)\b|<image\b')
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
SCREENSHOT_DIR_ENV = "FA_SCREENSHOT_DIR"  # set it to keep the screenshots for a look


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("chromium is not installed but CI=true: .ci/run must install it")
        pytest.skip(
            "chromium is not installed (Debian: apt-get install chromium); skipped outside CI"
        )
    return path


@pytest.fixture(scope="module")
def reports_dir(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output, _ = render_once(tmp_path_factory)
    return output


@dataclass(frozen=True)
class PageVisit:
    returncode: int
    dom: str
    screenshot: Path
    page_requests: list[str]
    stderr: str


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself requested, from Chromium's network log.

    Chromium also makes requests of its own (update and time checks) that no page
    asked for; those carry the initiator "not an origin" and are left out.
    """
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start_job or "url" not in params:
            continue
        if params.get("initiator") == "not an origin" and not str(
            params.get("network_isolation_key", "")
        ).startswith("file://"):
            continue
        urls.append(params["url"])
    return urls


def visit(chromium: str, page: Path, work: Path) -> PageVisit:
    work.mkdir(parents=True, exist_ok=True)
    screenshot = work / f"{page.stem}.png"
    net_log = work / f"{page.stem}.netlog.json"
    result = dump_dom(
        chromium,
        page,
        work / "profile",
        VIRTUAL_TIME_BUDGET,
        f"--screenshot={screenshot}",
        f"--log-net-log={net_log}",
        timeout=120,
    )
    keep = os.environ.get(SCREENSHOT_DIR_ENV)
    if keep and screenshot.exists():
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(keep) / screenshot.name)
    return PageVisit(
        result.returncode,
        result.stdout,
        screenshot,
        page_requests(net_log) if net_log.exists() else [],
        result.stderr,
    )


def outside_requests(visit_: PageVisit) -> list[str]:
    return [url for url in visit_.page_requests if not url.startswith(LOCAL_SCHEMES)]


def assert_not_blank(screenshot: Path) -> None:
    with Image.open(screenshot) as image:
        pixels = image.convert("RGB").resize((350, 600))
        colours = pixels.getcolors(maxcolors=350 * 600) or []
    assert len(colours) >= 64, f"{screenshot} has only {len(colours)} colours: blank?"
    background = max(colours)[0]
    assert background < 0.95 * 350 * 600, f"{screenshot} is one colour: blank?"


def plot_segments(dom: str) -> list[str]:
    """The DOM of each chart div, in order (each runs up to the next chart)."""
    starts = [match.start() for match in re.finditer(r'<div id="chart-\d+"', dom)]
    ends = [*starts[1:], len(dom)] if starts else []
    return [dom[start:end] for start, end in zip(starts, ends, strict=True)]


PLOTTED_DIV = re.compile(r'<div[^>]*class="[^"]*\bjs-plotly-plot\b')
PAGES = [(spec.file_name, EXPECTED_CHARTS[spec.slug]) for spec in SPECS] + [("index.html", 0)]


@pytest.fixture(scope="module")
def visits(
    chromium: str, reports_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, PageVisit]:
    """Every page visited once, two browsers at a time (CI has two cores)."""
    work = tmp_path_factory.mktemp("browser")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(visit, chromium, reports_dir / name, work / Path(name).stem)
            for name, _ in PAGES
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.integration
@pytest.mark.parametrize(("file_name", "charts"), PAGES, ids=[name for name, _ in PAGES])
def test_page_draws_its_charts_offline(
    visits: dict[str, PageVisit], file_name: str, charts: int
) -> None:
    result = visits[file_name]
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.screenshot.exists(), result.stderr[-2000:]
    segments = plot_segments(result.dom)
    assert len(segments) == charts
    assert len(PLOTTED_DIV.findall(result.dom)) == charts, "every chart div was plotted"
    for number, segment in enumerate(segments, start=1):
        assert "main-svg" in segment, f"chart-{number} has no SVG"
        assert DRAWN_MARK.search(segment), f"chart-{number} drew no marks"
    if file_name == "index.html":
        assert len(re.findall(r'<a href="0\d_[a-z_]+\.html"', result.dom)) == len(SPECS)
    assert_not_blank(result.screenshot)
    assert outside_requests(result) == [], "the page reached outside the machine"


def test_request_check_catches_a_page_that_goes_online(chromium: str, tmp_path: Path) -> None:
    """The offline check must not pass vacuously: a page with an external image fails it."""
    page = tmp_path / "online.html"
    page.write_text('<html><body><img src="https://example.invalid/pixel.png">hi</body></html>')
    result = visit(chromium, page, tmp_path / "visit")
    assert outside_requests(result) == ["https://example.invalid/pixel.png"]
