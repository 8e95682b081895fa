"""Warehouse-wide promises: dbt builds and tests pass on generated data, an incremental
run gives the same rows as a full refresh, and re-running the pipeline gives identical
silver and gold."""

from __future__ import annotations

import subprocess
from dataclasses import replace

import pytest

from scripts.connection import connect
from scripts.pipeline import REPO_ROOT, dbt, dbt_executable, run_pipeline
from tests.python.helpers import Warehouse, table_fingerprints

pytestmark = pytest.mark.integration

LAYERS = ("silver", "gold")


@pytest.fixture(scope="module")
def built(warehouse: Warehouse) -> dict[str, tuple[int, str]]:
    """Fingerprints of silver and gold right after the pipeline's incremental cycles."""
    conn = connect(warehouse.settings)
    try:
        return table_fingerprints(conn, LAYERS)
    finally:
        conn.close()


def test_gold_is_built_and_not_empty(built):
    gold = {name: rows for name, (rows, _) in built.items() if name.startswith("gold.")}
    for table in ("gold.dim_customer", "gold.dim_date", "gold.fact_transactions"):
        assert gold.get(table, 0) > 0, f"{table} is missing or empty"


def test_every_data_test_passes_on_every_row(built):
    # the incremental builds tested only the rows they wrote; `dbt test` tests every row
    dbt("test", "--exclude-resource-type", "unit_test", "--quiet")


def dbt_exit_code(*args: str) -> int:
    return subprocess.run([dbt_executable(), *args, "--quiet"], cwd=REPO_ROOT).returncode


def test_the_generated_sources_raise_no_finding(built):
    # source findings only warn in a build; on the generator's data each must find nothing
    assert dbt_exit_code("--warn-error", "test", "--select", "tag:source_finding") == 0


def test_scoped_tests_check_the_rows_of_the_latest_write(built, conn):
    """In `dbt build` a test of an incremental model reads the rows its latest run wrote: a
    bad row written earlier passes it, one written last fails it; `dbt test` reads all."""
    selector = ("--select", "fact_transactions,test_name:accepted_values")
    scoped, every_row = ("build", *selector), ("test", *selector)
    latest = "(select max(dbt_loaded_at) from gold.fact_transactions)"
    with conn.cursor() as cur:
        rows = {}
        for label, condition in (("earlier", f"< {latest}"), ("latest", f"= {latest}")):
            cur.execute(
                "select transaction_id, channel from gold.fact_transactions "
                f"where dbt_loaded_at {condition} order by transaction_id limit 1"
            )
            rows[label] = cur.fetchone()
        assert rows["earlier"] and rows["latest"], "the pipeline wrote fact_transactions once"

        def set_channel(transaction_id: str, channel: str) -> None:
            cur.execute(
                "update gold.fact_transactions set channel = %s where transaction_id = %s",
                (channel, transaction_id),
            )

        try:
            set_channel(rows["earlier"][0], "carrier_pigeon")
            assert dbt_exit_code(*scoped) == 0, "a scoped test read an earlier write"
            assert dbt_exit_code(*every_row) == 1, "a test of every row missed a bad row"
            set_channel(*rows["earlier"])
            set_channel(rows["latest"][0], "carrier_pigeon")
            assert dbt_exit_code(*scoped) == 1, "a scoped test missed a row the run wrote"
        finally:
            set_channel(*rows["earlier"])
            set_channel(*rows["latest"])


def test_incremental_runs_equal_a_full_refresh(warehouse, built, conn):
    dbt("run", "--full-refresh")
    refreshed = table_fingerprints(conn, LAYERS)
    different = sorted(name for name in built if built[name] != refreshed.get(name))
    assert not different, f"incremental and full-refresh builds differ in {different}"


def test_rerunning_the_pipeline_gives_identical_silver_and_gold(warehouse, built, conn):
    # the first run tested every model; this one only has to rebuild the same tables
    run_pipeline(replace(warehouse.options, run_tests=False))
    rerun = table_fingerprints(conn, LAYERS)
    assert rerun.keys() == built.keys()
    different = sorted(name for name in built if built[name] != rerun[name])
    assert not different, f"a second run of the same inputs changed {different}"
