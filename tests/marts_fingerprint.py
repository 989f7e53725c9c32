"""An order-independent fingerprint of every mart: columns with their types, row count and a hash of all rows.

Used to prove that a refactor leaves every mart as it was (`python tests/marts_fingerprint.py <duckdb file>`
prints the JSON; a test compares two builds)."""

from __future__ import annotations

import json
import sys

import duckdb


def fingerprint(database: str, schema: str = "marts") -> dict:
    con = duckdb.connect(database, read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema]).fetchall()]
        result = {}
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()
            rows, digest = con.execute(
                f'select count(*), coalesce(sum(hash(t)), 0) from "{schema}"."{table}" t').fetchone()
            result[table] = {"columns": [f"{c} {t}" for c, t in columns], "rows": rows, "hash": int(digest)}
        return result
    finally:
        con.close()


def compare(before: dict, after: dict) -> list[str]:
    """What differs between two fingerprints: tables added or gone, columns, row counts, contents."""
    problems = [f"{t}: only before" for t in sorted(set(before) - set(after))]
    problems += [f"{t}: only after" for t in sorted(set(after) - set(before))]
    for table in sorted(set(before) & set(after)):
        for part in ("columns", "rows", "hash"):
            if before[table][part] != after[table][part]:
                problems.append(f"{table}: {part} differ")
    return problems


if __name__ == "__main__":
    # python tests/marts_fingerprint.py <warehouse.duckdb> [schema]       prints the fingerprint
    # python tests/marts_fingerprint.py --compare <before.json> <after.json>   lists every difference
    if sys.argv[1] == "--compare":
        differences = compare(*(json.load(open(path)) for path in sys.argv[2:4]))
        print("\n".join(differences) or "every mart equal")
        sys.exit(1 if differences else 0)
    print(json.dumps(fingerprint(sys.argv[1], *(sys.argv[2:3] or [])), indent=1))
