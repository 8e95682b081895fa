"""Serve the static dbt documentation and the reports it links to, on the loopback interface.

python -m scripts.docs_serve [--target-dir target] [--reports-dir reports] [--port 8080]

`make docs` writes target/static_index.html, which opens from disk; its exposures link to
the reports as ../reports/<file>.html. Served here under /docs/ and /reports/, the same
relative links work over HTTP; nothing else of the machine is served.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scripts.cli import UserError, add_logging_args, run, setup_logging

log = logging.getLogger("financial_analytics.docs_serve")

STATIC_PAGE = "static_index.html"
DOCS_PREFIX = "/docs/"
REPORTS_PREFIX = "/reports/"


class DocsHandler(http.server.SimpleHTTPRequestHandler):
    """Serves /docs/static_index.html and /reports/*, and redirects / to the docs."""

    def __init__(self, *args, target_dir: Path, reports_dir: Path, **kwargs) -> None:
        self.target_dir = target_dir
        self.reports_dir = reports_dir
        super().__init__(*args, directory=str(target_dir), **kwargs)

    def translate_path(self, path: str) -> str:
        route = unquote(urlsplit(path).path)
        if route == DOCS_PREFIX + STATIC_PAGE:
            return str(self.target_dir / STATIC_PAGE)
        if route.startswith(REPORTS_PREFIX):
            candidate = (self.reports_dir / route.removeprefix(REPORTS_PREFIX)).resolve()
            if candidate.is_relative_to(self.reports_dir.resolve()):
                return str(candidate)
        # anything else: a path that does not exist, so the handler answers 404
        return str(self.target_dir / ".not-served")

    def do_GET(self) -> None:
        if urlsplit(self.path).path in ("/", DOCS_PREFIX):
            self.send_response(302)
            self.send_header("Location", DOCS_PREFIX + STATIC_PAGE)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.docs_serve", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--target-dir",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH", "target")),
        help="where `make docs` wrote static_index.html (default: %(default)s)",
    )
    parser.add_argument(
        "--reports-dir", type=Path, default=Path("reports"), help="default: %(default)s"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="default: %(default)s (this machine only)"
    )
    parser.add_argument("--port", type=int, default=8080, help="default: %(default)s")
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if not (args.target_dir / STATIC_PAGE).is_file():
        raise UserError(f"{args.target_dir / STATIC_PAGE} does not exist: run `make docs` first")
    handler = functools.partial(
        DocsHandler, target_dir=args.target_dir.resolve(), reports_dir=args.reports_dir.resolve()
    )
    try:
        server = http.server.ThreadingHTTPServer((args.host, args.port), handler)
    except OSError as exc:
        raise UserError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror}): choose another --port"
        ) from exc
    print(
        f"docs: http://{args.host}:{args.port}{DOCS_PREFIX}{STATIC_PAGE} (Ctrl-C stops)", flush=True
    )
    with server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
