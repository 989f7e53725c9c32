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

# The most rows (about) the balance chain's window holds at once (check_balance_chain).
CHAIN_BUCKET_ROWS = 2_000_000


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


def _lookup_found(spec: Table, column: str, parent: str, key: str) -> str | None:
    """The join key of a Lookup on `parent`'s primary key `key` by `column` (NULL when the row has no such parent
    row: an orphan), or None when no Lookup joins that way. The parent's accepted keys are unique and never NULL,
    so this is `column NOT IN (SELECT key FROM parent)` without a join of its own."""
    from orchestration.lib.contract import TABLES

    if tuple(TABLES[parent].primary_key) != (key,):
        return None
    for i, lk in enumerate(spec.lookups):
        if (lk.table, lk.key, lk.parent_key) == (parent, column, key):
            return f"lk{i}.{_quote(f'_lk{i}_key')}"
    return None


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
            found = _lookup_found(spec, col.name, parent, key)
            if found:  # the Lookup join on the parent's key already says whether the row has one
                reasons.append(f"CASE WHEN {typed} IS NOT NULL AND {found} IS NULL "
                               f"THEN 'orphan {col.name}: no accepted {parent} row' END")
            else:
                reasons.append(
                    f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN (SELECT {_quote(key)} FROM "
                    f"{RAW_SCHEMA}.{_quote(parent)}) THEN 'orphan {col.name}: no accepted {parent} row' END"
                )
    for rule in spec.row_rules:
        reasons.append(f"CASE WHEN {rule_sql(spec, rule.broken)} THEN {_literal(rule.reason)} END")
    return reasons


def duplicate_reason(spec: Table) -> str:
    return f"duplicate {'/'.join(spec.primary_key)} (first occurrence kept)"


def text_typed(col) -> bool:
    """Whether a column's typed value is its text itself (a plain text column): _checked keeps it once."""
    return typed_expr(col) == _quote(col.name)


def checked_column(col) -> str:
    """The column of _checked holding a column's typed value: t_<column>, or the text for a plain text column."""
    return _quote(col.name if text_typed(col) else "t_" + col.name)


def checked_typed(spec: Table) -> str:
    """The select list over _checked giving every column's typed value as t_<column>."""
    return ", ".join(f"{checked_column(c)} AS {_quote('t_' + c.name)}" for c in spec.columns)


def is_external(expr: str) -> bool:
    """Whether a reason expression reads another table (a Lookup row's column, an orphan's parent, a RowRule's
    {raw} table): such reasons need a join, and a join does not keep the rows' order (checked_select)."""
    return f"{RAW_SCHEMA}." in expr or '"_lk' in expr or re.search(r"\blk\d+\.", expr) is not None


def checked_select(spec: Table, source: str, latest: date, decimal: str, external: bool = True) -> str:
    """A query over the rows of `source` (text columns named as the contract's, and _file_no, _source_file,
    _source_row, _unparseable, _raw_line, _recheck) giving each row, in one streamed pass: its metadata, its
    text (for the quarantine's record), the typed values t_<column> of the columns whose type is not text
    (checked_typed reads every typed value), and its _reason (NULL: accepted so far; a duplicate key is marked
    afterwards, duplicate_rows). No window and no sort: the query streams from the files.

    external=False leaves out the reasons that read another table (is_external) and their joins: the query then
    keeps the rows' order (DuckDB keeps it through projections, filters and UNION ALL, not through a join), and
    external_failures finds the rows those reasons would have given one."""
    helpers = ", ".join(h for c in spec.columns for h in helper_columns(c, decimal))
    typed = ", ".join(f"{typed_expr(c)} AS {_quote('t_' + c.name)}" for c in spec.columns)
    reasons = ", ".join(r for r in reason_exprs(spec, latest, decimal) if external or not is_external(r)) or "NULL"
    meta = ", ".join(f"typed.{m}" for m in ("_file_no", "_source_file", "_source_row", "_unparseable", "_raw_line",
                                            "_recheck"))
    kept = ", ".join(f"typed.{_quote(c.name)}" for c in spec.columns)
    kept_typed = "".join(f", typed.{_quote('t_' + c.name)}" for c in spec.columns if not text_typed(c))
    return f"""
        WITH helped AS (SELECT *{', ' + helpers if helpers else ''} FROM {source}),
        typed AS (SELECT *, {typed} FROM helped)
        SELECT {meta}, {kept}{kept_typed}, CASE WHEN typed._unparseable THEN '{UNPARSEABLE}'
            ELSE NULLIF(concat_ws('; ', {reasons}), '') END AS _reason
        FROM typed {lookup_joins(spec) if external else ''}
        """


def external_failures(spec: Table, checked: str, latest: date, decimal: str) -> str | None:
    """The rows of `checked` (_checked, built with checked_select(external=False)) that a reason reading another
    table fails, as (_file_no, _source_row): over their typed values, without typing the text again. None when
    the table has no such reason."""
    external = [r for r in reason_exprs(spec, latest, decimal) if is_external(r)]
    if not external:
        return None
    text = ", ".join(_quote(c.name) for c in spec.columns)
    return f"""
        SELECT typed._file_no, typed._source_row
        FROM (SELECT _file_no, _source_row, {text}, {checked_typed(spec)} FROM {checked}
              WHERE NOT _unparseable) typed {lookup_joins(spec)}
        WHERE concat_ws('', {', '.join(external)}) <> ''
        """


def duplicate_rows(spec: Table, checked: str, against_existing: bool) -> str:
    """The rows of `checked` (_checked) that are duplicates: a row with no reason whose key another row with no
    reason holds earlier in the load's order (_file_no, _source_row), or, incrementally, whose key an earlier load
    accepted. Only the keys held more than once are ranked, so a load of unique keys sorts nothing."""
    pk = [checked_column(next(c for c in spec.columns if c.name == k)) for k in spec.primary_key]
    keys = ", ".join(pk)
    ident = "_file_no, _source_file, _source_row"
    held = f"(SELECT {keys}, {ident} FROM {checked} WHERE _reason IS NULL)"
    query = f"""
        SELECT {ident} FROM (
            SELECT {ident}, row_number() OVER (PARTITION BY {keys} ORDER BY _file_no, _source_row) AS _key_rank
            FROM {held} h SEMI JOIN (SELECT {keys} FROM {held} GROUP BY ALL HAVING count(*) > 1) m USING ({keys}))
        WHERE _key_rank > 1
        """
    if against_existing:
        existing = " AND ".join(f"e.{_quote(k)} = h.{c}" for k, c in zip(spec.primary_key, pk))
        query += (f" UNION SELECT {ident} FROM {held} h WHERE EXISTS "
                  f"(SELECT 1 FROM {RAW_SCHEMA}.{_quote(spec.name)} e WHERE {existing})")
    return query


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
    only = f"t.{key} IN (SELECT {key} FROM {accounts_table})" if accounts_table else "TRUE"
    id_col = q(spec.primary_key[0])
    table = f"{RAW_SCHEMA}.{q(spec.name)}"
    # The chain is a window per account: the accounts are split into buckets (by a hash of the key) checked one
    # after the other, each bucket's rows at most about CHAIN_BUCKET_ROWS, so the window's memory does not grow
    # with the table.
    rows = con.execute(f"SELECT count(*) FROM {table} t WHERE {only}").fetchone()[0]
    buckets = max(1, -(-rows // CHAIN_BUCKET_ROWS))

    def breaks(bucket: int) -> str:
        in_bucket = f" AND hash(t.{key}) % {buckets} = {bucket}" if buckets > 1 else ""
        return f"""
        WITH chained AS (
            SELECT t.{id_col}, t.{key}, t.{q(first_order)}, t.{q(chain.balance)},
                   COALESCE(lag(t.{q(chain.balance)}) OVER (PARTITION BY t.{key} ORDER BY {order}),
                            a.{q(chain.opening)})
                   + CASE t.{q(chain.direction)} WHEN {_literal(chain.credit)} THEN t.{q(chain.amount)}
                     ELSE -t.{q(chain.amount)} END AS expected_balance
            FROM {table} t
            JOIN {RAW_SCHEMA}.{q(chain.parent)} a USING ({key})
            WHERE {only}{in_bucket}
        )
        SELECT {id_col}, {key}, {q(first_order)}, CAST(expected_balance AS DECIMAL(18,2)) AS expected_balance,
               {q(chain.balance)}
        FROM chained
        WHERE {q(chain.balance)} IS DISTINCT FROM expected_balance
        """

    con.execute(f"CREATE OR REPLACE TEMP TABLE _chain_breaks AS {breaks(0)}")
    for bucket in range(1, buckets):
        con.execute(f"INSERT INTO _chain_breaks {breaks(bucket)}")
    listed = f"SELECT * FROM _chain_breaks ORDER BY {key}, {', '.join(q(c) for c in chain.order)}"
    if accounts_table:
        con.execute(f"DELETE FROM {BALANCE_BREAKS_TABLE} WHERE {key} IN (SELECT {key} FROM {accounts_table})")
        con.execute(f"INSERT INTO {BALANCE_BREAKS_TABLE} {listed}")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {BALANCE_BREAKS_TABLE} AS {listed}")
    con.execute("DROP TABLE _chain_breaks")
    return breaks_listed(con)


def breaks_listed(con: duckdb.DuckDBPyConnection) -> int:
    """The balance-chain breaks listed in raw.balance_chain_breaks (checking every account if none are yet)."""
    if not table_exists(con, *BALANCE_BREAKS_TABLE.split(".")):
        return check_balance_chain(con)
    return con.execute(f"SELECT count(*) FROM {BALANCE_BREAKS_TABLE}").fetchone()[0]
