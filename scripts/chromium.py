"""How the project runs headless Chromium: the browser test and the reports benchmark
open the reports with the same flags."""

from __future__ import annotations

import subprocess
from pathlib import Path

HEADLESS_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    # nothing leaves the machine even if something asks: every host name fails to resolve
    # (requests are still attempted, so they still show in the network log)
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1400,2400",
)


def dump_dom(
    chromium: str, page: Path, profile: Path, *extra_flags: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Open one page in headless Chromium with the project's flags (and extra_flags), in a
    profile of its own, and return the run: stdout is the DOM after the page's scripts."""
    return subprocess.run(
        [
            chromium,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            *extra_flags,
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
