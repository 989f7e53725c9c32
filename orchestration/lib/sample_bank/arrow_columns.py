"""Arrow columns from the generator's integer arrays, and the contract's Arrow schemas."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..contract import DATE, DECIMAL, INTEGER, MONEY, STRING, TABLES, TIMESTAMP
from .arrays import ascii_digits
from .calendar import NO_DAY, NO_TIME_BELOW


def fixed_width_strings(mat: np.ndarray) -> pa.Array:
    """Arrow strings from an (n, w) uint8 matrix of ASCII, without Python objects."""
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
    data = np.ascontiguousarray(mat).tobytes()
    buffers = [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_string(), n, buffers).cast(pa.string())


def id_column(prefix: str, nums: np.ndarray, width: int) -> pa.Array:
    """Identifiers such as C000000001: the prefix and the number zero-padded to width digits."""
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    mat = np.concatenate([np.broadcast_to(p, (len(nums), len(p))), ascii_digits(nums, width)], axis=1)
    return fixed_width_strings(mat)


def decimal_column(units: np.ndarray, scale: int, mask: np.ndarray | None = None) -> pa.Array:
    """decimal128(18, scale) from integer units (cents for scale 2), without float rounding."""
    units = np.asarray(units, dtype=np.int64)
    words = np.empty(len(units) * 2, dtype=np.int64)
    words[0::2] = units
    words[1::2] = np.where(units < 0, -1, 0)
    validity = None
    if mask is not None and mask.any():
        validity = pa.array(~mask).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(units), [validity, pa.py_buffer(words.tobytes())])


def date_column(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    mask = days == NO_DAY
    return pa.array(np.where(mask, 0, days).astype("datetime64[D]"), type=pa.date32(), mask=mask)


def timestamp_column(ts: np.ndarray) -> pa.Array:
    ts = np.asarray(ts, dtype=np.int64)
    mask = ts < NO_TIME_BELOW
    return pa.array(np.where(mask, 0, ts).astype("datetime64[s]"), type=pa.timestamp("s"), mask=mask)


def take_or_null(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """values[idx], NULL where idx is negative."""
    idx = np.asarray(idx, dtype=np.int64)
    return values.take(pa.array(idx, type=pa.int64(), mask=idx < 0))


def arrow_type(kind: str) -> pa.DataType:
    return {
        STRING: pa.string(),
        DATE: pa.date32(),
        TIMESTAMP: pa.timestamp("s"),
        MONEY: pa.decimal128(18, 2),
        DECIMAL: pa.decimal128(18, 6),
        INTEGER: pa.int64(),
    }[kind]


def table_schema(table: str) -> pa.Schema:
    """Arrow schema of a contract table as written (Parquet keeps these types; CSV renders them as text)."""
    return pa.schema([pa.field(c.name, arrow_type(c.type)) for c in TABLES[table].columns])
