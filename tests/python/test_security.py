"""Least privilege and privacy: the embedded server wants its secret, each role can do
its job and nothing more, and gold cannot be re-identified.

The checks of the embedded server itself (authentication, process ids, secret files) skip
on an external server (PGHOST), which is its administrator's business.
"""

from __future__ import annotations

import hashlib
import hmac
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest

from scripts import db
from scripts.connection import (
    ConnectionSettings,
    DatabaseUnavailable,
    autocommit_connection,
    connect,
    pgpass_path,
    secrets_dir,
)
from tests.python.helpers import REPO_ROOT, Warehouse, scalar

pytestmark = pytest.mark.integration

# at most this share of current customers may be unique on what the reader can combine
# (5.7% on the tests' 400 customers; fewer on larger populations)
# (README, "The warehouse database", states the measured figure)
MAX_UNIQUE_SHARE = 0.08
# what a reader of gold can combine about a customer: dim_customer's demographics
QUASI_IDENTIFIERS = ("age_band", "region", "country", "customer_segment")
# control and format characters that must never reach gold (U+202E among them)
INVISIBLE = r"[[:cntrl:]\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"


def embedded_only(settings: ConnectionSettings) -> None:
    if settings.external:
        pytest.skip("PGHOST is set: the external server's security is its administrator's")


@pytest.fixture
def reader(warehouse: Warehouse) -> Iterator[psycopg2.extensions.connection]:
    with autocommit_connection(warehouse.settings.as_role("reader")) as connection:
        yield connection


def refused(connection: psycopg2.extensions.connection, statement: str) -> psycopg2.Error:
    with pytest.raises(psycopg2.Error) as caught, connection.cursor() as cur:
        cur.execute(statement)
    return caught.value


# -- the embedded server wants its secret ----------------------------------------------


@pytest.mark.parametrize("role", ["admin", "owner", "reader"])
def test_a_connection_without_the_secret_is_refused(
    warehouse_settings: ConnectionSettings, role: str, tmp_path: Path
) -> None:
    embedded_only(warehouse_settings)
    settings = warehouse_settings.as_role(role)  # type: ignore[arg-type]
    empty = tmp_path / "pgpass"
    empty.write_text("")
    empty.chmod(0o600)
    without = replace(settings, passfile=str(empty), password=None)
    with pytest.raises(DatabaseUnavailable, match="password"):
        connect(without).close()
    wrong = replace(settings, passfile=str(empty), password="not-the-secret")
    with pytest.raises(DatabaseUnavailable, match="password authentication failed"):
        connect(wrong).close()
    connect(settings).close()  # with the secret file it works


def test_no_trust_rule_and_no_socket(warehouse_settings: ConnectionSettings) -> None:
    embedded_only(warehouse_settings)
    admin = connect(warehouse_settings.as_role("admin"))
    try:
        with admin.cursor() as cur:
            cur.execute("select type, auth_method from pg_hba_file_rules where error is null")
            rules = cur.fetchall()
            cur.execute("show unix_socket_directories")
            (sockets,) = cur.fetchone()
    finally:
        admin.close()
    assert rules == [("host", "scram-sha-256")]
    assert sockets == ""


def test_the_server_process_has_no_root_uid_or_gid(warehouse_settings: ConnectionSettings) -> None:
    embedded_only(warehouse_settings)
    pid = int((db.data_dir() / "data" / "postmaster.pid").read_text().splitlines()[0])
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    uids = {int(value) for value in status["Uid"].split()}
    gids = {int(value) for value in status["Gid"].split()}
    groups = {int(value) for value in status["Groups"].split()}
    assert 0 not in uids, f"server uids {uids}"
    assert 0 not in gids | groups, f"server gids {gids}, groups {groups}"


def test_the_secrets_are_readable_by_their_owner_only(
    warehouse_settings: ConnectionSettings,
) -> None:
    embedded_only(warehouse_settings)
    assert stat.S_IMODE(secrets_dir().stat().st_mode) == 0o700
    for path in (pgpass_path(), secrets_dir() / db.PII_KEY_FILE):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(pgpass_path())], cwd=REPO_ROOT, check=False
    )
    if secrets_dir().is_relative_to(REPO_ROOT):
        assert ignored.returncode == 0, "the secrets folder must be git-ignored"


def test_the_repository_holds_no_secret(warehouse_settings: ConnectionSettings) -> None:
    embedded_only(warehouse_settings)
    secrets = [*db.read_passwords().values(), db.pii_key().hex(), *db.hmac_pads(db.pii_key())]
    assert len(secrets) == 6
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    leaks = []
    for name in filter(None, tracked):
        path = REPO_ROOT / name.decode()
        if not path.is_file():
            continue
        content = path.read_bytes()
        leaks += [name.decode() for secret in secrets if secret.encode() in content]
    assert leaks == []


# -- roles by job ----------------------------------------------------------------------


def test_the_reader_reads_gold_and_nothing_else(
    warehouse: Warehouse, reader: psycopg2.extensions.connection
) -> None:
    assert scalar(reader, "select current_user") == "analyst"
    assert scalar(reader, "select rolsuper from pg_roles where rolname = current_user") is False
    for relation in (
        "dim_customer",
        "fact_transactions",
        "ml_churn_scores",
        "descriptive_analytics",
    ):
        assert scalar(reader, f"select count(*) > 0 from gold.{relation}") is True, relation
    for relation in (
        "bronze.customers",
        "silver.stg_customers",
        "snapshots.snap_customers",
        "private.pii_hmac_key",
    ):
        error = refused(reader, f"select * from {relation} limit 1")
        assert isinstance(error, psycopg2.errors.InsufficientPrivilege), relation


def test_the_reader_cannot_write(reader: psycopg2.extensions.connection) -> None:
    for statement in (
        "delete from gold.dim_customer",
        "create table gold.scratch (x int)",
        "create table public.scratch (x int)",
        "create temporary table scratch (x int)",
        "copy (select 1) to program 'id'",
    ):
        assert refused(reader, statement) is not None, statement
    # even in a read-write transaction the role has no write privilege
    reader.autocommit = False
    with reader.cursor() as cur:
        cur.execute("set transaction read write")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("update gold.dim_customer set region = region")
    reader.rollback()


def test_the_owner_builds_but_administers_nothing(
    warehouse: Warehouse, conn: psycopg2.extensions.connection
) -> None:
    if warehouse.settings.external:
        pytest.skip("the external server's PGUSER is its administrator's choice")
    assert scalar(conn, "select current_user") == "warehouse_owner"
    assert scalar(conn, "select rolsuper from pg_roles where rolname = current_user") is False
    for relation in ("bronze.customers", "silver.stg_customers", "snapshots.snap_customers"):
        assert scalar(conn, f"select count(*) > 0 from {relation}") is True
    for statement in (
        "copy (select 1) to program 'id'",
        "create role intruder",
        "alter system set log_statement = 'all'",
        "select pg_read_file('postgresql.conf')",
    ):
        assert isinstance(refused(conn, statement), psycopg2.errors.InsufficientPrivilege), (
            statement
        )


# -- privacy in gold ---------------------------------------------------------------------


def test_gold_shows_no_direct_identifier(reader: psycopg2.extensions.connection) -> None:
    with reader.cursor() as cur:
        cur.execute(
            """
            select table_name, column_name from information_schema.columns
            where table_schema = 'gold'
                and table_name in (
                    select table_name from information_schema.columns
                    where table_schema = 'gold' and column_name = 'customer_id'
                )
                and column_name ~ '(first|last)_name|name_masked|^email$|^phone$|email_hash|phone_hash|address|birth|^city$|^state$|^age_years$'
            """
        )
        assert cur.fetchall() == []


def test_a_known_email_or_phone_does_not_find_the_customer(
    warehouse: Warehouse,
    conn: psycopg2.extensions.connection,
    reader: psycopg2.extensions.connection,
) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "select customer_id, email, phone from silver.stg_customers "
            "where email is not null and phone is not null order by customer_id limit 20"
        )
        known = cur.fetchall()
    assert known
    with reader.cursor() as cur:
        for _customer_id, email, phone in known:
            for value in (email, email.strip().lower(), phone, "".join(filter(str.isdigit, phone))):
                cur.execute(
                    """
                    select count(*) from gold.dim_customer
                    where %(v)s in (email_hmac, phone_hmac)
                        or md5(%(v)s) in (email_hmac, phone_hmac)
                        or encode(sha256(convert_to(%(v)s, 'UTF8')), 'hex') in (email_hmac, phone_hmac)
                    """,
                    {"v": value},
                )
                assert cur.fetchone()[0] == 0, "a known contact detail finds its customer"
    if warehouse.settings.external:
        return
    # with the key (beside the password, not in the database the reader sees) the hash
    # is the documented HMAC-SHA256, so the columns still join
    customer_id, email, _phone = known[0]
    expected = hmac.new(db.pii_key(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
    found = scalar(
        conn,
        "select email_hmac from gold.dim_customer where customer_id = %s and is_current",
        customer_id,
    )
    assert found == expected


def unique_share(connection: psycopg2.extensions.connection, columns: tuple[str, ...]) -> float:
    key = ", ".join(columns)
    return float(
        scalar(
            connection,
            f"""
            select avg(case when class_size = 1 then 1.0 else 0.0 end) from (
                select count(*) over (partition by {key}) as class_size
                from gold.dim_customer
                where is_current and customer_key <> -1
            ) as classes
            """,
        )
    )


def test_few_customers_are_unique_on_what_the_reader_can_combine(
    reader: psycopg2.extensions.connection,
) -> None:
    share = unique_share(reader, QUASI_IDENTIFIERS)
    assert share <= MAX_UNIQUE_SHARE, f"{share:.1%} of current customers are unique"


def test_gold_text_carries_no_control_or_format_character(
    conn: psycopg2.extensions.connection,
) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'gold' and table_name = 'dim_customer' "
            "and data_type = 'text'"
        )
        columns = [name for (name,) in cur.fetchall()]
        assert len(columns) > 10
        condition = " or ".join(f"{name} ~ %(pattern)s" for name in columns)
        cur.execute(
            f"select count(*) from gold.dim_customer where {condition}", {"pattern": INVISIBLE}
        )
        assert cur.fetchone()[0] == 0
