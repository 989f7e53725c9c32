"""Compare every mart built on another engine with DuckDB's, row for row.

Both sides are DuckDB schemas (the other engine's marts are copied into DuckDB with their types first:
orchestration/lib/engine.py copy_from_postgres). Equal means: the same marts, the same columns in the same
order with compatible types, the same number of rows, and row for row (both sorted by every column) the
same values: money (DECIMAL) to the fen, other decimals exactly, floating ratios to 1e-9, text (lists
included, so the same order inside a list) exactly. Messages name marts, columns and row numbers, never a
value (the marts hold personal data, masked or not).

`python tests/engine_compare.py <duckdb marts file> <other marts file>` prints the differences."""

from __future__ import annotations

import math
import re
import sys
from decimal import Decimal

import duckdb

FLOAT_TOLERANCE = 1e-9
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT"}
FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}


def type_family(data_type: str) -> str:
    """The kind of a column a BI tool sees: engines differ in integer widths, not in integer-ness."""
    t = data_type.upper()
    if t in INTEGER_TYPES:
        return "integer"
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return "integer" if m.group(2) == "0" else f"decimal scale {m.group(2)}"
    if t in FLOAT_TYPES:
        return "float"
    if t in ("VARCHAR", "TEXT", "STRING"):
        return "text"
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        return "timestamptz"
    return t.lower()


def _columns(con, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ? "
        "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position", [catalog, schema, table]).fetchall()


def _tables(con, catalog: str, schema: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
        "AND table_type = 'BASE TABLE' ORDER BY 1", [catalog, schema]).fetchall()]


def _equal(a, b, family: str) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if family == "float":
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=FLOAT_TOLERANCE) or (
            math.isclose(float(a), float(b), rel_tol=FLOAT_TOLERANCE))
    if family.startswith("decimal") or family == "integer":
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


def compare_marts(con, expected: str = "expected", actual: str = "actual", schema: str = "marts",
                  actual_schema: str | None = None) -> list[str]:
    """Differences between catalog `expected` and catalog `actual` of one DuckDB connection (ATTACHed)."""
    actual_schema = actual_schema or schema
    problems: list[str] = []
    want, got = _tables(con, expected, schema), _tables(con, actual, actual_schema)
    problems += [f"{t}: missing" for t in want if t not in got]
    problems += [f"{t}: not expected" for t in got if t not in want]
    for table in [t for t in want if t in got]:
        cols_e = _columns(con, expected, schema, table)
        cols_a = _columns(con, actual, actual_schema, table)
        if [c for c, _ in cols_e] != [c for c, _ in cols_a]:
            problems.append(f"{table}: columns differ")
            continue
        families = []
        for (column, te), (_, ta) in zip(cols_e, cols_a):
            if type_family(te) != type_family(ta):
                problems.append(f"{table}.{column}: type {te} here, {ta} there")
            families.append(type_family(te))
        # Sort both sides by every column in column order; floats rounded for the sort so a last-bit
        # difference cannot reorder rows.
        order = ", ".join(
            f'round("{c}", 6)' if f == "float" else f'"{c}"' for (c, _), f in zip(cols_e, families))
        names = ", ".join(f'"{c}"' for c, _ in cols_e)
        rows_e = con.execute(f'SELECT {names} FROM {expected}.{schema}."{table}" ORDER BY {order}').fetchall()
        rows_a = con.execute(f'SELECT {names} FROM {actual}.{actual_schema}."{table}" ORDER BY {order}').fetchall()
        if len(rows_e) != len(rows_a):
            problems.append(f"{table}: {len(rows_e)} rows here, {len(rows_a)} there")
            continue
        differing: dict[str, int] = {}
        first_row: dict[str, int] = {}
        for i, (re_, ra) in enumerate(zip(rows_e, rows_a)):
            for (column, _), f, a, b in zip(cols_e, families, re_, ra):
                if not _equal(a, b, f):
                    differing[column] = differing.get(column, 0) + 1
                    first_row.setdefault(column, i)
        for column, n in differing.items():
            problems.append(f"{table}.{column}: {n} of {len(rows_e)} rows differ (first: sorted row {first_row[column]})")
    return problems


def compare_files(expected_file: str, actual_file: str, schema: str = "marts", skip: tuple[str, ...] = ()) -> list[str]:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{expected_file}' AS expected (READ_ONLY)")
        con.execute(f"ATTACH '{actual_file}' AS actual (READ_ONLY)")
        return [p for p in compare_marts(con, schema=schema) if p.split(":")[0].split(".")[0] not in skip]
    finally:
        con.close()


if __name__ == "__main__":
    found = compare_files(sys.argv[1], sys.argv[2], *(sys.argv[3:4]))
    print("\n".join(found) or "every mart equal")
    sys.exit(1 if found else 0)
