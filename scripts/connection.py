"""Where the warehouse is, how to reach it, and as whom.

The standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) select
an external PostgreSQL; everything then connects as PGUSER, as it always did. Without
PGHOST, everything talks to the embedded server that ``python -m scripts.db start`` runs
on 127.0.0.1 (port FA_PG_PORT, default 54329), as the role its job needs:

- ``owner`` (warehouse_owner): dbt, the loader and the ML scripts, which build the layers;
- ``reader`` (analyst): the reports, ``make sql`` and ``make psql``, which read gold only;
- ``admin`` (postgres): server maintenance and ``make psql-admin``.

The embedded server asks every connection for a password (SCRAM). The passwords live in
a libpq password file beside the cluster (.pgdata/secrets/pgpass, mode 0600, git-ignored)
that libpq reads itself through PGPASSFILE, so no password passes through an argument.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import psycopg2
import psycopg2.extensions

from scripts.cli import UserError

EMBEDDED_HOST = "127.0.0.1"
DEFAULT_EMBEDDED_PORT = 54329
DEFAULT_DATABASE = "financial_analytics"
DEFAULT_USER = "postgres"  # an external server's user when PGUSER is unset
REPO_ROOT = Path(__file__).resolve().parent.parent

Role = Literal["owner", "reader", "admin"]
ADMIN_USER = "postgres"
OWNER_USER = "warehouse_owner"
READER_USER = "analyst"
ROLE_USERS: dict[str, str] = {"owner": OWNER_USER, "reader": READER_USER, "admin": ADMIN_USER}


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The embedded cluster's folder (.pgdata, or FA_PGDATA)."""
    env = os.environ if env is None else env
    return Path(env.get("FA_PGDATA", REPO_ROOT / ".pgdata")).resolve()


def secrets_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the embedded server's passwords and the PII hashing key live (owner-only)."""
    return data_dir(env) / "secrets"


def pgpass_path(env: Mapping[str, str] | None = None) -> Path:
    return secrets_dir(env) / "pgpass"


class DatabaseUnavailable(UserError):
    """The warehouse database cannot be reached."""


@dataclass(frozen=True)
class ConnectionSettings:
    host: str
    port: int
    user: str
    dbname: str
    password: str | None
    external: bool
    passfile: str | None = None

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, role: Role = "owner"
    ) -> ConnectionSettings:
        """Settings from the environment; `role` picks the embedded server's user.

        For the embedded server this also points PGPASSFILE (of this process, when `env`
        is os.environ) at the server's password file, so dbt and psql started from here
        authenticate without a prompt.
        """
        exported = env is None
        env = os.environ if env is None else env
        external = bool(env.get("PGHOST"))
        passfile = None if external else str(pgpass_path(env))
        if exported and passfile is not None:
            os.environ["PGPASSFILE"] = passfile
        default_port = env.get("FA_PG_PORT", str(DEFAULT_EMBEDDED_PORT))
        port_text = env.get("PGPORT", default_port) if external else default_port
        try:
            port = int(port_text)
        except ValueError as exc:
            raise UserError(
                f"port {port_text!r} is not a number (check PGPORT / FA_PG_PORT)"
            ) from exc
        return cls(
            host=env["PGHOST"] if external else EMBEDDED_HOST,
            port=port,
            user=env.get("PGUSER") or (DEFAULT_USER if external else ROLE_USERS[role]),
            dbname=env.get("PGDATABASE", DEFAULT_DATABASE),
            password=env.get("PGPASSWORD") or None,
            external=external,
            passfile=passfile,
        )

    def as_role(self, role: Role) -> ConnectionSettings:
        """The same server as another job's role (an external server keeps PGUSER)."""
        return self if self.external else replace(self, user=ROLE_USERS[role])

    def uri(self, dbname: str | None = None) -> str:
        """A libpq URI without the password (libpq reads PGPASSWORD or the passfile)."""
        uri = (
            f"postgresql://{quote(self.user, safe='')}@{self.host}:{self.port}/"
            f"{quote(dbname or self.dbname, safe='')}"
        )
        return f"{uri}?passfile={quote(self.passfile, safe='/')}" if self.passfile else uri

    def connect_kwargs(self, dbname: str | None = None) -> dict[str, object]:
        kwargs: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": dbname or self.dbname,
            "connect_timeout": 10,
            "application_name": "financial_analytics",
        }
        if self.password:
            kwargs["password"] = self.password
        if self.passfile:
            kwargs["passfile"] = self.passfile
        return kwargs

    def fix_hint(self) -> str:
        if self.external:
            return "check PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, or unset PGHOST to use the embedded server"
        return "start it with `make db-start` (or set PGHOST to use an external PostgreSQL)"

    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.dbname}"


def connect(
    settings: ConnectionSettings | None = None, dbname: str | None = None
) -> psycopg2.extensions.connection:
    """Open a connection, or raise DatabaseUnavailable with a one-line explanation."""
    settings = settings or ConnectionSettings.from_env()
    try:
        return psycopg2.connect(**settings.connect_kwargs(dbname))
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        raise DatabaseUnavailable(
            f"cannot reach PostgreSQL at {settings.host}:{settings.port} "
            f"(database {dbname or settings.dbname}): {reason}; {settings.fix_hint()}"
        ) from exc


@contextlib.contextmanager
def autocommit_connection(
    settings: ConnectionSettings | None = None, dbname: str | None = None
) -> Iterator[psycopg2.extensions.connection]:
    """A connection whose every statement commits on its own, closed on exit."""
    conn = connect(settings, dbname)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def autocommit_cursor(
    settings: ConnectionSettings | None = None, dbname: str | None = None
) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor on an autocommit connection, both closed on exit."""
    with autocommit_connection(settings, dbname) as conn, conn.cursor() as cur:
        yield cur
