"""Validate: each row read gets its reason (NULL: accepted), from the contract alone (orchestration/lib/contract.py).

A row's reasons, in this order, joined by "; ": per column a missing value, a bad value (ingest_values.py), a
date before 1900 or after the latest valid date, an unknown code, a non-positive amount, an orphan foreign key;
then the table's RowRules (over the row and its Lookup rows). A row with no reason whose key was accepted
before (in this load's order, or by an earlier load) is a duplicate. After the load: the balance chain
(Table.balance_chain) and the kept-row warnings (Table.kept_warnings). No reason or warning quotes a value.
"""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb

from orchestration.lib.contract import DATE, TIMESTAMP, Table
from orchestration.lib.ingest_base import (
    AUDIT_TABLE,
    BALANCE_BREAKS_TABLE,
    EARLIEST_VALID_DATE,
    RAW_SCHEMA,
    UNPARSEABLE,
    _literal,
    _quote,
    table_exists,
)
from orchestration.lib.ingest_values import bad_value_reason, helper_columns, typed_expr


def _lookup_column(table: str, column: str) -> str:
    return _quote(f"_lk_{table}_{column}")


def rule_sql(spec: Table, sql: str) -> str:
    """A RowRule's SQL with its placeholders filled: {column} the typed value, {table.column} the Lookup row's,
    {raw} the raw schema."""
    sql = re.sub(r"\{(\w+)\.(\w+)\}", lambda m: _lookup_column(m.group(1), m.group(2)), sql)
    return re.sub(r"\{(\w+)\}", lambda m: RAW_SCHEMA if m.group(1) == "raw" else _quote("t_" + m.group(1)), sql)


def lookup_joins(spec: Table) -> str:
    """The LEFT JOINs that bring each row its Lookup rows' columns (over the CTE `typed`)."""
    joins = []
    for i, lk in enumerate(spec.lookups):
        cols = ", ".join(f"{_quote(c)} AS {_lookup_column(lk.table, c)}" for c in lk.columns)
        key = _quote(f"_lk{i}_key")
        joins.append(f"LEFT JOIN (SELECT {_quote(lk.parent_key)} AS {key}, {cols} FROM {RAW_SCHEMA}.{_quote(lk.table)}) "
                     f"lk{i} ON lk{i}.{key} = typed.{_quote('t_' + lk.key)}")
    return " ".join(joins)


def reason_exprs(spec: Table, latest_valid_date: date, decimal: str = ".") -> list[str]:
    """SQL expressions over the typed row, each NULL or a reason text. No reason quotes a value."""
    reasons = []
    for col in spec.columns:
        raw, typed = _quote(col.name), _quote("t_" + col.name)
        if not col.nullable or col.name in spec.primary_key:
            reasons.append(f"CASE WHEN {raw} IS NULL THEN 'missing {col.name}' END")
        bad = bad_value_reason(col, decimal)
        if bad:
            reasons.append(bad)
        if col.type in (DATE, TIMESTAMP):
            reasons.append(
                f"CASE WHEN {typed} < DATE '{EARLIEST_VALID_DATE.isoformat()}' "
                f"THEN 'date out of range in {col.name}' END"
            )
            if not col.may_be_future:
                reasons.append(
                    f"CASE WHEN CAST({typed} AS DATE) > DATE '{latest_valid_date.isoformat()}' "
                    f"THEN 'future date in {col.name}' END"
                )
        if col.codes is not None:
            codes = ", ".join(_literal(c) for c in col.codes)
            reasons.append(f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN ({codes}) THEN 'unknown {col.name} code' END")
        if col.positive:
            reasons.append(f"CASE WHEN {typed} IS NOT NULL AND {typed} <= 0 THEN 'non-positive {col.name}' END")
        if col.references and col.references.split(".")[0] != spec.name:
            parent, key = col.references.split(".")
            reasons.append(
                f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN (SELECT {_quote(key)} FROM "
                f"{RAW_SCHEMA}.{_quote(parent)}) THEN 'orphan {col.name}: no accepted {parent} row' END"
            )
    for rule in spec.row_rules:
        reasons.append(f"CASE WHEN {rule_sql(spec, rule.broken)} THEN {_literal(rule.reason)} END")
    return reasons


def duplicate_reason(spec: Table) -> str:
    return f"duplicate {'/'.join(spec.primary_key)} (first occurrence kept)"


def checked_select(spec: Table, source: str, latest: date, decimal: str, against_existing: bool) -> str:
    """A query over the rows of `source` (text columns named as the contract's, and _file_no, _source_row,
    _unparseable) giving each its typed values t_<column> and its _reason (NULL: accepted)."""
    table = spec.name
    helpers = ", ".join(h for c in spec.columns for h in helper_columns(c, decimal))
    typed = ", ".join(f"{typed_expr(c)} AS {_quote('t_' + c.name)}" for c in spec.columns)
    reasons = ", ".join(reason_exprs(spec, latest, decimal))
    pk = ", ".join(_quote("t_" + k) for k in spec.primary_key)
    # Incrementally, a key accepted by an earlier load is the first occurrence: the new row is the duplicate.
    existing = (
        f"LEFT JOIN (SELECT DISTINCT {', '.join(_quote(k) + ' AS ' + _quote('e_' + k) for k in spec.primary_key)}, "
        f"TRUE AS _exists FROM {RAW_SCHEMA}.{_quote(table)}) e ON "
        + " AND ".join(f"e.{_quote('e_' + k)} = r.{_quote('t_' + k)}" for k in spec.primary_key)
        if against_existing else ""
    )
    exists = "COALESCE(_exists, FALSE)" if against_existing else "FALSE"
    return f"""
        WITH helped AS (SELECT *{', ' + helpers if helpers else ''} FROM {source}),
        typed AS (SELECT *, {typed} FROM helped),
        reasoned AS (SELECT typed.*, CASE WHEN _unparseable THEN '{UNPARSEABLE}'
            ELSE NULLIF(concat_ws('; ', {reasons}), '') END AS _row_reason FROM typed {lookup_joins(spec)}),
        ranked AS (
            SELECT r.*, {exists} AS _key_taken, CASE WHEN _row_reason IS NULL THEN row_number() OVER (
                PARTITION BY {pk}, _row_reason IS NULL ORDER BY _file_no, _source_row) END AS _key_rank
            FROM reasoned r {existing}
        )
        SELECT *, COALESCE(_row_reason, CASE WHEN _key_rank > 1 OR _key_taken
            THEN '{duplicate_reason(spec)}' END) AS _reason
        FROM ranked
        """


def kept_warnings(con, spec: Table) -> list[str]:
    """The table's kept-row warnings (Table.kept_warnings) after its load, their counts recorded in the audit's
    warning_counts; a warning whose tables are not loaded counts none."""
    if not spec.kept_warnings:
        return []
    counts, messages = {}, []
    for kept in spec.kept_warnings:
        ready = all(table_exists(con, RAW_SCHEMA, t) for t in kept.reads)
        n = con.execute(kept.count.replace("{raw}", RAW_SCHEMA)).fetchone()[0] if ready else 0
        if n:
            counts[kept.name] = n
            messages.append(kept.message.replace("{n}", str(n)))
    con.execute(f"UPDATE {AUDIT_TABLE} SET warning_counts = ? WHERE table_name = ?", [json.dumps(counts), spec.name])
    return messages


def check_balance_chain(con: duckdb.DuckDBPyConnection, accounts_table: str | None = None,
                        spec: Table | None = None) -> int:
    """List the balance-chain breaks of the table (Table.balance_chain; raw.transactions by default) in
    raw.balance_chain_breaks; return their count.

    Per account in (txn_ts, txn_id) order, the expected balance is the previous row's balance_after (the
    account's opening_balance for its first row) plus the amount of a credit or minus that of a debit.
    balance_after is what the core system says: a break is reported, never corrected or quarantined.
    accounts_table: a table of account_id whose chains to check again (the accounts an incremental load
    touched); None checks every account.
    """
    from orchestration.lib.contract import TABLES

    spec = spec or next(t for t in TABLES.values() if t.balance_chain)
    chain = spec.balance_chain
    q = _quote
    key, order = q(chain.key), ", ".join(f"t.{q(c)}" for c in chain.order)
    first_order = chain.order[0]
    if accounts_table and not table_exists(con, *BALANCE_BREAKS_TABLE.split(".")):
        accounts_table = None  # nothing listed yet: check every account
    only = f"WHERE t.{key} IN (SELECT {key} FROM {accounts_table})" if accounts_table else ""
    id_col = q(spec.primary_key[0])
    breaks = f"""
        WITH chained AS (
            SELECT t.{id_col}, t.{key}, t.{q(first_order)}, t.{q(chain.balance)},
                   COALESCE(lag(t.{q(chain.balance)}) OVER (PARTITION BY t.{key} ORDER BY {order}),
                            a.{q(chain.opening)})
                   + CASE t.{q(chain.direction)} WHEN {_literal(chain.credit)} THEN t.{q(chain.amount)}
                     ELSE -t.{q(chain.amount)} END AS expected_balance
            FROM {RAW_SCHEMA}.{q(spec.name)} t
            JOIN {RAW_SCHEMA}.{q(chain.parent)} a USING ({key})
            {only}
        )
        SELECT {id_col}, {key}, {q(first_order)}, CAST(expected_balance AS DECIMAL(18,2)) AS expected_balance,
               {q(chain.balance)}
        FROM chained
        WHERE {q(chain.balance)} IS DISTINCT FROM expected_balance
        ORDER BY {key}, {', '.join(q(c) for c in chain.order)}
        """
    if accounts_table:
        con.execute(f"DELETE FROM {BALANCE_BREAKS_TABLE} WHERE {key} IN (SELECT {key} FROM {accounts_table})")
        con.execute(f"INSERT INTO {BALANCE_BREAKS_TABLE} {breaks}")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {BALANCE_BREAKS_TABLE} AS {breaks}")
    return breaks_listed(con)


def breaks_listed(con: duckdb.DuckDBPyConnection) -> int:
    """The balance-chain breaks listed in raw.balance_chain_breaks (checking every account if none are yet)."""
    if not table_exists(con, *BALANCE_BREAKS_TABLE.split(".")):
        return check_balance_chain(con)
    return con.execute(f"SELECT count(*) FROM {BALANCE_BREAKS_TABLE}").fetchone()[0]
