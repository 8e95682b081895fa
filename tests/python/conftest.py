"""Shared fixtures: a dedicated test database on the warehouse server.

Tests never touch the demo database: they run in FA_TEST_DATABASE (default
financial_analytics_test) on the same server, embedded or external.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace

import psycopg2.extensions
import pytest

from scripts import db
from scripts.connection import ConnectionSettings, connect
from tests.python.helpers import REPO_ROOT

TEST_DATABASE = os.environ.get("FA_TEST_DATABASE", "financial_analytics_test")


@pytest.fixture(scope="session")
def test_settings() -> ConnectionSettings:
    settings = replace(ConnectionSettings.from_env(), dbname=TEST_DATABASE)
    if not settings.external:
        db.start(settings)
    db.ensure_database(settings)
    return settings


@pytest.fixture(scope="session")
def test_env(test_settings: ConnectionSettings) -> dict[str, str]:
    """Environment for subprocesses (scripts, dbt) that points them at the test database."""
    env = dict(os.environ)
    env["PGDATABASE"] = test_settings.dbname
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["DBT_PROFILES_DIR"] = str(REPO_ROOT)
    return env


@pytest.fixture
def conn(test_settings: ConnectionSettings) -> Iterator[psycopg2.extensions.connection]:
    connection = connect(test_settings)
    connection.autocommit = True
    yield connection
    connection.close()
