"""Shared fixtures: dedicated test databases and a small warehouse built once per session.

Tests never touch the demo database. The warehouse tests run in FA_TEST_DATABASE
(default financial_analytics_test), which every subprocess inherits through PGDATABASE;
the loader tests, which drop and refill bronze, get a database of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg2.extensions
import pytest

from scripts import db
from scripts.connection import ConnectionSettings, autocommit_connection
from scripts.pipeline import PipelineOptions, run_pipeline
from tests.python.helpers import REPO_ROOT, Warehouse

TEST_DATABASE = os.environ.get("FA_TEST_DATABASE", "financial_analytics_test")
LOADER_DATABASE = f"{TEST_DATABASE}_loader"

# The small data set the warehouse tests build: big enough for every planted truth to
# show, small enough for `make test` to stay well under its time budget. One year, where
# the default data spans two: the economy's elasticities need the second year and are
# tested on the default data set (test_ml.py); at this scale a second year would halve
# each customer's history and the fraud signatures with it.
SMALL = PipelineOptions(
    customers=400,
    transactions=12_000,
    start_date="2023-01-01",
    advance_cycles=1,
    advance_days=7,
)


def pytest_configure(config: pytest.Config) -> None:
    os.environ["PGDATABASE"] = TEST_DATABASE
    os.environ["PYTHONPATH"] = str(REPO_ROOT)
    os.environ["DBT_PROFILES_DIR"] = str(REPO_ROOT)
    # one dbt target and log folder per test database, so two sessions on different
    # databases (FA_TEST_DATABASE) never share dbt's manifest
    suffix = "test" if TEST_DATABASE == "financial_analytics_test" else TEST_DATABASE
    os.environ["DBT_TARGET_PATH"] = str(REPO_ROOT / f"target_{suffix}")
    os.environ["DBT_LOG_PATH"] = str(REPO_ROOT / f"logs_{suffix}")
    # the embedded server's password file (PGPASSFILE) for every dbt and psql subprocess
    ConnectionSettings.from_env()


def _database(name: str) -> ConnectionSettings:
    settings = replace(ConnectionSettings.from_env(), dbname=name)
    if not settings.external:
        db.start(settings)
    db.ensure_database(settings)
    return settings


@pytest.fixture(scope="session")
def warehouse_settings() -> ConnectionSettings:
    return _database(TEST_DATABASE)


@pytest.fixture(scope="session")
def loader_settings() -> ConnectionSettings:
    return _database(LOADER_DATABASE)


@pytest.fixture(scope="session")
def loader_env(loader_settings: ConnectionSettings) -> dict[str, str]:
    """Environment for loader subprocesses: the loader's own database."""
    return dict(os.environ, PGDATABASE=loader_settings.dbname)


@pytest.fixture
def loader_conn(loader_settings: ConnectionSettings) -> Iterator[psycopg2.extensions.connection]:
    with autocommit_connection(loader_settings) as connection:
        yield connection


@pytest.fixture(scope="session")
def warehouse(
    warehouse_settings: ConnectionSettings, tmp_path_factory: pytest.TempPathFactory
) -> Warehouse:
    """The small warehouse, built by the same pipeline as `make demo`."""
    work_dir = Path(tmp_path_factory.mktemp("warehouse"))
    # the test pipeline's model cards stay out of the repo's reports/ (a demo's are there)
    options = replace(SMALL, data_dir=work_dir / "data", card_dir=work_dir / "model_cards")
    run_pipeline(options)
    return Warehouse(options, warehouse_settings)


@pytest.fixture
def conn(warehouse: Warehouse) -> Iterator[psycopg2.extensions.connection]:
    with autocommit_connection(warehouse.settings) as connection:
        yield connection
