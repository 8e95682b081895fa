"""Turn numpy arrays into Arrow arrays in the exact text form the bronze CSV files use.

Why not pyarrow's own formatting: its CSV writer needs ~1.4 s per million timestamps and
pandas' ``to_csv`` is slower still. Fixed-width fields (ids, timestamps, dates) are built
here as ASCII bytes in a numpy matrix and wrapped as an Arrow string array without a copy,
which costs a few tens of milliseconds per million values.

Conventions: timestamps ``YYYY-MM-DDTHH:MM:SS+00:00`` (UTC), dates ``YYYY-MM-DD``, money as
integer cents in the generator and ``cents / 100`` (shortest float repr, <= 2 decimals) on
output, booleans through Arrow (``true``/``false``), NULL as an empty unquoted field.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

SECONDS_PER_DAY = 86_400
_DATE_TEMPLATE = np.frombuffer(b"0000-00-00", dtype=np.uint8)


def _wrap(buf: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Wrap an (n, width) uint8 matrix of ASCII as an Arrow string array."""
    n, width = buf.shape
    if n * width >= 2**31:
        raise ValueError("fixed-width block too large for one Arrow string array")
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    validity = None
    null_count = 0
    if valid is not None and not bool(valid.all()):
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    data = np.ascontiguousarray(buf).reshape(-1)
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [validity, pa.py_buffer(offsets), pa.py_buffer(data)],
        null_count=null_count,
    )


_PAIRS = (
    np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8).view("V2").ravel()
)


def _put_digits(buf: np.ndarray, start: int, width: int, values: np.ndarray) -> None:
    """Write zero-padded decimal digits: 8-digit blocks in int32, two digits per table lookup."""
    v = values.astype(np.int64, copy=True)
    pos = start + width
    while pos > start:
        block = min(8, pos - start)
        low = (v % 10**block).astype(np.int32)
        v //= 10**block
        end = pos - block
        while pos - end >= 2:
            buf[:, pos - 2 : pos] = _PAIRS[low % 100].view(np.uint8).reshape(-1, 2)
            low //= 100
            pos -= 2
        if pos > end:
            buf[:, pos - 1] = 48 + low % 10
            pos -= 1


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of days since 1970-01-01 (Howard Hinnant's algorithm, vectorised)."""
    z = days.astype(np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a (year, month, day) triple, vectorised."""
    y = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    m = np.asarray(month, dtype=np.int64)
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _date_table(first_day: int, last_day: int) -> np.ndarray:
    """ASCII ``YYYY-MM-DD`` rows for every day in [first_day, last_day]."""
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    year, month, day = civil_from_days(days)
    buf = np.broadcast_to(_DATE_TEMPLATE, (len(days), 10)).copy()
    _put_digits(buf, 0, 4, year)
    _put_digits(buf, 5, 2, month)
    _put_digits(buf, 8, 2, day)
    return buf


def _time_of_day_table() -> np.ndarray:
    sod = np.arange(SECONDS_PER_DAY, dtype=np.int64)
    buf = np.broadcast_to(np.frombuffer(b"00:00:00", dtype=np.uint8), (SECONDS_PER_DAY, 8)).copy()
    _put_digits(buf, 0, 2, sod // 3600)
    _put_digits(buf, 3, 2, (sod // 60) % 60)
    _put_digits(buf, 6, 2, sod % 60)
    return buf


_TOD_V = _time_of_day_table().view("V8").ravel()
_TS_RECORD = np.dtype([("date", "V10"), ("sep", "V1"), ("time", "V8"), ("zone", "V6")])


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Epoch seconds -> ``YYYY-MM-DDTHH:MM:SS+00:00`` strings (lookup tables, no division loops)."""
    s = np.asarray(seconds, dtype=np.int64)
    if valid is not None:
        s = np.where(valid, s, s[valid].min() if valid.any() else 0)
    rec = np.empty(len(s), dtype=_TS_RECORD)
    rec["sep"] = np.void(b"T")
    rec["zone"] = np.void(b"+00:00")
    if len(s):
        days = np.floor_divide(s, SECONDS_PER_DAY)
        first = int(days.min())
        rec["date"] = _date_table(first, int(days.max())).view("V10").ravel()[days - first]
        rec["time"] = _TOD_V[s - days * SECONDS_PER_DAY]
    buf = rec.view(np.uint8).reshape(len(s), 25)
    return _wrap(buf, valid)


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Days since epoch -> ``YYYY-MM-DD`` strings."""
    d = np.asarray(days, dtype=np.int64)
    if valid is not None:
        d = np.where(valid, d, d[valid].min() if valid.any() else 0)
    if not len(d):
        return pa.array([], type=pa.string())
    first = int(d.min())
    return _wrap(_date_table(first, int(d.max()))[d - first], valid)


def ids(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """Zero-padded identifiers such as ``TXN000000000042``."""
    n = np.asarray(numbers, dtype=np.int64)
    if valid is not None:
        n = np.where(valid, n, 0)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    buf = np.empty((len(n), len(head) + width), dtype=np.uint8)
    buf[:, : len(head)] = head
    _put_digits(buf, len(head), width, n)
    return _wrap(buf, valid)


def money(cents: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Integer cents -> float currency units (written with at most two decimals)."""
    values = np.asarray(cents, dtype=np.int64) / 100.0
    return pa.array(values, type=pa.float64(), mask=None if valid is None else ~valid)


def rate(values: np.ndarray, decimals: int = 4, valid: np.ndarray | None = None) -> pa.Array:
    """Rates and indices rounded to the scale of their numeric column."""
    rounded = np.round(np.asarray(values, dtype=np.float64), decimals)
    return pa.array(rounded, type=pa.float64(), mask=None if valid is None else ~valid)


def codes(labels: tuple[str, ...] | list[str], index: np.ndarray) -> pa.Array:
    """Categorical codes -> their labels (index -1 becomes NULL)."""
    idx = np.asarray(index, dtype=np.int64)
    table = pa.array(list(labels), type=pa.string())
    if (idx < 0).any():
        return table.take(pa.array(idx, mask=idx < 0))
    return table.take(pa.array(idx))


def ints(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=None if valid is None else ~valid)


def bools(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), mask=None if valid is None else ~valid)
