"""CSV files of one batch: one streaming writer per table, headers from the bronze contract.

pyarrow's CSV writer does the escaping (strings quoted, NULL as an empty unquoted field,
booleans true/false); the header line is written by hand, unquoted, because the loader
compares it byte for byte with the contract. Tables are written in chunks, so memory stays
flat however many rows a batch has.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from scripts.bronze_schema import ALL_TABLES, TABLES_BY_NAME
from scripts.generator import fmt
from scripts.generator.params import CHANNELS, DECLINE_REASONS, STATUSES, TRANSACTION_TYPES
from scripts.generator.reference import FOREIGN_PLACES, HOME_COUNTRY
from scripts.generator.rows import DESCRIPTIONS, TxnRows

IP_COUNTRIES = (HOME_COUNTRY, *(p[0] for p in FOREIGN_PLACES))
_OPTIONS = pacsv.WriteOptions(include_header=False, batch_size=65_536)
# Transactions hold no free text (ids, codes, numbers, timestamps, fixed descriptions), so
# their strings need no quotes; Arrow refuses to write a value that would need quoting, so
# this cannot silently break a row. NULL stays an empty field, blanks stay spaces.
_UNQUOTED = pacsv.WriteOptions(include_header=False, batch_size=65_536, quoting_style="none")
UNQUOTED_TABLES = frozenset({"transactions", "_truth_fraud"})


class CsvSink:
    """Append-only CSV file of one table in a batch folder.

    Writes run on the batch's single background thread (pyarrow releases the GIL while it
    formats), so formatting overlaps with generating the next chunk; one thread keeps the
    rows of every file in submission order. At most ``MAX_PENDING`` writes wait, which
    bounds memory.
    """

    MAX_PENDING = 3

    def __init__(self, folder: Path, table: str, executor: ThreadPoolExecutor) -> None:
        self.table = table
        self.columns = TABLES_BY_NAME[table].column_names
        self.path = folder / f"{table}.csv"
        self._executor = executor
        self._pending: deque[Future[None]] = deque()
        self._file = pa.OSFile(str(self.path), "wb")
        self._file.write((",".join(self.columns) + "\n").encode())
        self._writer: pacsv.CSVWriter | None = None
        self._schema: pa.Schema | None = None
        self.rows = 0

    def write(self, data: pa.Table) -> None:
        if data.column_names != self.columns:
            raise ValueError(f"{self.table}: columns {data.column_names} differ from the contract")
        if data.num_rows == 0:
            return
        if self._schema is None:
            self._schema = data.schema
        elif data.schema != self._schema:
            data = data.cast(self._schema)
        self.rows += data.num_rows
        self._pending.append(self._executor.submit(self._write, data))
        while len(self._pending) > self.MAX_PENDING:
            self._pending.popleft().result()

    def _write(self, data: pa.Table) -> None:
        if self._writer is None:
            options = _UNQUOTED if self.table in UNQUOTED_TABLES else _OPTIONS
            self._writer = pacsv.CSVWriter(self._file, data.schema, write_options=options)
        self._writer.write_table(data)

    def close(self) -> None:
        while self._pending:
            self._pending.popleft().result()
        if self._writer is not None:
            self._writer.close()
        self._file.close()


class BatchFiles(dict[str, CsvSink]):
    """The CSV sinks of one batch folder, sharing one writer thread."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv")
        super().__init__({t.name: CsvSink(folder, t.name, self._executor) for t in ALL_TABLES})

    def close(self) -> None:
        try:
            for sink in self.values():
                sink.close()
        finally:
            self._executor.shutdown(wait=True)


def open_batch(folder: Path) -> BatchFiles:
    return BatchFiles(folder)


def table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """Arrange arrays in contract order (a missing column is an error, not a silent NULL)."""
    order = TABLES_BY_NAME[name].column_names
    return pa.table({c: columns[c] for c in order})


def transactions_table(
    rows: TxnRows,
    transaction_ids: pa.Array,
    account_ids: pa.Array,
    customer_ids: pa.Array,
    merchant_ids: pa.Array,
) -> pa.Table:
    n = len(rows)
    has_merchant = rows.merch >= 0
    return table(
        "transactions",
        {
            "transaction_id": transaction_ids,
            "account_id": account_ids.take(pa.array(rows.acc)),
            "customer_id": customer_ids.take(pa.array(rows.cust)),
            "merchant_id": merchant_ids.take(
                pa.array(np.maximum(rows.merch, 0), mask=~has_merchant)
            ),
            "transaction_time": fmt.timestamps(rows.time_s),
            "amount": fmt.money(rows.amount),
            "currency": fmt.codes(("USD",), np.zeros(n, dtype=np.int64)),
            "transaction_type": fmt.codes(TRANSACTION_TYPES, rows.ttype),
            "channel": fmt.codes(CHANNELS, rows.channel),
            "card_present": fmt.bools(rows.card_present),
            "status": fmt.codes(STATUSES, rows.status),
            "decline_reason": fmt.codes(DECLINE_REASONS, rows.decline),
            "fee_amount": fmt.money(rows.fee),
            "device_id": fmt.ids("DV", rows.device, 10, valid=rows.device >= 0),
            "ip_country": fmt.codes(IP_COUNTRIES, rows.ip),
            "description": fmt.codes(DESCRIPTIONS, rows.desc),
            "is_fraud": fmt.bools(rows.pattern >= 0),
            "created_at": fmt.timestamps(rows.created_s),
        },
    )
