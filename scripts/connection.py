"""Where the warehouse is and how to reach it.

The standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) select
an external PostgreSQL. Without PGHOST, everything talks to the embedded server that
``python -m scripts.db start`` runs on 127.0.0.1 (port FA_PG_PORT, default 54329).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import psycopg2
import psycopg2.extensions

from scripts.cli import UserError

EMBEDDED_HOST = "127.0.0.1"
DEFAULT_EMBEDDED_PORT = 54329
DEFAULT_DATABASE = "financial_analytics"
DEFAULT_USER = "postgres"


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConnectionSettings:
        env = os.environ if env is None else env
        external = bool(env.get("PGHOST"))
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
            user=env.get("PGUSER", DEFAULT_USER),
            dbname=env.get("PGDATABASE", DEFAULT_DATABASE),
            password=env.get("PGPASSWORD") or None,
            external=external,
        )

    def uri(self, dbname: str | None = None) -> str:
        """A libpq URI without the password (libpq reads PGPASSWORD itself)."""
        return (
            f"postgresql://{quote(self.user, safe='')}@{self.host}:{self.port}/"
            f"{quote(dbname or self.dbname, safe='')}"
        )

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
