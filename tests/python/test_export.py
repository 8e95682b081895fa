"""`make export`: Parquet files and schema.json that round-trip the warehouse's tables."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scripts import export
from scripts.connection import connect
from tests.python.helpers import run_module

TABLES = ("gold.fact_transactions", "gold.dim_customer", "gold.descriptive_analytics")
# a block far smaller than the tables, so each is streamed and written in many pieces
BLOCK_BYTES = 64 << 10


@pytest.fixture(scope="module")
def exported(warehouse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    output_dir = tmp_path_factory.mktemp("export")
    connection = connect(warehouse.settings)
    try:
        export.export(connection, TABLES, output_dir, block_bytes=BLOCK_BYTES)
    finally:
        connection.close()
    return output_dir, json.loads((output_dir / export.SCHEMA_FILE).read_text())


def test_row_counts_and_types_round_trip(exported, conn):
    output_dir, schema = exported
    assert [table["table"] for table in schema["tables"]] == list(TABLES)
    with conn.cursor() as cur:
        for table in schema["tables"]:
            parquet = pq.ParquetFile(output_dir / table["file"])
            cur.execute(f"select count(*) from {table['table']}")
            (rows,) = cur.fetchone()
            assert parquet.metadata.num_rows == table["row_count"] == rows > 0
            if table["table"] == "gold.fact_transactions":
                # one row group per block read: streamed, never held whole
                assert parquet.metadata.num_row_groups > 10
            # the file's columns and types are the ones schema.json and the database name
            cur.execute(
                "select column_name from information_schema.columns "
                "where table_schema || '.' || table_name = %s order by ordinal_position",
                (table["table"],),
            )
            names = [name for (name,) in cur.fetchall()]
            arrow = parquet.schema_arrow
            assert arrow.names == names == [column["name"] for column in table["columns"]]
            assert [str(field.type) for field in arrow] == [
                column["arrow_type"] for column in table["columns"]
            ]


def test_types_are_exact_where_arrow_has_them(exported):
    output_dir, _ = exported
    facts = pq.read_schema(output_dir / "gold" / "fact_transactions.parquet")
    assert facts.field("transaction_key").type == pa.int64()
    assert facts.field("transaction_amount_abs").type == pa.decimal128(16, 2)
    assert facts.field("is_fraud").type == pa.bool_()
    assert facts.field("transaction_date").type == pa.date32()
    assert facts.field("transaction_at").type == pa.timestamp("us")
    customers = pq.read_schema(output_dir / "gold" / "dim_customer.parquet")
    assert customers.field("customer_id").type == pa.string()
    # numeric without a scale (a rounded ratio) is a double
    kpis = pq.read_schema(output_dir / "gold" / "descriptive_analytics.parquet")
    assert kpis.field("decline_rate").type == pa.float64()


def test_values_round_trip(exported, conn):
    output_dir, _ = exported
    facts = pq.read_table(output_dir / "gold" / "fact_transactions.parquet").to_pandas()
    with conn.cursor() as cur:
        cur.execute(
            "select sum(transaction_amount_abs), count(distinct customer_id), "
            "sum(case when is_fraud then 1 else 0 end), min(transaction_at), max(transaction_date), "
            "count(*) filter (where decline_reason is null) "
            "from gold.fact_transactions"
        )
        value, customers, fraud, first_at, last_date, no_reason = cur.fetchone()
    assert sum(facts["transaction_amount_abs"], Decimal(0)) == value
    assert facts["customer_id"].nunique() == customers
    assert int(facts["is_fraud"].sum()) == fraud
    assert facts["transaction_at"].min().to_pydatetime() == first_at
    assert facts["transaction_date"].max() == last_date
    # NULL stays NULL (COPY writes it as an unquoted empty field)
    assert int(facts["decline_reason"].isna().sum()) == no_reason


def test_an_unknown_table_is_one_line_and_writes_nothing(warehouse, tmp_path):
    env = dict(os.environ, PGDATABASE=warehouse.settings.dbname)
    result = run_module(
        "scripts.export",
        "--tables",
        "gold.fact_transactions",
        "gold.no_such_table",
        "--output-dir",
        str(tmp_path / "out"),
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: gold.no_such_table does not exist: run `make demo` first, "
        "or list the tables with `make psql`"
    )
    assert not (tmp_path / "out").exists()
    bronze = run_module("scripts.export", "--tables", "bronze.transactions", env=env, check=False)
    assert bronze.returncode == 2 and "one of silver, gold" in bronze.stderr
