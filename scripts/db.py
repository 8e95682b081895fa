"""Control the embedded PostgreSQL server (from the pgserver wheel) and open psql on it.

    python -m scripts.db start | stop | status | uri | env | psql [-c SQL] [--role ROLE]

`start` and `stop` are idempotent. When PGHOST is set, the embedded server is left
alone and every command works against that external server instead.

Security of the embedded server (see README, "The warehouse database"):
- every connection needs a password (SCRAM-SHA-256, loopback TCP only, no unix socket);
  the passwords are generated on first start into .pgdata/secrets/pgpass (mode 0600,
  readable by the checkout's owner only), beside the key that hashes emails and phones;
- a cluster made by an earlier version (trust authentication) is given passwords and
  locked on its next start;
- as root, the server runs as the `pgserver` system user and its own group, never gid 0;
- roles by job: warehouse_owner builds (dbt, loader, ML), analyst reads gold only,
  postgres administers.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import secrets
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import (
    ADMIN_USER,
    OWNER_USER,
    READER_USER,
    ROLE_USERS,
    ConnectionSettings,
    DatabaseUnavailable,
    autocommit_cursor,
    connect,
    data_dir,
    pgpass_path,
    secrets_dir,
)

log = logging.getLogger("financial_analytics.db")

SERVER_USER = "pgserver"  # PostgreSQL refuses to run as root; pgserver's convention
SERVER_GROUP = "pgserver"  # its own group: the server must never hold root's gid 0
PII_KEY_FILE = "pii_hmac_key"
PRIVATE_SCHEMA = "private"
PII_KEY_TABLE = "pii_hmac_key"
HBA_RULES = (
    "# managed by scripts/db.py: every connection needs a password (SCRAM), TCP on\n"
    "# loopback only; the server listens on no unix socket\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
)

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
    if os.geteuid() != 0:
        return {}
    return {"user": SERVER_USER, "group": SERVER_GROUP, "extra_groups": []}


def _server_ids() -> tuple[int, int] | None:
    """The (uid, gid) the server runs as, when we are root; None otherwise."""
    if os.geteuid() != 0:
        return None
    import grp
    import pwd

    return pwd.getpwnam(SERVER_USER).pw_uid, grp.getgrnam(SERVER_GROUP).gr_gid


def _prepare_root_run() -> None:
    """As root, run the server as an unprivileged user and group that reach only its files.

    data_dir() itself stays root's (it holds secrets/); only data_dir()/data, the
    cluster, belongs to the server user.
    """
    if os.geteuid() != 0:
        return
    import grp
    import stat

    utils = _pgserver().utils
    try:
        grp.getgrnam(SERVER_GROUP)
    except KeyError:
        subprocess.run(["groupadd", "--system", SERVER_GROUP], check=True, capture_output=True)
    utils.ensure_user_exists(SERVER_USER)
    _pgdata().mkdir(mode=0o700, exist_ok=True)
    os.chown(data_dir(), 0, 0)
    data_dir().chmod(0o755)
    utils.ensure_prefix_permissions(_pgdata())
    utils.ensure_prefix_permissions(bin_dir())
    readable = stat.S_IRGRP | stat.S_IROTH
    utils.ensure_folder_permissions(bin_dir(), readable | stat.S_IXGRP | stat.S_IXOTH)
    utils.ensure_folder_permissions(bin_dir().parent / "lib", readable)
    ids = _server_ids()
    assert ids is not None
    if (_pgdata().stat().st_uid, _pgdata().stat().st_gid) != ids:
        # a cluster from an earlier version belongs to pgserver:root; give it its group
        for folder, dirs, files in os.walk(_pgdata()):
            for name in [
                folder,
                *(Path(folder) / d for d in dirs),
                *(Path(folder) / f for f in files),
            ]:
                os.chown(name, *ids, follow_symlinks=False)


# -- secrets -----------------------------------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600), atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    temporary.replace(path)


def read_passwords() -> dict[str, str]:
    """user -> password from the embedded server's libpq password file."""
    passwords: dict[str, str] = {}
    path = pgpass_path()
    if not path.exists():
        return passwords
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _host, _port, _db, user, password = line.split(":", 4)
        passwords[user] = password
    return passwords


def ensure_secrets() -> dict[str, str]:
    """Generate (first start) or read the passwords and the PII key; return the passwords."""
    passwords = read_passwords()
    if set(ROLE_USERS.values()) - set(passwords):
        for user in ROLE_USERS.values():
            # url-safe base64 has no ':' or '\\', the two characters pgpass would escape
            passwords.setdefault(user, secrets.token_urlsafe(32))
        lines = ["# generated by scripts/db.py; host:port:database:user:password"]
        lines += [f"127.0.0.1:*:*:{user}:{password}" for user, password in passwords.items()]
        _write_private(pgpass_path(), "\n".join(lines) + "\n")
        log.info("generated the embedded server's passwords in %s", pgpass_path())
    pii_key()
    return passwords


def pii_key() -> bytes:
    """The 32-byte HMAC key for emails and phones in gold (generated on first use)."""
    path = secrets_dir() / PII_KEY_FILE
    if not path.exists():
        _write_private(path, secrets.token_hex(32) + "\n")
        log.info("generated the PII hashing key in %s", path)
    return bytes.fromhex(path.read_text().strip())


def hmac_pads(key: bytes) -> tuple[str, str]:
    """HMAC-SHA256's inner and outer padded keys (hex), so SQL needs only sha256().

    HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m)) with K' the key zero-padded to
    the 64-byte block (RFC 2104). PostgreSQL has sha256() built in; this pgserver build
    has no pgcrypto, so gold computes the two hashes itself from these pads.
    """
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = bytes(byte ^ 0x36 for byte in key)
    outer = bytes(byte ^ 0x5C for byte in key)
    return inner.hex(), outer.hex()


def _pg(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir() / tool), *args],
        check=check,
        capture_output=True,
        text=True,
        **_as_server_user(),  # type: ignore[arg-type]
    )


@contextlib.contextmanager
def _server_readable_password(password: str) -> Iterator[Path]:
    """The admin password in a file only the server user can read, for initdb --pwfile."""
    path = data_dir() / f".initdb-pw-{os.getpid()}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        ids = _server_ids()
        if ids is not None:
            os.chown(path, *ids)
        yield path
    finally:
        path.unlink(missing_ok=True)


def _write_hba() -> None:
    hba = _pgdata() / "pg_hba.conf"
    hba.write_text(HBA_RULES)
    ids = _server_ids()
    if ids is not None:
        os.chown(hba, *ids)
    hba.chmod(0o600)


def _hba_is_managed() -> bool:
    hba = _pgdata() / "pg_hba.conf"
    return hba.exists() and hba.read_text() == HBA_RULES


def _initdb(passwords: dict[str, str]) -> None:
    data_dir().mkdir(parents=True, exist_ok=True)
    _prepare_root_run()
    if (_pgdata() / "PG_VERSION").exists():
        return
    log.info("initialising a new cluster in %s", _pgdata())
    with _server_readable_password(passwords[ADMIN_USER]) as pwfile:
        _pg(
            "initdb",
            "-D",
            str(_pgdata()),
            "-U",
            ADMIN_USER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        )
    _write_hba()
    conf = _pgdata() / "postgresql.auto.conf"
    lines = [f"{key} = {value}" for key, value in SERVER_SETTINGS.items()]
    lines.append("password_encryption = 'scram-sha-256'")
    with conf.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def _lock_old_cluster(settings: ConnectionSettings, passwords: dict[str, str]) -> None:
    """A cluster from before passwords (trust): set the admin password, then require it."""
    if _hba_is_managed():
        return
    log.warning("the cluster in %s trusts every local user: giving it passwords", _pgdata())
    try:
        conn = connect(settings.as_role("admin"), dbname="postgres")
    except DatabaseUnavailable as exc:
        raise UserError(
            f"the cluster in {_pgdata()} has an authentication set-up this project does not "
            f"manage and refuses {ADMIN_USER} ({exc}); run `make clean-db` to start a new one"
        ) from exc
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("set password_encryption = 'scram-sha-256'")
            cur.execute(
                sql.SQL("alter role {} with password %s").format(sql.Identifier(ADMIN_USER)),
                (passwords[ADMIN_USER],),
            )
            _write_hba()
            cur.execute("select pg_reload_conf()")
    finally:
        conn.close()
    time.sleep(0.5)  # the postmaster re-reads pg_hba.conf on SIGHUP


def server_process_ids() -> tuple[int, int] | None:
    """(uid, gid) of the running embedded server's postmaster, from /proc."""
    pidfile = _pgdata() / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        status_lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except (OSError, ValueError, IndexError):
        return None
    ids = {}
    for line in status_lines:
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid"):
            ids[key] = int(value.split()[1])  # effective id
    return ids.get("Uid", -1), ids.get("Gid", -1)


def _server_running() -> bool:
    if not (_pgdata() / "PG_VERSION").exists():
        return False
    return _pg("pg_ctl", "-D", str(_pgdata()), "status", check=False).returncode == 0


def _port_owner_is_other(settings: ConnectionSettings) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((settings.host, settings.port)) == 0


def start(settings: ConnectionSettings) -> None:
    if settings.external:
        connect(settings).close()
        prepare_external(settings)
        log.info("PGHOST is set: using the external server at %s", settings.where())
        return
    passwords = ensure_secrets()
    _initdb(passwords)
    running = _server_running()
    if running and os.geteuid() == 0 and (server_process_ids() or (0, 0))[1] == 0:
        log.warning("the embedded server runs with root's group: restarting it with its own")
        stop(settings)
        running = False
    if running:
        log.info("embedded PostgreSQL already running at %s", settings.where())
    else:
        _start_server(settings)
    _lock_old_cluster(settings, passwords)
    ensure_roles(settings, passwords)
    ensure_database(settings)
    if not running:
        log.info("embedded PostgreSQL running at %s (data in %s)", settings.where(), data_dir())


def _start_server(settings: ConnectionSettings) -> None:
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


# quality: the failing rows the source-finding tests store (dbt store_failures)
WAREHOUSE_SCHEMAS = ("bronze", "silver", "gold", "snapshots", "quality")
READER_ROLE = READER_USER
OWNER_ROLE = OWNER_USER


def ensure_roles(settings: ConnectionSettings, passwords: dict[str, str]) -> None:
    """The job roles of the embedded server, with the passwords of the password file.

    warehouse_owner builds every layer (and may create the test and benchmark databases);
    analyst logs in to read gold and nothing else, in read-only transactions.
    """
    with autocommit_cursor(settings.as_role("admin"), dbname="postgres") as cur:
        cur.execute("set password_encryption = 'scram-sha-256'")
        for user, options in (
            (ADMIN_USER, "login superuser"),
            (OWNER_USER, "login nosuperuser createdb nocreaterole"),
            (READER_USER, "login nosuperuser nocreatedb nocreaterole"),
        ):
            cur.execute("select 1 from pg_roles where rolname = %s", (user,))
            verb = "alter" if cur.fetchone() else "create"
            cur.execute(
                sql.SQL(f"{verb} role {{}} with {options} password %s").format(
                    sql.Identifier(user)
                ),
                (passwords[user],),
            )
        cur.execute(
            sql.SQL("alter role {} set default_transaction_read_only = on").format(
                sql.Identifier(READER_USER)
            )
        )


def ensure_database(settings: ConnectionSettings) -> None:
    """Create the database (owned by the owner role) and set who may do what in it."""
    if settings.external:
        with autocommit_cursor(settings, dbname="postgres") as cur:
            cur.execute("select 1 from pg_database where datname = %s", (settings.dbname,))
            if cur.fetchone() is None:
                log.info("creating database %s", settings.dbname)
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(settings.dbname)))
        return
    admin = settings.as_role("admin")
    database = sql.Identifier(settings.dbname)
    owner, reader = sql.Identifier(OWNER_USER), sql.Identifier(READER_USER)
    with autocommit_cursor(admin, dbname="postgres") as cur:
        cur.execute("select 1 from pg_database where datname = %s", (settings.dbname,))
        if cur.fetchone() is None:
            log.info("creating database %s", settings.dbname)
            cur.execute(sql.SQL("create database {} owner {}").format(database, owner))
        else:
            cur.execute(sql.SQL("alter database {} owner to {}").format(database, owner))
        cur.execute(sql.SQL("revoke all on database {} from public").format(database))
        cur.execute(
            sql.SQL("grant connect, temporary on database {} to {}").format(database, owner)
        )
        cur.execute(sql.SQL("grant connect on database {} to {}").format(database, reader))
    with autocommit_cursor(admin) as cur:
        _hand_schemas_to_owner(cur)
        cur.execute("revoke all on schema public from public")
        cur.execute(sql.SQL("grant usage, create on schema public to {}").format(owner))
        _install_pii_key(cur, grantee=owner)
        # gold: whatever the owner creates there (dbt models, the ML score tables) is
        # readable by the reader; every other schema stays closed to it
        cur.execute(sql.SQL("create schema if not exists gold authorization {}").format(owner))
        cur.execute(sql.SQL("grant usage on schema gold to {}").format(reader))
        cur.execute(sql.SQL("grant select on all tables in schema gold to {}").format(reader))
        cur.execute(
            sql.SQL(
                "alter default privileges for role {} in schema gold grant select on tables to {}"
            ).format(owner, reader)
        )


def _hand_schemas_to_owner(cur: psycopg2.extensions.cursor) -> None:
    """Objects an earlier version built as postgres now belong to the owner role."""
    cur.execute(
        """
        select n.nspname, c.relname, c.relkind
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')
            and pg_get_userbyid(c.relowner) <> %s
        """,
        (list(WAREHOUSE_SCHEMAS), OWNER_USER),
    )
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view"}
    for schema, name, kind in cur.fetchall():
        cur.execute(
            sql.SQL(f"alter {kinds[kind]} {{}}.{{}} owner to {{}}").format(
                sql.Identifier(schema), sql.Identifier(name), sql.Identifier(OWNER_USER)
            )
        )
    cur.execute(
        "select nspname from pg_namespace where nspname = any(%s) "
        "and pg_get_userbyid(nspowner) <> %s",
        (list(WAREHOUSE_SCHEMAS), OWNER_USER),
    )
    for (schema,) in cur.fetchall():
        cur.execute(
            sql.SQL("alter schema {} owner to {}").format(
                sql.Identifier(schema), sql.Identifier(OWNER_USER)
            )
        )


def _install_pii_key(cur: psycopg2.extensions.cursor, grantee: sql.Composable | None) -> None:
    """private.pii_hmac_key: the HMAC pads gold hashes emails and phones with.

    Only its creator and `grantee` (the owner role) can read it; the reader cannot, so it
    cannot hash a known address and look it up.
    """
    inner, outer = hmac_pads(pii_key())
    schema, table = sql.Identifier(PRIVATE_SCHEMA), sql.Identifier(PII_KEY_TABLE)
    cur.execute(sql.SQL("create schema if not exists {}").format(schema))
    cur.execute(
        sql.SQL(
            "create table if not exists {}.{} (inner_pad_hex text not null, "
            "outer_pad_hex text not null)"
        ).format(schema, table)
    )
    cur.execute(
        sql.SQL("select inner_pad_hex = %s and outer_pad_hex = %s from {}.{}").format(
            schema, table
        ),
        (inner, outer),
    )
    if cur.fetchall() != [(True,)]:
        cur.execute(sql.SQL("delete from {}.{}").format(schema, table))
        cur.execute(
            sql.SQL("insert into {}.{} values (%s, %s)").format(schema, table), (inner, outer)
        )
    cur.execute(sql.SQL("revoke all on schema {} from public").format(schema))
    if grantee is not None:
        cur.execute(sql.SQL("grant usage on schema {} to {}").format(schema, grantee))
        cur.execute(sql.SQL("grant select on {}.{} to {}").format(schema, table, grantee))


def prepare_external(settings: ConnectionSettings) -> None:
    """On an external server: the PII key table, and the gold reader role if we may."""
    with autocommit_cursor(settings) as cur:
        _install_pii_key(cur, grantee=None)
    ensure_reader_role(settings)


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
    sub.add_parser("reset", help="drop the bronze, silver, gold, snapshots and quality schemas")
    role_help = (
        "embedded server's role: reader (analyst, gold only; default), owner "
        "(warehouse_owner, builds the layers) or admin (postgres); ignored with PGHOST"
    )
    for name, text in (
        ("uri", "print the libpq URI of the warehouse on the last line"),
        ("env", "print shell exports for the libpq variables"),
        ("psql", "open psql on the warehouse; further arguments go to psql"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--role", choices=sorted(ROLE_USERS), default="reader", help=role_help)
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
        settings = settings.as_role(args.role)
        connect(settings).close()
        print(settings.uri())
    elif args.command == "env":
        settings = settings.as_role(args.role)
        exports: list[tuple[str, object]] = [
            ("PGHOST", settings.host),
            ("PGPORT", settings.port),
            ("PGUSER", settings.user),
            ("PGDATABASE", settings.dbname),
        ]
        if settings.passfile:
            exports.append(("PGPASSFILE", settings.passfile))
        for key, value in exports:
            print(f"export {key}={value}")
    elif args.command == "psql":
        return psql(settings.as_role(args.role), extra)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
