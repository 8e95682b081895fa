"""`make docs`: one page that opens from disk, on the project overview, with working report links.

`make docs` runs in the session's test database and dbt target folder (DBT_TARGET_PATH);
the links are checked against the reports the session renders, laid out as in the
repository (target/ beside reports/), and served by `make docs-serve`'s server.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.chromium import dump_dom
from tests.python.helpers import REPO_ROOT
from tests.python.test_reports import SPECS, render_once
from tests.python.test_reports_browser import chromium  # noqa: F401 (a fixture)

STATIC_PAGE = "static_index.html"


def embedded(page: str, name: str) -> dict:
    """The JSON artifact (manifest, catalog) that dbt's --static inlines into the page."""
    start = page.index(f'{name}:{{"metadata"') + len(name) + 1
    artifact, _ = json.JSONDecoder().raw_decode(page, start)
    return artifact


@pytest.fixture(scope="module")
def docs_page(warehouse) -> Path:
    page = Path(os.environ["DBT_TARGET_PATH"]) / STATIC_PAGE
    page.unlink(missing_ok=True)
    result = subprocess.run(
        ["make", "--no-print-directory", "docs"],
        cwd=REPO_ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # the last line names the page to open
    assert result.stdout.strip().splitlines()[-1].startswith(f"open {page}")
    return page


@pytest.fixture(scope="module")
def site(docs_page: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's layout: <site>/target/static_index.html beside <site>/reports/."""
    reports, _ = render_once(tmp_path_factory)
    root = tmp_path_factory.mktemp("site")
    (root / "target").mkdir()
    shutil.copy(docs_page, root / "target" / STATIC_PAGE)
    (root / "reports").symlink_to(reports, target_is_directory=True)
    return root


def test_the_page_holds_its_data_and_opens_on_the_overview(docs_page: Path):
    page = docs_page.read_text()
    # everything inline: a browser opening the file never fetches manifest.json (blocked on file://)
    manifest, catalog = embedded(page, "manifest"), embedded(page, "catalog")
    assert catalog["nodes"], "the catalog (column types) is in the page"
    overview = manifest["docs"]["doc.financial_analytics.__overview__"]["block_contents"]
    for layer in ("bronze", "silver", "snapshots", "gold", "semantic layer", "reports"):
        assert f"**{layer}**" in overview, layer
    assert "make docs" in overview


def test_the_page_opens_from_disk_on_the_overview(chromium: str, site: Path, tmp_path: Path):  # noqa: F811
    # what a browser shows for file://.../target/static_index.html once its scripts ran
    opened = dump_dom(
        chromium,
        site / "target" / STATIC_PAGE,
        tmp_path / "profile",
        "--virtual-time-budget=15000",
        timeout=180,
    )
    assert opened.returncode == 0, opened.stderr[-2000:]
    assert '<h1 id="financial_analytics">financial_analytics</h1>' in opened.stdout
    assert '<h2 id="the-layers">The layers</h2>' in opened.stdout


def test_every_exposure_links_to_its_report(docs_page: Path, site: Path):
    manifest = embedded(docs_page.read_text(), "manifest")
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert sorted(exposures) == sorted(f"report_{spec.slug}" for spec in SPECS)
    for spec in SPECS:
        url = exposures[f"report_{spec.slug}"]["url"]
        # a relative link resolves against the page's folder, target/
        linked = (site / "target" / url).resolve()
        assert linked == (site / "reports" / spec.file_name).resolve(), url
        assert linked.is_file(), f"{url} from target/{STATIC_PAGE} does not exist"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.docs_serve",
            "--target-dir",
            str(site / "target"),
            "--reports-dir",
            str(site / "reports"),
            "--port",
            str(port),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert "static_index.html" in server.stdout.readline()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _status(url: str) -> int:
    for _ in range(50):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except urllib.error.URLError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")


def test_docs_serve_serves_the_page_and_the_reports_and_nothing_else(served: str):
    docs = f"{served}/docs/{STATIC_PAGE}"
    assert _status(served + "/") == 200  # redirected to the page
    assert _status(docs) == 200
    # the exposures' relative links, resolved against the served page
    report = urllib.request.urljoin(docs, f"../reports/{SPECS[0].file_name}")
    assert _status(report) == 200
    for outside in ("/target/manifest.json", "/reports/../../profiles.yml", "/docs/manifest.json"):
        assert _status(served + outside) == 404, outside
