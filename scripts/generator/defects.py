"""Defects a real source system sends, injected at ``--defect-rate`` per table and batch.

Each injected row carries exactly ONE defect kind; the manifest counts them per batch,
table and kind, so the warehouse tests can demand that silver finds exactly these rows.
Kinds (columns they touch differ per table, see TABLE_DEFECTS):
- duplicate: an exact copy of a clean row, appended to the same file (count = extra rows);
- null_required / blank_required: a required field NULL (empty unquoted) or whitespace only;
- code_format: a code with stray whitespace or the wrong case (' pos', 'ONLINE ', 'Usd');
- invalid_amount: zero or the wrong sign for the transaction type;
- future_timestamp: an event time after the batch as_of (1 hour to 45 days later);
- orphan_*: a foreign key to an id that does not exist;
- malformed_email / malformed_phone;
- resent (transactions, advance batches only, handled in batch.py): a transaction of an
  earlier batch sent again with the same id, identical or with status approved -> reversed;
  the row of the latest batch wins.
Rows with a defect that silver must reject are left out of account balances
(``BALANCE_EXCLUDED``); code_format and orphan_merchant rows are repairable or kept with an
unknown member, so they count. Truth tables, products and economic_indicators stay clean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scripts.generator import fmt
from scripts.generator.rng import stochastic_round


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[str, ...] = ()


def _k(name: str, *columns: str) -> Kind:
    return Kind(name, columns)


TABLE_DEFECTS: dict[str, tuple[Kind, ...]] = {
    "transactions": (
        _k("duplicate"),
        _k(
            "null_required",
            "account_id",
            "transaction_time",
            "amount",
            "transaction_type",
            "status",
        ),
        _k("blank_required", "account_id", "transaction_type", "status"),
        _k("code_format", "channel", "status", "transaction_type", "currency"),
        _k("invalid_amount", "amount"),
        _k("future_timestamp", "transaction_time"),
        _k("orphan_account", "account_id"),
        _k("orphan_merchant", "merchant_id"),
    ),
    "customers": (
        _k("duplicate"),
        _k("null_required", "last_name", "date_of_birth", "customer_segment"),
        _k("blank_required", "last_name", "customer_segment"),
        _k("code_format", "customer_segment", "customer_status", "country", "risk_rating"),
        _k("malformed_email", "email"),
        _k("malformed_phone", "phone"),
    ),
    "accounts": (
        _k("duplicate"),
        _k("null_required", "customer_id", "account_type", "opened_date"),
        _k("blank_required", "account_type"),
        _k("code_format", "account_type", "account_status", "currency"),
        _k("orphan_customer", "customer_id"),
    ),
    "merchants": (
        _k("duplicate"),
        _k("null_required", "merchant_name", "merchant_category"),
        _k("code_format", "merchant_category", "risk_level", "country"),
    ),
    "credit_applications": (
        _k("duplicate"),
        _k("null_required", "customer_id", "application_time", "requested_amount"),
        _k("code_format", "decision"),
        _k("invalid_amount", "requested_amount"),
        _k("future_timestamp", "application_time"),
        _k("orphan_customer", "customer_id"),
    ),
    "fraud_alerts": (
        _k("duplicate"),
        _k("code_format", "alert_type", "severity", "alert_status"),
        _k("future_timestamp", "alert_time"),
        _k("orphan_transaction", "transaction_id"),
    ),
    "customer_interactions": (
        _k("duplicate"),
        _k("null_required", "customer_id", "interaction_time", "interaction_type"),
        _k("code_format", "channel", "interaction_type"),
        _k("future_timestamp", "interaction_time"),
        _k("orphan_customer", "customer_id"),
    ),
    "marketing_campaigns": (
        _k("duplicate"),
        _k("code_format", "channel"),
        _k("orphan_customer", "customer_id"),
    ),
    "loan_payments": (
        _k("duplicate"),
        _k("null_required", "account_id", "due_date", "scheduled_amount"),
        _k("invalid_amount", "scheduled_amount"),
        _k("orphan_account", "account_id"),
    ),
}
BALANCE_EXCLUDED = frozenset(
    {"null_required", "blank_required", "invalid_amount", "future_timestamp", "orphan_account"}
)
ORPHAN_IDS = {
    "orphan_account": ("ACC", 7, 9_000_000),
    "orphan_customer": ("CUS", 7, 9_000_000),
    "orphan_merchant": ("MER", 5, 90_000),
    "orphan_transaction": ("TXN", 12, 900_000_000_000),
}
MALFORMED_PHONES = ("555-01", "n/a", "+1-555-CALL-NOW", "00000000000000", "+1 (555) 12")


def choose(
    g: np.random.Generator,
    table: str,
    n: int,
    rate: float,
    eligible: np.ndarray | None = None,
    needs: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Kind index per row (-1 = clean); ``needs`` restricts a kind to rows where it applies."""
    kinds = TABLE_DEFECTS[table]
    out = np.full(n, -1, dtype=np.int64)
    free = np.ones(n, dtype=bool) if eligible is None else eligible.copy()
    total = min(stochastic_round(g, rate * n), int(free.sum()))
    if total <= 0:
        return out
    per_kind = g.multinomial(total, np.full(len(kinds), 1 / len(kinds)))
    for k, (kind, count) in enumerate(zip(kinds, per_kind, strict=True)):
        if count == 0:
            continue
        pool = free if not needs or kind.name not in needs else free & needs[kind.name]
        cands = np.flatnonzero(pool)
        picked = (
            g.choice(cands, min(int(count), len(cands)), replace=False) if len(cands) else cands
        )
        out[picked] = k
        free[picked] = False
    return out


def count(table: str, kinds: np.ndarray) -> dict[str, int]:
    names = TABLE_DEFECTS[table]
    found = np.bincount(kinds[kinds >= 0], minlength=len(names))
    return {kind.name: int(c) for kind, c in zip(names, found, strict=True) if c}


def excluded_from_balance(table: str, kinds: np.ndarray) -> np.ndarray:
    names = TABLE_DEFECTS[table]
    bad = np.array([k.name in BALANCE_EXCLUDED for k in names] + [False])
    return bad[kinds]  # kinds == -1 indexes the trailing False


def _replace(column: pa.ChunkedArray | pa.Array, mask: np.ndarray, values: pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return pc.replace_with_mask(column, pa.array(mask), values.cast(column.type))


def _code_format(g: np.random.Generator, values: pa.Array) -> pa.Array:
    upper = pc.utf8_upper(values)
    lower = pc.utf8_lower(values)
    flipped = pc.if_else(pc.equal(values, upper), lower, upper)
    variant = g.integers(0, 3, len(values))
    padded_left = pc.binary_join_element_wise(" ", values, "")
    padded_right = pc.binary_join_element_wise(values, " ", "")
    return pc.if_else(
        pa.array(variant == 0),
        padded_left,
        pc.if_else(pa.array(variant == 1), padded_right, flipped),
    )


def _malformed_email(g: np.random.Generator, values: pa.Array) -> pa.Array:
    variant = g.integers(0, 3, len(values))
    no_at = pc.replace_substring(values, "@", "")
    spaced = pc.replace_substring(values, "@", " at ")
    doubled = pc.replace_substring(values, "@", "@@")
    return pc.if_else(
        pa.array(variant == 0), no_at, pc.if_else(pa.array(variant == 1), spaced, doubled)
    )


def apply(
    g: np.random.Generator, table: str, data: pa.Table, kinds: np.ndarray, as_of_s: int
) -> pa.Table:
    """Return ``data`` with the chosen defects applied and duplicates appended.

    Only the few defective rows are rewritten: clean rows pass through untouched (one
    filter), then the altered rows, then the duplicates, so the cost stays proportional to
    the defect count. Row order inside a file carries no meaning.
    """
    hit = kinds >= 0
    if not hit.any():
        return data
    dup = kinds == index_of(table, "duplicate")
    altered = hit & ~dup
    sub = data.filter(pa.array(altered))
    sub_kinds = kinds[altered]
    columns = {name: sub.column(name).combine_chunks() for name in sub.column_names}
    for k, kind in enumerate(TABLE_DEFECTS[table]):
        rows = sub_kinds == k
        if kind.name == "duplicate" or not rows.any():
            continue
        which = g.integers(0, len(kind.columns), len(sub_kinds))
        for j, col in enumerate(kind.columns):
            mask = rows & (which == j)
            hits = int(mask.sum())
            if hits:
                columns[col] = _replace(
                    columns[col], mask, _values(g, kind.name, columns[col], mask, as_of_s)
                )
    parts = [data.filter(pa.array(~altered)), pa.table(columns)]
    if dup.any():
        parts.append(data.take(pa.array(np.flatnonzero(dup))))
    return pa.concat_tables(parts)


def index_of(table: str, name: str) -> int:
    for k, kind in enumerate(TABLE_DEFECTS[table]):
        if kind.name == name:
            return k
    return -2


def _values(
    g: np.random.Generator, kind: str, current: pa.Array, mask: np.ndarray, as_of_s: int
) -> pa.Array:
    """Replacement values of one defect kind for the masked rows of a column."""
    hits = int(mask.sum())
    if kind == "null_required":
        return pa.nulls(hits, current.type)
    if kind == "blank_required":
        return pa.array(np.array([" ", "  ", "   "], dtype=object)[g.integers(0, 3, hits)])
    if kind == "code_format":
        return _code_format(g, current.filter(pa.array(mask)))
    if kind == "invalid_amount":
        old = pc.fill_null(current.filter(pa.array(mask)), 1.0)
        return pc.if_else(pa.array(g.random(hits) < 0.5), pa.scalar(0.0), pc.negate(old))
    if kind == "future_timestamp":
        return fmt.timestamps(as_of_s + g.integers(3600, 45 * 86_400, hits))
    if kind.startswith("orphan_"):
        prefix, width, first = ORPHAN_IDS[kind]
        return fmt.ids(prefix, first + g.integers(0, 10 ** (width - 1), hits), width)
    if kind == "malformed_email":
        return _malformed_email(g, current.filter(pa.array(mask)))
    if kind == "malformed_phone":
        return pa.array(
            np.array(MALFORMED_PHONES, dtype=object)[g.integers(0, len(MALFORMED_PHONES), hits)]
        )
    raise ValueError(f"unknown defect kind {kind}")
