"""Open every report and the index in headless Chromium, as a user's browser would.

Each page is opened twice, as a phone (390 px wide) and as a desktop (1400 px). Each
Chromium run takes a screenshot, dumps the DOM after the scripts ran and writes a network
log. The test checks that every chart was drawn (one plot element per chart, each with
Plotly's SVG and drawn marks), that the screenshot is not blank, that the page requested
nothing outside the machine, and that the modebar offers PNG and SVG and no cloud button.

The layout checks run in the page: a probe script (added to a copy of the page) measures,
once the charts are drawn, whether anything is wider than the viewport or sticks out of
it, whether a chart's text labels (titles, axis titles, tick labels, legend entries,
annotations, colour-bar labels, KPI tile texts) leave their chart, and whether any two of
them overlap. Angled tick labels of one axis are not compared with each other: their
boxes overlap while their text does not.

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

VIRTUAL_TIME_BUDGET = "--virtual-time-budget=15000"
WIDTHS = {"phone": 390, "desktop": 1400}
# Chromium's window is at least 500 px wide: a narrower screen is a frame of that width
# in a page of its own (the report inside sees a viewport of exactly that width)
SMALLEST_WINDOW = 500
WINDOW_HEIGHT = 2400
PROBE_SUFFIX = ".probe.html"
OVERLAP_TOLERANCE_PX = 2  # boxes that touch do not overlap
GLYPH_INSET = 0.15  # share of a text box's height above and below its glyphs
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


# Runs in the page once the charts are drawn (the browser's virtual time runs ahead) and
# leaves its findings as JSON in <script id="fa-probe"> for the dumped DOM.
PROBE_SCRIPT = (
    """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var width = window.innerWidth;
  var found = {innerWidth: width, scrollWidth: document.documentElement.scrollWidth,
               outside: [], cut: [], overlaps: [], labels: 0, drawn: 0};
  function rect(element) { var r = element.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }
  function named(element) {
    var text = (element.textContent || "").trim().slice(0, 60);
    var cls = element.getAttribute("class") || "";
    return element.tagName.toLowerCase() + (cls ? "." + cls.split(" ")[0] : "") +
      (text ? " '" + text + "'" : "");
  }
  function visible(r) { return r.right - r.left > 0.5 && r.bottom - r.top > 0.5; }
  document.querySelectorAll("body *").forEach(function (element) {
    if (element.closest("svg") || element.closest(".modebar-container")) return;
    var r = rect(element);
    if (visible(r) && (r.right > width + 1 || r.left < -1))
      found.outside.push(named(element) + " spans " + Math.round(r.left) + ".." + Math.round(r.right));
  });
  var skip = ".hoverlayer, .slicetext, .textpoint, .bartext, .pathbar, .modebar-container";
  document.querySelectorAll("div.js-plotly-plot").forEach(function (plot) {
    var frame = rect(plot);
    if (plot.querySelector(".main-svg") && plot.querySelector(MARKS)) found.drawn += 1;
    var labels = [];
    plot.querySelectorAll("svg text").forEach(function (text) {
      if (text.closest(skip) || !(text.textContent || "").trim()) return;
      var r = rect(text);
      if (!visible(r)) return;
      var style = window.getComputedStyle(text);
      if (style.visibility === "hidden" || style.display === "none" || style.opacity === "0") return;
      var tick = text.parentNode.getAttribute("class") || "";
      // upright (90 degrees) labels have exact boxes: only slanted ones are left out
      var turn = /rotate\\((-?[0-9.]+)/.exec(text.getAttribute("transform") || "");
      var angled = turn !== null && Number(turn[1]) % 90 !== 0;
      var group = angled && /^(x|y)[0-9]*tick$/.test(tick) ? tick + "|" +
        (text.closest(".colorbar") ? "colorbar" : "axis") : "";
      // a text's box is its font's full line: ascent and descent leave the glyphs'
      // top and bottom empty, so neighbouring lines' boxes touch while the text does not
      var inset = GLYPH_INSET * (r.bottom - r.top);
      var glyphs = {left: r.left, right: r.right, top: r.top + inset, bottom: r.bottom - inset};
      labels.push({name: plot.id + ": " + named(text), box: glyphs, group: group});
      if (r.left < frame.left - 1 || r.right > frame.right + 1 ||
          r.top < frame.top - 1 || r.bottom > frame.bottom + 1)
        found.cut.push(plot.id + ": " + named(text));
    });
    found.labels += labels.length;
    var slack = OVERLAP_TOLERANCE_PX;
    for (var i = 0; i < labels.length; i++) {
      for (var j = i + 1; j < labels.length; j++) {
        var a = labels[i], b = labels[j];
        if (a.group && a.group === b.group) continue;
        var across = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        var down = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        if (across > slack && down > slack)
          found.overlaps.push(a.name + " / " + b.name + " (" + Math.round(across) + " x " +
                              Math.round(down) + " px)");
      }
    }
  });
  var out = document.createElement("script");
  out.type = "application/json";
  out.id = "fa-probe";
  out.textContent = JSON.stringify(found).replace(/</g, "\\\\u003c");
  document.body.appendChild(out);
  if (window.parent !== window) window.parent.postMessage({faProbe: found}, "*");
}, 1000); });
</script>
""".replace("OVERLAP_TOLERANCE_PX", str(OVERLAP_TOLERANCE_PX))
    .replace("GLYPH_INSET", str(GLYPH_INSET))
    .replace("MARKS", '".point, .slice, .js-line, .numbers, image"')
)
# A page holding a report in a frame `width` pixels wide; it takes the probe's findings
# from the frame (a message: file pages cannot read each other) into its own DOM.
FRAME_PAGE = """<!doctype html><html><body style="margin: 0">
<iframe src="{src}" style="width: {width}px; height: {height}px; border: 0"></iframe>
<script>
window.addEventListener("message", function (event) {{
  if (!event.data || !event.data.faProbe) return;
  var out = document.createElement("script");
  out.type = "application/json";
  out.id = "fa-probe";
  out.textContent = JSON.stringify(event.data.faProbe).replace(/</g, "\\\\u003c");
  document.body.appendChild(out);
}});
</script></body></html>
"""
PROBE_RESULT = re.compile(r'<script type="application/json" id="fa-probe">(.*?)</script>', re.S)


def probe_copy(page: Path) -> Path:
    """A copy of the page beside it (plotly.min.js resolves the same) with the probe."""
    copy = page.with_name(page.stem + PROBE_SUFFIX)
    text = page.read_text(encoding="utf-8")
    copy.write_text(text.replace("</body>", PROBE_SCRIPT + "</body>"), encoding="utf-8")
    return copy


def framed(page: Path, width: int) -> Path:
    """A page beside `page` that shows it in a frame `width` pixels wide."""
    frame = page.with_name(f"{page.stem}.frame{width}.html")
    frame.write_text(FRAME_PAGE.format(src=page.name, width=width, height=WINDOW_HEIGHT))
    return frame


def visit(chromium: str, page: Path, work: Path, width: int = WIDTHS["desktop"]) -> PageVisit:
    """Open a page in a viewport `width` pixels wide: the DOM (for a framed page, the
    frame's; only the probe's findings come out), a screenshot and the network log."""
    work.mkdir(parents=True, exist_ok=True)
    stem = page.name.removesuffix(PROBE_SUFFIX).removesuffix(".html")
    screenshot = work / f"{stem}@{width}.png"
    net_log = work / f"{stem}@{width}.netlog.json"
    opened = framed(page, width) if width < SMALLEST_WINDOW else page
    result = dump_dom(
        chromium,
        opened,
        work / f"profile-{stem}@{width}",  # one each: Chromium locks its profile
        VIRTUAL_TIME_BUDGET,
        f"--window-size={max(width, SMALLEST_WINDOW)},{WINDOW_HEIGHT}",
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


def layout_findings(dom: str) -> dict:
    """What the probe measured in the page (fails when the probe did not run)."""
    match = PROBE_RESULT.search(dom)
    assert match, "the layout probe did not report: did the page's scripts fail?"
    return json.loads(match.group(1))


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
) -> dict[tuple[str, str], PageVisit]:
    """Every page visited once per width, two browsers at a time (CI has two cores)."""
    work = tmp_path_factory.mktemp("browser")
    probes = {name: probe_copy(reports_dir / name) for name, _ in PAGES}

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            (name, device): pool.submit(visit, chromium, probes[name], work / device, width)
            for name, _ in PAGES
            for device, width in WIDTHS.items()
        }
        return {key: future.result() for key, future in futures.items()}


MODEBAR_TITLE = re.compile(r'class="modebar-btn[^"]*"[^>]*data-title="([^"]*)"')


@pytest.mark.integration
@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize(("file_name", "charts"), PAGES, ids=[name for name, _ in PAGES])
def test_page_draws_its_charts_offline(
    visits: dict[tuple[str, str], PageVisit], file_name: str, charts: int, device: str
) -> None:
    result = visits[(file_name, device)]
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.screenshot.exists(), result.stderr[-2000:]
    assert_not_blank(result.screenshot)
    assert outside_requests(result) == [], "the page reached outside the machine"
    assert layout_findings(result.dom)["drawn"] == charts, "every chart drew its marks"
    if device != "desktop":
        return  # the phone's page is a frame: its DOM is checked through the probe
    segments = plot_segments(result.dom)
    assert len(segments) == charts
    assert len(PLOTTED_DIV.findall(result.dom)) == charts, "every chart div was plotted"
    for number, segment in enumerate(segments, start=1):
        assert "main-svg" in segment, f"chart-{number} has no SVG"
        assert DRAWN_MARK.search(segment), f"chart-{number} drew no marks"
    if file_name == "index.html":
        assert len(re.findall(r'<a href="0\d_[a-z_]+\.html"', result.dom)) == len(SPECS)


@pytest.mark.integration
@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize(("file_name", "charts"), PAGES, ids=[name for name, _ in PAGES])
def test_page_fits_the_screen_and_no_labels_overlap(
    visits: dict[tuple[str, str], PageVisit], file_name: str, charts: int, device: str
) -> None:
    found = layout_findings(visits[(file_name, device)].dom)
    assert found["innerWidth"] == WIDTHS[device]
    assert found["scrollWidth"] <= found["innerWidth"], "the page scrolls sideways"
    assert found["outside"] == [], "elements stick out of the viewport"
    assert found["cut"] == [], "chart labels are cut at the chart's edge"
    assert found["overlaps"] == [], "chart labels overlap"
    if charts:
        assert found["labels"] >= 3 * charts, "the probe found the charts' labels"


@pytest.mark.integration
@pytest.mark.parametrize(("file_name", "charts"), PAGES[:-1], ids=[name for name, _ in PAGES[:-1]])
def test_modebar_saves_png_and_svg_and_nothing_online(
    visits: dict[tuple[str, str], PageVisit], file_name: str, charts: int
) -> None:
    titles = [title.lower() for title in MODEBAR_TITLE.findall(visits[(file_name, "desktop")].dom)]
    assert titles.count("download plot as a png") == charts
    assert titles.count("download plot as an svg") == charts
    online = [title for title in titles if re.search(r"cloud|studio|share|edit", title, re.I)]
    assert online == []


def test_layout_probe_catches_overflow_and_overlap(chromium: str, tmp_path: Path) -> None:
    """The layout checks must not pass vacuously: a page too wide for a phone, with two
    labels drawn on top of each other, fails them."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><div style="width: 800px">too wide</div>'
        '<div class="js-plotly-plot" id="chart-1" style="width: 300px">'
        '<svg width="300" height="100">'
        '<text x="10" y="50">Flagged by the fraud model</text>'
        '<text x="30" y="52">Decline rate</text>'
        '<text x="280" y="80">cut at the edge</text></svg></div></body></html>'
    )
    result = visit(chromium, probe_copy(page), tmp_path / "visit", WIDTHS["phone"])
    found = layout_findings(result.dom)
    assert found["scrollWidth"] > found["innerWidth"] == WIDTHS["phone"]
    assert any("too wide" in element for element in found["outside"])
    assert len(found["overlaps"]) == 1 and "Decline rate" in found["overlaps"][0]
    assert any("cut at the edge" in label for label in found["cut"])


def test_request_check_catches_a_page_that_goes_online(chromium: str, tmp_path: Path) -> None:
    """The offline check must not pass vacuously: a page with an external image fails it."""
    page = tmp_path / "online.html"
    page.write_text('<html><body><img src="https://example.invalid/pixel.png">hi</body></html>')
    result = visit(chromium, page, tmp_path / "visit")
    assert outside_requests(result) == ["https://example.invalid/pixel.png"]
