"""How the project runs headless Chromium: the browser test and the reports benchmark
open the reports with the same flags."""

from __future__ import annotations

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
