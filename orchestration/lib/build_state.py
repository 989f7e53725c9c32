"""Whether the incremental models may refresh only their latest months, or must rebuild from scratch.

They build on the transactions loaded so far: a refresh reads only the window's transactions and keeps
the months before it. That holds while the transactions only grow. When ingestion has loaded them again
in full (a delivered file changed or disappeared: history was corrected), the kept months may be wrong,
so the next build is a full refresh. The load number of the transactions' last full load is recorded
after every successful build; a later full load makes the next build rebuild.
"""

from __future__ import annotations

import duckdb

from orchestration.lib.ingest import AUDIT_TABLE, RAW_SCHEMA, table_exists

STATE_TABLE = f"{RAW_SCHEMA}.model_build_state"


def _transactions_full_load(con) -> tuple[int, str] | None:
    if not table_exists(con, *AUDIT_TABLE.split(".")):
        return None
    return con.execute(
        f"SELECT last_full_seq, plan FROM {AUDIT_TABLE} WHERE table_name = 'transactions'").fetchone()


def full_rebuild_reason(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the next build must rebuild the incremental models from scratch, or None."""
    loaded = _transactions_full_load(con)
    if loaded is None or not table_exists(con, *STATE_TABLE.split(".")):
        return None  # nothing built by this version yet: models that do not exist are built whole anyway
    built = con.execute(f"SELECT transactions_full_load FROM {STATE_TABLE}").fetchone()
    if built is not None and loaded[0] > built[0]:
        return f"the transactions were loaded again in full since the last build ({loaded[1]})"
    return None


def record_build(con: duckdb.DuckDBPyConnection) -> None:
    """After a successful build: the transactions' full load the incremental models now reflect."""
    loaded = _transactions_full_load(con)
    if loaded is None:
        return
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(f"CREATE OR REPLACE TABLE {STATE_TABLE} AS SELECT CAST(? AS BIGINT) AS transactions_full_load, "
                "now() AS built_at", [loaded[0]])
