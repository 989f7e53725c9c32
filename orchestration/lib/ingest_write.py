"""Write: one load of one table in one transaction: the rows read (and, incrementally, the rows quarantined
earlier that may pass now) are checked (ingest_validate.py); the accepted ones replace raw.<table> (full) or are
appended to it (incremental); the others go to raw.quarantine with their reason and record; the counts must
reconcile (rows in = accepted + quarantined); the bookkeeping (raw.load_audit, load_files, load_changes,
skipped_files) records the load and the table's generation.
"""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb

from orchestration.lib.contract import MAY_BE_EMPTY, SQL_TYPES, TABLES, Table
from orchestration.lib.ingest_base import (
    ALL_MONTHS,
    AUDIT_TABLE,
    LOAD_CHANGES_TABLE,
    LOAD_FILES_TABLE,
    QUARANTINE_TABLE,
    RAW_SCHEMA,
    REJECT_SCANS_TABLE,
    REJECTS_TABLE,
    RULES_VERSION,
    SKIPPED_FILES_TABLE,
    LoadResult,
    _audit_number,
    _literal,
    _quote,
    _rollback,
    table_exists,
)
from orchestration.lib.ingest_files import FileFormat, IngestionError, Utf8Checks
from orchestration.lib.ingest_plan import _Previous
from orchestration.lib.ingest_read import _add_rejected_records
from orchestration.lib.ingest_validate import (
    checked_column,
    checked_select,
    checked_typed,
    duplicate_reason,
    duplicate_rows,
    external_failures,
)


class NotUtf8(Exception):
    """A CSV read as UTF-8 while its check ran is not UTF-8: the load is rolled back and starts again."""


# The accounts (Table.balance_chain's key) a load accepted rows for: their chains are checked again.
TOUCHED_TABLE = "_touched_accounts"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (table_name VARCHAR, source_file VARCHAR, "
        "source_row BIGINT, reason VARCHAR, record JSON)"
    )
    audit_columns = {
        r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [RAW_SCHEMA, AUDIT_TABLE.split(".")[1]],
        ).fetchall()
    }
    if audit_columns and "accepted_before" not in audit_columns:
        # A warehouse from before incremental loads: without its bookkeeping every table loads in full once.
        con.execute(f"DROP TABLE {AUDIT_TABLE}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (table_name VARCHAR PRIMARY KEY, files VARCHAR, "
        "rows_in BIGINT, rows_accepted BIGINT, rows_quarantined BIGINT, "
        "load_mode VARCHAR, plan VARCHAR, files_read VARCHAR, rows_new BIGINT, "
        "generation BIGINT, parent_generations VARCHAR, latest_valid_date DATE, load_seq BIGINT, last_full_seq BIGINT, "
        "changed_seq BIGINT, accepted_before BIGINT, loaded_at TIMESTAMPTZ)"
    )
    # Rows dated after the data's last transaction day (orchestration/lib/data_window.py): not yet in the marts.
    con.execute(f"ALTER TABLE {AUDIT_TABLE} ADD COLUMN IF NOT EXISTS rows_after_data_end BIGINT")
    # The table's format settings (_format.json, canonical JSON), the rules version it was loaded under, and
    # the counts of rows kept with a warning ({warning: count}, JSON).
    con.execute(f"ALTER TABLE {AUDIT_TABLE} ADD COLUMN IF NOT EXISTS format_settings VARCHAR")
    con.execute(f"ALTER TABLE {AUDIT_TABLE} ADD COLUMN IF NOT EXISTS rules_version BIGINT")
    con.execute(f"ALTER TABLE {AUDIT_TABLE} ADD COLUMN IF NOT EXISTS warning_counts VARCHAR")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {SKIPPED_FILES_TABLE} (table_name VARCHAR, source_file VARCHAR, reason VARCHAR, "
        "load_seq BIGINT)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LOAD_FILES_TABLE} (table_name VARCHAR, source_file VARCHAR, size_bytes BIGINT, "
        "mtime_ns BIGINT, load_seq BIGINT, PRIMARY KEY (table_name, source_file))"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LOAD_CHANGES_TABLE} (load_seq BIGINT, table_name VARCHAR, affected_from DATE, "
        "recorded_at TIMESTAMPTZ)"
    )


def _affected_from(con, spec: Table, rows: str) -> date | None:
    """The first month (its first day) that the rows of `rows` (a relation with the contract's column names)
    can change in the month-incremental models, by the table's rule (Table.affects_months_from); None when
    there are none or the table feeds no incremental model."""
    if spec.affects_months_from is None:
        return None
    needed = set(re.findall(r"\{raw\}\.(\w+)", spec.affects_months_from))
    if not all(table_exists(con, RAW_SCHEMA, t) for t in needed):
        first = con.execute(f"SELECT count(*) FROM {rows}").fetchone()[0]
        return ALL_MONTHS if first else None
    expr = spec.affects_months_from.replace("{raw}", RAW_SCHEMA)
    first = con.execute(f"SELECT min(CAST({expr} AS DATE)) FROM {rows} r").fetchone()[0]
    return None if first is None else max(first.replace(day=1), ALL_MONTHS)


def _create_empty(con, spec: Table) -> None:
    cols = ", ".join(f"{_quote(c.name)} {SQL_TYPES[c.type]}" for c in spec.columns)
    con.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{spec.name} ({cols})")



def referenced_columns(table: str) -> list[str]:
    """Columns of `table` that other tables' rows are checked against: their foreign keys, and the keys their
    RowRules name (RowRule.keys)."""
    cols = [
        c.references.split(".")[1]
        for spec in TABLES.values()
        for c in spec.columns
        if c.references and c.references.split(".")[0] == table and spec.name != table
    ]
    cols += [k.split(".")[1] for spec in TABLES.values() if spec.name != table for r in spec.row_rules
             for k in r.keys if k.split(".")[0] == table]
    return list(dict.fromkeys(cols))


def _next_generation(con, spec: Table, prev: _Previous | None, accepted: str | None = None) -> int:
    """A table's generation goes up when a full load drops a key value that other tables refer to (or, for
    accounts, narrows an account's dates); their accepted rows may then be orphans (or outside their account's
    dates), so they load in full too. A load that only adds keeps it."""
    if prev is None:
        return _audit_number(con, spec.name, "generation") + 1
    if accepted is None:  # an empty table: anything it held is gone
        lost = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{_quote(spec.name)}").fetchone()[0] > 0
    else:
        lost = any(
            con.execute(
                f"SELECT count(*) FROM (SELECT {_quote(col)} FROM {RAW_SCHEMA}.{_quote(spec.name)} "
                f"EXCEPT SELECT {_quote('t_' + col)} FROM {accepted})"
            ).fetchone()[0]
            for col in referenced_columns(spec.name)
        )
        if spec.narrowed_when and not lost:
            # a change the contract declares as narrowing (Table.narrowed_when) counts as a lost key
            keys = " AND ".join(f"n.{_quote('t_' + k)} = o.{_quote(k)}" for k in spec.primary_key)
            lost = con.execute(
                f"SELECT count(*) FROM {RAW_SCHEMA}.{_quote(spec.name)} o JOIN {accepted} n ON {keys} "
                f"WHERE {spec.narrowed_when}"
            ).fetchone()[0] > 0
    return prev.generation + (1 if lost else 0)


def number_rows(con) -> None:
    """Number the rows of _checked within their file (_source_row, 1 for the first record after the header).

    _checked was written from the files in their order (ingest_read._file_select: UNION ALL, projections,
    no join, which DuckDB keeps in order), so a row's place in the table (rowid) less its file's first place
    is its record number. The rows DuckDB could not parse are placed among them afterwards
    (_add_rejected_records). A file whose rows are not in one run of places is an error, never a misnumbering."""
    places = con.execute("SELECT _file_no, min(rowid), max(rowid), count(*) FROM _checked GROUP BY _file_no "
                         "ORDER BY 2").fetchall()
    if not places:
        return
    for file_no, first, last, count in places:
        if last - first + 1 != count:
            raise IngestionError(f"internal error: the rows of file {file_no} were not written in one run; "
                                 "their record numbers cannot be given")
    firsts = " ".join(f"WHEN {file_no} THEN {first}" for file_no, first, _, _ in places)
    con.execute(f"UPDATE _checked SET _source_row = rowid - (CASE _file_no {firsts} END) + 1")


class _Load:
    """One load of one table: check the rows read (and, incrementally, the rows to check again), write
    the accepted ones and the quarantine, reconcile, and record the bookkeeping, in one transaction."""

    def __init__(self, spec: Table, latest: date, labels: list[str], read_labels: list[str],
                 signatures: dict[str, tuple[int, int]], mode: str, plan: str, prev: _Previous | None,
                 fmt: FileFormat | None = None, skipped: list[tuple[str, str]] | None = None,
                 checks: Utf8Checks | None = None):
        self.spec, self.latest, self.labels, self.read_labels = spec, latest, labels, read_labels
        self.checks = checks
        self.signatures, self.mode, self.plan, self.prev = signatures, mode, plan, prev
        self.fmt, self.skipped = fmt or FileFormat(), skipped or []
        self.rows_in = 0
        self.rows_new = 0
        # Rows raw.<table> held before this load appended to it: the rows at and after this position (rowid)
        # are the ones the load added, the batch the raw quality suites check.
        self.accepted_before = 0
        # The first month this load changed in the month-incremental models (None: none).
        self.affected_from: date | None = None

    @property
    def table(self) -> str:
        return self.spec.name

    def _recheck_select(self, con) -> str:
        """Rows quarantined earlier whose reason may have gone away since: an orphan whose parent table has
        changed, a currency without a rate when fx_rates has changed, a transaction outside its account's
        dates when accounts have changed, a future date when the latest valid date has moved on. They go back through the checks as they were read (their text). Other reasons
        (a bad value, a duplicate of a row that stays accepted) cannot go away: those rows stay."""
        prev, conditions = self.prev, []
        if prev is not None:
            changed = {p for p in self.spec.checked_against
                       if _audit_number(con, p, "changed_seq") > prev.load_seq}
            rules = [r for r in self.spec.row_rules if set(r.reads) & changed]
            if changed & set(self.spec.parents):
                conditions.append("q.reason LIKE '%orphan %'")
            for rule in rules:
                conditions.append(f"contains(q.reason, {_literal(rule.reason)})")
            if prev.latest_valid_date is not None and self.latest > prev.latest_valid_date:
                conditions.append("q.reason LIKE '%future date in %'")
        cols = ", ".join(
            f"json_extract_string(q.record, {_literal('$.' + c.name)}) AS {_quote(c.name)}" for c in self.spec.columns
        )
        return (
            f"SELECT COALESCE(f.file_no, -1) AS _file_no, q.source_file AS _source_file, q.source_row AS _source_row, "
            f"FALSE AS _unparseable, CAST(NULL AS VARCHAR) AS _raw_line, {cols}, TRUE AS _recheck "
            f"FROM {QUARANTINE_TABLE} q LEFT JOIN _file_numbers f ON f.label = q.source_file "
            f"WHERE q.table_name = {_literal(self.table)} AND ({' OR '.join(conditions) or 'FALSE'})"
        )

    def run(self, con, selects: list[str], csv_sources: dict[str, tuple[int, str]]) -> LoadResult:
        spec, table, incremental = self.spec, self.table, self.mode == "incremental"
        con.execute("BEGIN")
        try:
            if incremental:
                self.accepted_before = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{_quote(table)}").fetchone()[0]
            for temp in (REJECTS_TABLE, REJECT_SCANS_TABLE):
                con.execute(f"DROP TABLE IF EXISTS {temp}")
            con.execute("CREATE OR REPLACE TEMP TABLE _file_numbers (label VARCHAR, file_no BIGINT)")
            if self.labels:
                con.executemany("INSERT INTO _file_numbers VALUES (?, ?)", [[label, i] for i, label in enumerate(self.labels)])
            recheck = self._recheck_select(con)
            # One streamed pass from the files: read, type and check every row into _checked (no text copy of
            # the table before it), in the files' order (no join in it: the reasons reading other tables come
            # next, for the rows that fail them); the rows are numbered from their place. Incrementally the rows
            # to check again join the rows read.
            files = [f"SELECT *, FALSE AS _recheck FROM ({select})" for select in selects]
            source = " UNION ALL BY NAME ".join(f"({q})" for q in files) if files else f"{recheck} LIMIT 0"
            con.execute("CREATE OR REPLACE TEMP TABLE _checked AS " + checked_select(
                spec, f"({source})", self.latest, self.fmt.decimal, external=False))
            number_rows(con)
            self._external_reasons(con)
            if incremental:
                con.execute("INSERT INTO _checked BY NAME " + checked_select(spec, f"({recheck})", self.latest,
                                                                             self.fmt.decimal))
            _add_rejected_records(con, csv_sources)
            self.rows_new = con.execute("SELECT count(*) FROM _checked WHERE NOT _recheck").fetchone()[0]
            self.rows_in = self.rows_new + (self.prev.rows_in if incremental else 0)
            if not incremental and self.rows_in == 0 and table not in MAY_BE_EMPTY and not spec.optional:
                raise IngestionError(
                    f"{', '.join(self.labels)}: no rows (header only) for required table {table}: it must not be empty"
                )
            if incremental and not con.execute("SELECT count(*) FROM _checked").fetchone()[0]:
                self.mode = "unchanged"
                self.record(con, rows_in=self.rows_in, rows_new=0, generation=self.prev.generation)
                self._drop_temps(con)
                self._commit(con)
                return self.result(con, [])
            self._mark_duplicates(con, against_existing=incremental)
            casts = ", ".join(
                f"CAST({checked_column(c)} AS {SQL_TYPES[c.type]}) AS {_quote(c.name)}" for c in spec.columns)
            # _checked holds the rows in the load's order (_file_no, _source_row: DuckDB keeps the order rows are
            # inserted in), so the accepted rows are written in that order without sorting them; rows checked
            # again (incrementally, few) are put in their place by a sort of the new rows only.
            order = " ORDER BY _file_no, _source_row" if incremental else ""
            accepted_rows = f"SELECT {casts} FROM _checked WHERE _reason IS NULL{order}"
            if spec.balance_chain:
                key = _quote(spec.balance_chain.key)
                chain_key = checked_column(next(c for c in spec.columns if c.name == spec.balance_chain.key))
                con.execute(f"CREATE OR REPLACE TEMP TABLE {TOUCHED_TABLE} AS SELECT DISTINCT {chain_key} "
                            f"AS {key} FROM _checked WHERE _reason IS NULL")
            if incremental:
                generation = self.prev.generation
                con.execute(f"INSERT INTO {RAW_SCHEMA}.{_quote(table)} {accepted_rows}")
                # the rows just appended (released orphans included) are the change
                self.affected_from = _affected_from(
                    con, spec, f"(SELECT * FROM {RAW_SCHEMA}.{_quote(table)} OFFSET {self.accepted_before})")
                con.execute(
                    f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ? AND (source_file, source_row) IN "
                    "(SELECT _source_file, _source_row FROM _checked WHERE _recheck)", [table]
                )
            else:
                generation = _next_generation(con, spec, self.prev,
                                              f"(SELECT {checked_typed(spec)} FROM _checked WHERE _reason IS NULL)")
                if spec.affects_months_from is not None and table_exists(con, RAW_SCHEMA, table):
                    # the change is what differs from the table the last load left: added, altered or gone rows
                    con.execute(f"CREATE OR REPLACE TEMP TABLE _accepted AS {accepted_rows}")
                    old = f"{RAW_SCHEMA}.{_quote(table)}"
                    self.affected_from = _affected_from(
                        con, spec, f"((SELECT * FROM _accepted EXCEPT SELECT * FROM {old}) UNION ALL "
                                   f"(SELECT * FROM {old} EXCEPT SELECT * FROM _accepted))")
                    accepted_rows = "SELECT * FROM _accepted"
                else:
                    self.affected_from = ALL_MONTHS if spec.affects_months_from is not None else None
                con.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{_quote(table)} AS {accepted_rows}")
                con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table])
            record = ", ".join(f"{_quote(c.name)} := {_quote(c.name)}" for c in spec.columns)
            con.execute(
                f"INSERT INTO {QUARANTINE_TABLE} SELECT {_literal(table)}, _source_file, _source_row, _reason, "
                f"CASE WHEN _unparseable THEN to_json(struct_pack(csv_line := _raw_line)) "
                f"ELSE to_json(struct_pack({record})) END "
                f"FROM _checked WHERE _reason IS NOT NULL ORDER BY _file_no, _source_row"
            )
            self.record(con, rows_in=self.rows_in, rows_new=self.rows_new, generation=generation)
            result = self.result(con, [])
            if not result.reconciles:
                raise IngestionError(
                    f"{table}: reconciliation failed: {result.rows_in} rows in, {result.rows_accepted} accepted, "
                    f"{result.rows_quarantined} quarantined"
                )
            self._drop_temps(con)
            self._commit(con)
        except BaseException:
            _rollback(con)
            raise
        return result

    def _external_reasons(self, con) -> None:
        """Give the rows of _checked that a reason reading another table fails (an orphan, a RowRule over a
        Lookup row) their whole reason, as checked_select with every reason gives it (in its order)."""
        failures = external_failures(self.spec, "_checked", self.latest, self.fmt.decimal)
        if failures is None:
            return
        con.execute(f"CREATE OR REPLACE TEMP TABLE _external AS {failures}")
        if not con.execute("SELECT count(*) FROM _external").fetchone()[0]:
            return
        text = ", ".join(_quote(c.name) for c in self.spec.columns)
        rows = (f"(SELECT _file_no, _source_file, _source_row, _unparseable, _raw_line, _recheck, {text} "
                "FROM _checked SEMI JOIN _external USING (_file_no, _source_row))")
        con.execute("CREATE OR REPLACE TEMP TABLE _external AS SELECT _file_no, _source_row, _reason FROM ("
                    + checked_select(self.spec, rows, self.latest, self.fmt.decimal) + ")")
        con.execute("UPDATE _checked SET _reason = e._reason FROM _external e "
                    "WHERE _checked._file_no = e._file_no AND _checked._source_row = e._source_row")

    def _commit(self, con) -> None:
        """Commit the load, once every file read as UTF-8 is known to be UTF-8 (ingest_files.Utf8Checks)."""
        if self.checks is not None and not self.checks.all_valid():
            raise NotUtf8()
        con.execute("COMMIT")

    def _mark_duplicates(self, con, against_existing: bool) -> None:
        """Give the duplicates among the rows of _checked their reason (ingest_validate.duplicate_rows)."""
        con.execute("CREATE OR REPLACE TEMP TABLE _duplicates AS " + duplicate_rows(self.spec, "_checked",
                                                                                    against_existing))
        if con.execute("SELECT count(*) FROM _duplicates").fetchone()[0]:
            con.execute(
                f"UPDATE _checked SET _reason = {_literal(duplicate_reason(self.spec))} WHERE _reason IS NULL AND "
                "(_file_no, _source_file, _source_row) IN (SELECT _file_no, _source_file, _source_row FROM _duplicates)")

    def record(self, con, rows_in: int, rows_new: int, generation: int) -> None:
        """Write the table's audit row and its files (inside the load's transaction)."""
        table = self.table
        seq = con.execute(f"SELECT COALESCE(max(load_seq), 0) + 1 FROM {AUDIT_TABLE}").fetchone()[0]
        last_full = seq if self.mode == "full" else _audit_number(con, table, "last_full_seq")
        changed = _audit_number(con, table, "changed_seq") if self.mode == "unchanged" else seq
        parents = {p: _audit_number(con, p, "generation") for p in self.spec.checked_against}
        accepted = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{_quote(table)}").fetchone()[0]
        quarantined = con.execute(f"SELECT count(*) FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table]).fetchone()[0]
        con.execute(f"DELETE FROM {AUDIT_TABLE} WHERE table_name = ?", [table])
        con.execute(
            f"INSERT INTO {AUDIT_TABLE} (table_name, files, rows_in, rows_accepted, rows_quarantined, load_mode, plan, "
            "files_read, rows_new, generation, parent_generations, latest_valid_date, load_seq, last_full_seq, "
            "changed_seq, accepted_before, format_settings, rules_version, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [table, ", ".join(self.labels), rows_in, accepted, quarantined, self.mode, self.plan,
             ", ".join(self.read_labels if self.mode != "unchanged" else []), rows_new, generation,
             json.dumps(parents, sort_keys=True), self.latest, seq, last_full, changed,
             0 if self.mode == "full" else self.accepted_before, self.fmt.canonical(), RULES_VERSION],
        )
        con.execute(f"DELETE FROM {SKIPPED_FILES_TABLE} WHERE table_name = ?", [table])
        if self.skipped:
            con.executemany(f"INSERT INTO {SKIPPED_FILES_TABLE} VALUES (?, ?, ?, ?)",
                            [[table, label, reason, seq] for label, reason in self.skipped])
        if self.affected_from is not None:
            con.execute(f"INSERT INTO {LOAD_CHANGES_TABLE} VALUES (?, ?, ?, now())", [seq, table, self.affected_from])
        if self.mode == "full":
            con.execute(f"DELETE FROM {LOAD_FILES_TABLE} WHERE table_name = ?", [table])
        new_files = [label for label in self.read_labels if label in self.signatures]  # a landing.* table has no file
        if new_files:
            con.executemany(
                f"INSERT OR REPLACE INTO {LOAD_FILES_TABLE} VALUES (?, ?, ?, ?, ?)",
                [[table, label, *self.signatures[label], seq] for label in new_files],
            )

    def result(self, con, warnings: list[str]) -> LoadResult:
        table = self.table
        rows_in, accepted, quarantined = con.execute(
            f"SELECT rows_in, rows_accepted, rows_quarantined FROM {AUDIT_TABLE} WHERE table_name = ?", [table]
        ).fetchone()
        reasons = dict(
            con.execute(
                f"SELECT reason, count(*) FROM {QUARANTINE_TABLE} WHERE table_name = ? GROUP BY reason ORDER BY 2 DESC, 1",
                [table],
            ).fetchall()
        )
        return LoadResult(table, self.labels, rows_in, accepted, quarantined, reasons, warnings, mode=self.mode,
                          plan=self.plan, files_read=self.read_labels if self.mode != "unchanged" else [],
                          rows_new=self.rows_new, skipped=list(self.skipped))

    @staticmethod
    def _drop_temps(con) -> None:
        for temp in ("_checked", "_external", "_duplicates", "_accepted", "_source_files", "_rejected", "_reject_gaps", "_file_numbers",
                     REJECTS_TABLE, REJECT_SCANS_TABLE):
            con.execute(f"DROP TABLE IF EXISTS {temp}")


