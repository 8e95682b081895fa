"""Control the embedded PostgreSQL server (from the pgserver wheel) and open psql on it.

    python -m scripts.db start | stop | status | uri | env | psql [-c SQL]

`start` and `stop` are idempotent. When PGHOST is set, the embedded server is left
alone and every command works against that external server instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import psycopg2

from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import (
    DEFAULT_USER,
    ConnectionSettings,
    DatabaseUnavailable,
    connect,
)

log = logging.getLogger("financial_analytics.db")

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_USER = "pgserver"  # PostgreSQL refuses to run as root; pgserver's convention

# Tuned for a 2-core, 24 GB machine running bulk loads and dbt builds. wal_level=minimal
# lets COPY into a table truncated in the same transaction skip WAL entirely.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "60",
    "shared_buffers": "512MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "synchronous_commit": "off",
    "jit": "off",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "logging_collector": "off",
}


def data_dir() -> Path:
    return Path(os.environ.get("FA_PGDATA", REPO_ROOT / ".pgdata")).resolve()


def _pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # pgserver warns about XDG_RUNTIME_DIR on import; we never use its runtime dir.
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.utils

    return pgserver


def bin_dir() -> Path:
    return Path(_pgserver().__file__).resolve().parent / "pginstall" / "bin"


def _pgdata() -> Path:
    return data_dir() / "data"


def _as_server_user() -> dict[str, object]:
    return {"user": SERVER_USER} if os.geteuid() == 0 else {}


def _prepare_root_run() -> None:
    """As root, run the server as an unprivileged user that can reach its files."""
    if os.geteuid() != 0:
        return
    import pwd
    import stat

    utils = _pgserver().utils
    utils.ensure_user_exists(SERVER_USER)
    utils.ensure_prefix_permissions(data_dir())
    utils.ensure_prefix_permissions(bin_dir())
    readable = stat.S_IRGRP | stat.S_IROTH
    utils.ensure_folder_permissions(bin_dir(), readable | stat.S_IXGRP | stat.S_IXOTH)
    utils.ensure_folder_permissions(bin_dir().parent / "lib", readable)
    entry = pwd.getpwnam(SERVER_USER)
    os.chown(data_dir(), entry.pw_uid, entry.pw_gid)


def _pg(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir() / tool), *args],
        check=check,
        capture_output=True,
        text=True,
        **_as_server_user(),  # type: ignore[arg-type]
    )


def _initdb() -> None:
    data_dir().mkdir(parents=True, exist_ok=True)
    _prepare_root_run()
    if (_pgdata() / "PG_VERSION").exists():
        return
    log.info("initialising a new cluster in %s", _pgdata())
    _pg(
        "initdb",
        "-D",
        str(_pgdata()),
        "-U",
        DEFAULT_USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
    )
    conf = _pgdata() / "postgresql.auto.conf"
    lines = [f"{key} = {value}" for key, value in SERVER_SETTINGS.items()]
    with conf.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def _server_running() -> bool:
    if not (_pgdata() / "PG_VERSION").exists():
        return False
    return _pg("pg_ctl", "-D", str(_pgdata()), "status", check=False).returncode == 0


def _port_owner_is_other(settings: ConnectionSettings) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((settings.host, settings.port)) == 0


def ensure_database(settings: ConnectionSettings) -> None:
    conn = connect(settings, dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (settings.dbname,))
            if cur.fetchone() is None:
                log.info("creating database %s", settings.dbname)
                cur.execute(f'create database "{settings.dbname}"')
    finally:
        conn.close()


def start(settings: ConnectionSettings) -> None:
    if settings.external:
        connect(settings).close()
        ensure_reader_role(settings)
        log.info("PGHOST is set: using the external server at %s", settings.where())
        return
    _initdb()
    if _server_running():
        log.info("embedded PostgreSQL already running at %s", settings.where())
        ensure_database(settings)
        ensure_reader_role(settings)
        return
    if _port_owner_is_other(settings):
        raise UserError(
            f"port {settings.port} on {settings.host} is taken by another program; "
            "choose another with FA_PG_PORT=NNNNN (and use it for every make call)"
        )
    logfile = _pgdata() / "server.log"
    result = _pg(
        "pg_ctl",
        "-D",
        str(_pgdata()),
        "-o",
        f"-p {settings.port}",
        "-l",
        str(logfile),
        "-w",
        "-t",
        "60",
        "start",
        check=False,
    )
    if result.returncode != 0:
        tail = logfile.read_text().strip().splitlines()[-1:] if logfile.exists() else []
        detail = tail[0] if tail else result.stderr.strip()
        raise UserError(f"embedded PostgreSQL failed to start: {detail} (log: {logfile})")
    ensure_database(settings)
    ensure_reader_role(settings)
    log.info("embedded PostgreSQL running at %s (data in %s)", settings.where(), data_dir())


WAREHOUSE_SCHEMAS = ("bronze", "silver", "gold", "snapshots")
READER_ROLE = "analyst"


def ensure_reader_role(settings: ConnectionSettings) -> None:
    """The `analyst` role reads gold only (dbt grants it); it must exist before dbt runs."""
    conn = connect(settings)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,))
            if cur.fetchone() is None:
                cur.execute(f"create role {READER_ROLE} nologin")
                log.info("created role %s", READER_ROLE)
    except psycopg2.Error as exc:
        log.warning(
            "could not create role %s (%s): gold grants will fail", READER_ROLE, exc.pgerror
        )
    finally:
        conn.close()


def reset(settings: ConnectionSettings) -> None:
    """Drop every schema the pipeline writes, so the next run starts from nothing."""
    conn = connect(settings)
    try:
        with conn, conn.cursor() as cur:
            for schema in WAREHOUSE_SCHEMAS:
                cur.execute(f"drop schema if exists {schema} cascade")
    finally:
        conn.close()
    log.info("dropped schemas %s in %s", ", ".join(WAREHOUSE_SCHEMAS), settings.where())


def stop(settings: ConnectionSettings) -> None:
    if settings.external:
        log.info("PGHOST is set: the external server is not ours to stop")
        return
    if not _server_running():
        log.info("embedded PostgreSQL is not running")
        return
    _pg("pg_ctl", "-D", str(_pgdata()), "-m", "fast", "-w", "stop")
    log.info("embedded PostgreSQL stopped")


def wait_until_ready(settings: ConnectionSettings, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            connect(settings).close()
            return
        except DatabaseUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def status(settings: ConnectionSettings) -> int:
    try:
        conn = connect(settings)
    except DatabaseUnavailable as exc:
        print(f"not reachable: {exc}")
        return 1
    with conn, conn.cursor() as cur:
        cur.execute("select version()")
        (version,) = cur.fetchone()
    conn.close()
    kind = "external" if settings.external else "embedded"
    print(f"{kind} server at {settings.where()}: {version.split(',')[0]}")
    return 0


def psql_path() -> str:
    bundled = bin_dir() / "psql"
    return str(bundled) if bundled.exists() else (shutil.which("psql") or "psql")


def psql(settings: ConnectionSettings, extra: Sequence[str]) -> int:
    try:
        connect(settings).close()
    except psycopg2.Error as exc:  # pragma: no cover - connect wraps OperationalError
        raise DatabaseUnavailable(str(exc)) from exc
    env = dict(os.environ)
    env.setdefault("PSQL_PAGER", "less -SFX")
    command = [psql_path(), settings.uri(), "-v", "ON_ERROR_STOP=1", *extra]
    return subprocess.call(command, env=env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.db",
        description="Control the embedded PostgreSQL warehouse (ignored when PGHOST is set).",
    )
    add_logging_args(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start", help="initialise (first time) and start the embedded server")
    sub.add_parser("stop", help="stop the embedded server")
    sub.add_parser("status", help="say whether the warehouse is reachable")
    sub.add_parser("reset", help="drop the bronze, silver, gold and snapshots schemas")
    sub.add_parser("uri", help="print the libpq URI of the warehouse on the last line")
    sub.add_parser("env", help="print shell exports for the libpq variables")
    sub.add_parser("psql", help="open psql on the warehouse; further arguments go to psql")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args, extra = build_parser().parse_known_args(argv)
    if extra and args.command != "psql":
        raise UserError(f"unrecognised arguments: {' '.join(extra)} (see --help)")
    setup_logging(args.log_level)
    settings = ConnectionSettings.from_env()
    if args.command == "start":
        start(settings)
    elif args.command == "stop":
        stop(settings)
    elif args.command == "reset":
        reset(settings)
    elif args.command == "status":
        return status(settings)
    elif args.command == "uri":
        connect(settings).close()
        print(settings.uri())
    elif args.command == "env":
        for key, value in (
            ("PGHOST", settings.host),
            ("PGPORT", settings.port),
            ("PGUSER", settings.user),
            ("PGDATABASE", settings.dbname),
        ):
            print(f"export {key}={value}")
    elif args.command == "psql":
        return psql(settings, extra)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
