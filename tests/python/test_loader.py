"""The loader's promises: COPY per batch in one transaction, nothing left by a killed or
failed load, no duplicates on re-runs, one readable line for every error."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2.extensions
import pytest

from scripts.bronze_schema import ALL_TABLES
from tests.python.helpers import REPO_ROOT, run_module

pytestmark = pytest.mark.integration

PRODUCT_ROW = "PRD001,Everyday Checking,deposit,checking,0.1000,0,5.00,500,,,true,2020-01-01,2023-01-01T00:00:00+00:00"
TRANSACTION_ROW = (
    "TXN000000000001,ACC0000001,CUS0000001,MER00001,2023-03-01T10:00:00+00:00,-12.50,USD,"
    "purchase,pos,true,approved,,0.00,,,coffee,false,2023-03-01T10:00:01+00:00"
)


def write_batch(data_dir: Path, batch_id: str, rows: dict[str, list[str]]) -> Path:
    """A batch folder in the generator's format with the given data lines per table."""
    folder = data_dir / "batches" / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in ALL_TABLES:
        lines = rows.get(table.name, [])
        with (folder / f"{table.name}.csv").open("w") as handle:
            handle.write(",".join(table.column_names) + "\n")
            handle.writelines(line + "\n" for line in lines)
        counts[table.name] = len(lines)
    meta = {
        "batch_id": batch_id,
        "kind": "test",
        "as_of": "2023-12-31T00:00:00+00:00",
        "tables": counts,
    }
    (folder / "batch.json").write_text(json.dumps(meta))
    (data_dir / "manifest.json").write_text(json.dumps({"seed": 0, "batches": [batch_id]}))
    return folder


def count(conn: psycopg2.extensions.connection, table: str, batch_id: str | None = None) -> int:
    with conn.cursor() as cur:
        if batch_id is None:
            cur.execute(f"select count(*) from bronze.{table}")
        else:
            cur.execute(f"select count(*) from bronze.{table} where _batch_id = %s", (batch_id,))
        return cur.fetchone()[0]


@pytest.fixture
def empty_bronze(loader_conn: psycopg2.extensions.connection) -> psycopg2.extensions.connection:
    with loader_conn.cursor() as cur:
        cur.execute("drop schema if exists bronze cascade")
    return loader_conn


def test_loads_each_batch_once_and_stamps_the_batch(tmp_path, empty_bronze, loader_env):
    write_batch(
        tmp_path, "b0001", {"products": [PRODUCT_ROW], "transactions": [TRANSACTION_ROW] * 3}
    )
    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)
    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)  # nothing pending
    assert count(empty_bronze, "transactions", "b0001") == 3

    write_batch(
        tmp_path, "b0002", {"products": [PRODUCT_ROW], "transactions": [TRANSACTION_ROW] * 2}
    )
    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)
    run_module(
        "scripts.load", "--data-dir", str(tmp_path), "--batch", "b0002", "--reload", env=loader_env
    )
    assert count(empty_bronze, "transactions") == 5, (
        "append tables keep every batch, reload replaces"
    )
    assert count(empty_bronze, "products") == 1, "replace tables hold the newest extract only"
    with empty_bronze.cursor() as cur:
        cur.execute(
            "select batch_id, count(*) from bronze.load_log where status = 'succeeded' group by 1 order by 1"
        )
        assert cur.fetchall() == [("b0001", len(ALL_TABLES)), ("b0002", len(ALL_TABLES))]
        cur.execute("select count(*) from bronze._manifest")
        assert cur.fetchone()[0] == 2
        cur.execute("select batch_id, as_of::date::text from bronze.batches order by 1")
        assert cur.fetchall() == [("b0001", "2023-12-31"), ("b0002", "2023-12-31")]


def test_reloading_an_older_batch_is_refused(tmp_path, empty_bronze, loader_env):
    write_batch(tmp_path, "b0001", {"products": [PRODUCT_ROW]})
    write_batch(tmp_path, "b0002", {"products": [PRODUCT_ROW]})
    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)
    result = run_module(
        "scripts.load",
        "--data-dir",
        str(tmp_path),
        "--batch",
        "b0001",
        "--reload",
        env=loader_env,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: only the newest loaded batch")


def test_a_malformed_row_fails_the_whole_batch_with_one_line(tmp_path, empty_bronze, loader_env):
    bad_product = PRODUCT_ROW.replace("0.1000", "ten percent")
    write_batch(
        tmp_path, "b0001", {"transactions": [TRANSACTION_ROW] * 4, "products": [bad_product]}
    )
    result = run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert (
        "products.csv" in lines[0]
        and "interest_rate" in lines[0]
        and "bronze unchanged" in lines[0]
    )
    assert count(empty_bronze, "transactions") == 0, (
        "tables copied before the bad one are rolled back"
    )
    with empty_bronze.cursor() as cur:
        cur.execute("select status from bronze.load_log")
        assert [row[0] for row in cur.fetchall()] == ["failed"]


def test_a_header_that_breaks_the_contract_is_refused(tmp_path, empty_bronze, loader_env):
    folder = write_batch(tmp_path, "b0001", {})
    (folder / "merchants.csv").write_text("merchant_id,name\n")
    result = run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env, check=False)
    assert result.returncode == 2
    assert "header does not match the bronze contract" in result.stderr


def test_a_killed_load_leaves_bronze_exactly_as_before(tmp_path, empty_bronze, loader_env):
    write_batch(tmp_path, "b0001", {"transactions": [TRANSACTION_ROW] * 5})
    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)

    big = 400_000  # large enough that COPY is still running when we kill it
    folder = write_batch(tmp_path, "b0002", {"products": [PRODUCT_ROW]})
    header = (folder / "transactions.csv").read_text()
    (folder / "transactions.csv").write_text(header + (TRANSACTION_ROW + "\n") * big)
    meta = json.loads((folder / "batch.json").read_text())
    meta["tables"]["transactions"] = big
    (folder / "batch.json").write_text(json.dumps(meta))

    loader = subprocess.Popen(
        [sys.executable, "-m", "scripts.load", "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=loader_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    copying = False
    while time.monotonic() < deadline and loader.poll() is None:
        with empty_bronze.cursor() as cur:
            cur.execute(
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and query like 'copy bronze.transactions%%'"
            )
            if cur.fetchone()[0]:
                copying = True
                break
        time.sleep(0.01)
    assert copying, "the load finished before it could be killed; raise `big`"
    loader.send_signal(signal.SIGKILL)
    loader.wait()

    # The server notices the dropped connection and rolls the transaction back.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with empty_bronze.cursor() as cur:
            cur.execute("select count(*) from pg_stat_activity where query like 'copy bronze.%%'")
            if cur.fetchone()[0] == 0:
                break
        time.sleep(0.1)
    assert count(empty_bronze, "transactions") == 5
    assert count(empty_bronze, "products") == 0
    with empty_bronze.cursor() as cur:
        cur.execute("select count(*) from bronze.load_log where batch_id = 'b0002'")
        assert cur.fetchone()[0] == 0

    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)
    assert count(empty_bronze, "transactions") == 5 + big


def test_unreachable_database_is_one_line(tmp_path, loader_env):
    write_batch(tmp_path, "b0001", {})
    env = dict(loader_env, PGHOST="127.0.0.1", PGPORT="1")
    result = run_module("scripts.load", "--data-dir", str(tmp_path), env=env, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach PostgreSQL at 127.0.0.1:1" in lines[0]


def test_missing_data_dir_is_one_line(tmp_path, loader_env):
    result = run_module(
        "scripts.load", "--data-dir", str(tmp_path / "nowhere"), env=loader_env, check=False
    )
    assert result.returncode == 2
    assert "run `make generate` first" in result.stderr
