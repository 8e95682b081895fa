"""The loader's promises: COPY per batch in one transaction, nothing left by a killed or
failed load, no duplicates on re-runs, one readable line for every error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2.extensions
import pytest

from scripts.batch_integrity import file_digest
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
    refresh_digests(folder)
    (data_dir / "manifest.json").write_text(json.dumps({"seed": 0, "batches": [batch_id]}))
    return folder


def write_big_batch(data_dir: Path, batch_id: str, rows: dict[str, list[str]]) -> int:
    """A batch whose transactions file is large enough that COPY is still running when a
    test interrupts it; returns its transaction count."""
    big = 400_000
    folder = write_batch(data_dir, batch_id, rows)
    header = (folder / "transactions.csv").read_text()
    (folder / "transactions.csv").write_text(header + (TRANSACTION_ROW + "\n") * big)
    meta = json.loads((folder / "batch.json").read_text())
    meta["tables"]["transactions"] = big
    (folder / "batch.json").write_text(json.dumps(meta))
    refresh_digests(folder)
    return big


def refresh_digests(folder: Path) -> None:
    """Record every file's size and SHA-256 in batch.json, as the generator does."""
    meta = json.loads((folder / "batch.json").read_text())
    meta["files"] = {t.name: file_digest(folder / f"{t.name}.csv") for t in ALL_TABLES}
    (folder / "batch.json").write_text(json.dumps(meta))


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
            "select batch_id, attempt, count(*) from bronze.load_log where status = 'succeeded' "
            "group by 1, 2 order by 1, 2"
        )
        assert cur.fetchall() == [
            ("b0001", 1, len(ALL_TABLES)),
            ("b0002", 1, len(ALL_TABLES)),
            ("b0002", 2, len(ALL_TABLES)),
        ], "the load log keeps every attempt, the reload's too"
        cur.execute("select count(*) from bronze._manifest")
        assert cur.fetchone()[0] == 2
        cur.execute("select batch_id, as_of::date::text from bronze.batches order by 1")
        assert cur.fetchall() == [("b0001", "2023-12-31"), ("b0002", "2023-12-31")]
        # silver finds a reloaded batch's earlier load by this: every row's load time is
        # its batch's loaded_at, the reload's for a reloaded batch
        cur.execute(
            "select count(*) from bronze.transactions as row "
            "left join bronze.batches as batch "
            "on row._batch_id = batch.batch_id and row._loaded_at = batch.loaded_at "
            "where batch.batch_id is null"
        )
        assert cur.fetchone()[0] == 0, "every row's (_batch_id, _loaded_at) is its batch's load"


def test_load_times_follow_the_load_lock(tmp_path, empty_bronze, loader_env):
    """Every row of a batch has one _loaded_at, taken after the load lock is held: a load
    that waited for another is stamped later than the moment the other let go, so load
    times grow in commit order."""
    write_batch(
        tmp_path, "b0001", {"products": [PRODUCT_ROW], "transactions": [TRANSACTION_ROW] * 2}
    )
    lock = "pg_advisory_lock(hashtext('financial_analytics.bronze_load'))"
    with empty_bronze.cursor() as cur:
        cur.execute(f"select {lock}")
    loader = subprocess.Popen(
        [sys.executable, "-m", "scripts.load", "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=loader_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        waiting = False
        while time.monotonic() < deadline and not waiting and loader.poll() is None:
            with empty_bronze.cursor() as cur:
                cur.execute(
                    "select count(*) from pg_stat_activity where datname = current_database() "
                    "and wait_event = 'advisory' and query like %s",
                    (f"%{lock}%",),
                )
                waiting = cur.fetchone()[0] > 0
            time.sleep(0.05)
        assert waiting, "the loader never waited for the load lock"
        with empty_bronze.cursor() as cur:
            cur.execute("select clock_timestamp()")
            released_at = cur.fetchone()[0]
    finally:
        with empty_bronze.cursor() as cur:
            cur.execute(f"select {lock.replace('lock(', 'unlock(', 1)}")
        _, stderr = loader.communicate(timeout=60)
    assert loader.returncode == 0, stderr
    with empty_bronze.cursor() as cur:
        cur.execute(
            "select count(distinct _loaded_at), min(_loaded_at) from ("
            "select _loaded_at from bronze.products union all "
            "select _loaded_at from bronze.transactions) as stamped"
        )
        distinct, first = cur.fetchone()
    assert distinct == 1, "one load time per batch"
    assert first > released_at, "stamped after the lock was held, not when the load began"


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


def test_malformed_values_are_quarantined_and_the_good_rows_load(
    tmp_path, empty_bronze, loader_env
):
    bad_product = PRODUCT_ROW.replace("0.1000", "ten percent")
    huge_amount = TRANSACTION_ROW.replace("TXN000000000001", "TXN000000000009").replace(
        "-12.50", "1e300"
    )
    nul_byte = TRANSACTION_ROW.replace("coffee", "cof\x00fee")
    good = [TRANSACTION_ROW.replace("001,", f"00{n},", 1) for n in range(2, 6)]
    write_batch(
        tmp_path,
        "b0001",
        {
            "transactions": [good[0], huge_amount, *good[1:3], nul_byte, good[3]],
            "products": [bad_product],
        },
    )
    result = run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)
    assert "quarantined" in result.stderr
    assert count(empty_bronze, "transactions") == 4, "every good row of the batch reaches bronze"
    assert count(empty_bronze, "products") == 0
    with empty_bronze.cursor() as cur:
        cur.execute(
            "select table_name, line_number, reason, raw_record from bronze.load_quarantine "
            "order by table_name, line_number"
        )
        quarantined = cur.fetchall()
        cur.execute(
            "select table_name, rows_loaded, rows_quarantined from bronze.load_log "
            "where table_name in ('products', 'transactions') order by 1"
        )
        logged = cur.fetchall()
    assert [(table, line) for table, line, _, _ in quarantined] == [
        ("products", 2),
        ("transactions", 3),
        ("transactions", 6),
    ], "each malformed record is kept with its line in the file (the header is line 1)"
    reasons = [reason for _, _, reason, _ in quarantined]
    assert reasons[0].startswith("interest_rate:") and "ten percent" in reasons[0]
    assert reasons[1].startswith("amount:") and "overflow" in reasons[1]
    assert reasons[2] == "NUL byte in the record"
    assert quarantined[0][3] == bad_product, "kept verbatim"
    assert logged == [("products", 0, 1), ("transactions", 4, 2)]


def test_the_load_log_keeps_a_failed_attempt(tmp_path, empty_bronze, loader_env):
    folder = write_batch(tmp_path, "b0001", {"transactions": [TRANSACTION_ROW] * 2})
    meta = json.loads((folder / "batch.json").read_text())
    meta["tables"]["transactions"] = 3  # the file lost a row
    (folder / "batch.json").write_text(json.dumps(meta))
    result = run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "batch.json says 3" in lines[0] and "bronze unchanged" in lines[0]
    assert count(empty_bronze, "transactions") == 0

    write_batch(tmp_path, "b0001", {"transactions": [TRANSACTION_ROW] * 2})
    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)
    with empty_bronze.cursor() as cur:
        cur.execute("select distinct attempt, status from bronze.load_log order by 1")
        assert cur.fetchall() == [(1, "failed"), (2, "succeeded")]


def test_a_header_that_breaks_the_contract_is_refused(tmp_path, empty_bronze, loader_env):
    folder = write_batch(tmp_path, "b0001", {})
    (folder / "merchants.csv").write_text("merchant_id,name\n")
    result = run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env, check=False)
    assert result.returncode == 2
    assert "header does not match the bronze contract" in result.stderr


def test_a_killed_load_leaves_bronze_exactly_as_before(tmp_path, empty_bronze, loader_env):
    write_batch(tmp_path, "b0001", {"transactions": [TRANSACTION_ROW] * 5})
    run_module("scripts.load", "--data-dir", str(tmp_path), env=loader_env)

    big = write_big_batch(tmp_path, "b0002", {"products": [PRODUCT_ROW]})

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


def generated_batch(tmp_path: Path, seed: int = 3) -> Path:
    """A tiny batch made by the generator itself (it records sizes, digests and data set)."""
    data_dir = tmp_path / f"data_{seed}"
    run_module(
        "scripts.generate",
        "--reset",
        "--out-dir",
        str(data_dir),
        "--customers",
        "30",
        "--transactions",
        "300",
        "--seed",
        str(seed),
        "--log-level",
        "WARNING",
        env=dict(os.environ),
    )
    return data_dir


def test_a_truncated_file_is_refused_before_any_copy(tmp_path, empty_bronze, loader_env):
    data_dir = generated_batch(tmp_path)
    path = data_dir / "batches" / "b0001" / "transactions.csv"
    text = path.read_bytes()
    path.write_bytes(text[: text.rstrip(b"\n").rfind(b",") + 10])  # cut inside the last field
    result = run_module("scripts.load", "--data-dir", str(data_dir), env=loader_env, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "truncated or edited" in lines[0], result.stderr
    assert count(empty_bronze, "products") == 0


def test_a_file_edited_in_place_is_refused_and_rolled_back(tmp_path, empty_bronze, loader_env):
    data_dir = generated_batch(tmp_path)
    path = data_dir / "batches" / "b0001" / "transactions.csv"
    text = path.read_bytes()
    cut = text.index(b"\n") + 10
    path.write_bytes(text[:cut] + (b"7" if text[cut : cut + 1] != b"7" else b"8") + text[cut + 1 :])
    result = run_module("scripts.load", "--data-dir", str(data_dir), env=loader_env, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not match its SHA-256" in lines[0], result.stderr
    assert count(empty_bronze, "products") == 0, "tables copied before it are rolled back"


def test_a_batch_of_another_data_set_is_refused(tmp_path, empty_bronze, loader_env):
    run_module("scripts.load", "--data-dir", str(generated_batch(tmp_path, seed=3)), env=loader_env)
    other = generated_batch(tmp_path, seed=4)
    result = run_module("scripts.load", "--data-dir", str(other), env=loader_env, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "another data set" in lines[0] and "make reset" in lines[0]


def test_losing_the_server_mid_load_is_one_line(tmp_path, empty_bronze, loader_env):
    write_big_batch(tmp_path, "b0001", {})
    loader = subprocess.Popen(
        [sys.executable, "-m", "scripts.load", "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=loader_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    terminated = False
    while time.monotonic() < deadline and loader.poll() is None and not terminated:
        with empty_bronze.cursor() as cur:
            cur.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = current_database() and query like 'copy bronze.transactions%%'"
            )
            terminated = bool(cur.fetchall())
        time.sleep(0.01)
    assert terminated, "the load finished before its connection could be cut; raise `big`"
    _, stderr = loader.communicate(timeout=60)
    assert loader.returncode == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: lost the connection"), stderr
    assert count(empty_bronze, "transactions") == 0
