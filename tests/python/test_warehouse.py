"""Warehouse-wide promises: dbt builds and tests pass on generated data, an incremental
run gives the same rows as a full refresh, and re-running the pipeline gives identical
silver and gold."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scripts.connection import connect
from scripts.pipeline import dbt, run_pipeline
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
