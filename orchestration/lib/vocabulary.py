"""Every vocabulary the project writes or reads, from its one source: a dbt seed or the raw contract.

- `seed:<seed>.<column>`: the values of a column of dbt_project/seeds/<seed>.csv (churn types, tiers,
  serving roles, tier movements, lifecycle stages, contact and assignment reasons, keyword categories).
- `contract:<table>.<column>`: the codes the raw contract (orchestration/lib/contract.py) accepts in a column.

The Great Expectations suites name a vocabulary instead of listing it:
`"value_set": {"$VOCABULARY": "seed:churn_types.churn_type"}`, optionally with `"except": [...]` (values
left out, e.g. the fallback type unclassified in a "mostly explained" check). `resolve` fills them in when a
suite is loaded, so a value added to the seed or the contract reaches every check without a second list.
tests/test_vocabulary.py fails when a hand-typed copy of a vocabulary reappears.
"""

from __future__ import annotations

import csv
from functools import cache

from orchestration.lib.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
PLACEHOLDER = "$VOCABULARY"


@cache
def seed_rows(seed: str) -> tuple[dict, ...]:
    with (SEEDS_DIR / f"{seed}.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def seed_values(seed: str, column: str) -> list[str]:
    """A seed column's values in file order, empty cells left out (tier none serves no role)."""
    return [row[column] for row in seed_rows(seed) if row[column] != ""]


def contract_codes(table: str, column: str) -> list[str]:
    from orchestration.lib.contract import TABLES

    codes = TABLES[table].column(column).codes
    if codes is None:
        raise ValueError(f"contract column {table}.{column} has no codes")
    return list(codes)


def values(name: str) -> list[str]:
    """The values of a vocabulary named `seed:<seed>.<column>` or `contract:<table>.<column>`."""
    kind, _, ref = name.partition(":")
    source, _, column = ref.partition(".")
    if not source or not column:
        raise ValueError(f"vocabulary {name!r}: write seed:<seed>.<column> or contract:<table>.<column>")
    if kind == "seed":
        return seed_values(source, column)
    if kind == "contract":
        return contract_codes(source, column)
    raise ValueError(f"vocabulary {name!r}: the source is seed: or contract:")


def retention_excluded_churn_types() -> list[str]:
    """The churn types kept off retention lists (do not chase): the seed's exclude_from_retention."""
    return [r["churn_type"] for r in seed_rows("churn_types") if r["exclude_from_retention"].strip().lower() == "true"]


def churn_types_by_precedence() -> list[str]:
    return [r["churn_type"] for r in sorted(seed_rows("churn_types"), key=lambda r: int(r["precedence"]))]


def resolve(node):
    """A suite (or any JSON value) with every {"$VOCABULARY": name, "except": [...]} replaced by its values."""
    if isinstance(node, dict):
        if PLACEHOLDER in node:
            unknown = set(node) - {PLACEHOLDER, "except"}
            if unknown:
                raise ValueError(f"vocabulary placeholder with unknown keys {sorted(unknown)}")
            found = values(node[PLACEHOLDER])
            left_out = list(node.get("except", []))
            missing = [v for v in left_out if v not in found]
            if missing:
                raise ValueError(f"vocabulary {node[PLACEHOLDER]}: except names values it lacks: {missing}")
            return [v for v in found if v not in left_out]
        return {k: resolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v) for v in node]
    return node
