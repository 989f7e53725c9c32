"""Load the raw extracts from the landing folder into the warehouse's `raw` schema.

Every row that arrives ends in exactly one place: the typed table `raw.<table>` when it keeps the
contract, or `raw.quarantine` with the reason when it does not (bad type, missing key, unknown code,
non-positive amount, duplicate key, orphan foreign key, currency without a rate, a date after the latest
valid date or before 1900, a CSV record with the wrong number of fields, and the rules below). Rows in = rows
accepted + rows quarantined, per table, and loading the same files twice gives the same tables.

Which files are read, the format settings (`landing/<table>/_format.json`: decimal comma, encoding) and the
encoding rule are in orchestration/lib/ingest_files.py; how each value is read from text (numbers, time
zones) in orchestration/lib/ingest_values.py. In short:
- files: `.csv`, `.csv.gz`, `.csv.gzip`, `.parquet`, `.pq` directly in the table's folder are read; every other
  file of the folder (a subfolder's, hidden, an Office lock file, `.tsv`, `.txt`, ...) is skipped, listed with
  its reason in raw.skipped_files (table_name, source_file, reason, load_seq), LoadResult.skipped and a warning;
- numbers follow an explicit format (a dot for decimals, thousands commas only in groups of three, or the
  table's declared decimal comma); an ambiguous one or one with more decimals than its column holds is
  quarantined, never rounded;
- timestamps are Asia/Shanghai local time; an offset (`Z`, `+08:00`, `-05:00`, `+0800`) or a time-zone-aware
  Parquet timestamp converts to it. The connection's TimeZone is set to Asia/Shanghai during each load (and
  set back after); no result depends on it or on the machine's TZ.

Rows checked against other rows (docs/rules.md section 8):
- a transaction dated (its txn_ts's day) after its account's closed_date is quarantined, "transaction after the
  account's closed_date"; on the closing day itself it is accepted (the closing transaction posts that day);
- a transaction dated before its account's opened_date is quarantined, "transaction before the account's
  opened_date" (the opening day itself is accepted);
- an account whose closed_date is before its opened_date: "closed_date before opened_date";
- a staff member whose left_date is before hired_date: "left_date before hired_date" (the same day is fine);
- an account in a currency whose first fx rate is dated after the end of the account's opening month: kept
  (months before a currency's first rate convert at that first rate), counted in a warning of the accounts
  load, "fx rate used for months before its first rate_date: N account(s) ...", and in
  raw.load_audit.warning_counts.
A full load of accounts that narrows an account's dates (a later opened_date, an earlier closed_date) makes
the transactions load in full, so an incremental load gives what a full load gives.

A file that cannot be read, or lacks a required column, stops the load with an error naming the file
and the column (or the line). So does a required table with no rows. A CSV line longer than MAX_LINE_BYTES
is an error naming its line in the file ("line N (counting the header as line 1): line too long (over N
bytes)"); a disk that fills up during a load is "out of disk space while loading <table> (<path>)", and the
table stays as the last load left it. Error messages, warnings, logs and quarantine reasons never quote row
content: rows carry personal data.

After the transactions load, the balance chain is checked (docs/rules.md section 8): per account in (txn_ts, txn_id)
order, balance_after should be the previous balance_after (the account's opening_balance for the first)
plus a credit or minus a debit. A break is a warning, not a quarantine: the rows are kept, the count is
reported and the breaks are listed in raw.balance_chain_breaks.

Loads are incremental, so a daily refresh reads only what is new. Each file read is recorded in
raw.load_files with its size and modification time. On the next load of a table:
- nothing new and nothing to re-check: the table is left as it is (mode "unchanged");
- only new files, each sorting after every file already loaded (daily files named by date do): only
  those files are read and their rows appended (mode "incremental"). A key already accepted makes the new
  row a duplicate, as the first occurrence would be in a full load. Rows quarantined earlier for a reason
  that may have gone away (an orphan whose parent has since arrived, a date that was in the future, a
  transaction outside its account's dates when accounts changed) are checked again with the new rows, so the
  result is what a full load of every file would give;
- anything else (a file changed or removed, a new file sorting before a loaded one, a parent table that
  lost keys since, an earlier latest valid date, a table held in the `landing` schema, changed format
  settings, a new version of these rules (RULES_VERSION)): the whole table is loaded again from every file
  (mode "full").
Bookkeeping per table is in raw.load_audit (mode, files read, generation, parent generations).

Scale: a load streams in DuckDB (one pass from the files into the checked rows, no whole table in Python), and
DuckDB's memory during a load of a warehouse file is capped by BRANCH_RETENTION_INGEST_MEMORY_LIMIT (default
2GB; the rest spills to <warehouse>.tmp). benchmarks/bench_scale.py measures it against DuckDB's own read_csv.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import duckdb

from orchestration.lib.contract import LOAD_ORDER, MAY_BE_EMPTY, TABLES, Table
from orchestration.lib.ingest_base import (  # noqa: F401 - the names other modules import from here
    ALL_MONTHS,
    AUDIT_TABLE,
    BALANCE_BREAKS_TABLE,
    EARLIEST_VALID_DATE,
    FILE_SUFFIXES,
    FX_BEFORE_FIRST_RATE,
    LANDING_SCHEMA,
    LOAD_CHANGES_TABLE,
    LOAD_FILES_TABLE,
    MAX_LINE_BYTES,
    QUARANTINE_TABLE,
    RAW_SCHEMA,
    RULES_VERSION,
    SHANGHAI,
    SKIPPED_FILES_TABLE,
    UNPARSEABLE,
    LoadResult,
    _audit_number,
    _is_disk_full,
    _literal,
    _quote,
    _rollback,
    ingest_memory_limit,
    load_date,
    table_exists,
)
from orchestration.lib.ingest_files import (
    IngestionError,
    Utf8Checks,
    read_format,
    reads_as_utf8,
    table_folder,
    temp_workdir,
    warehouse_folder,
)
from orchestration.lib.ingest_plan import (  # noqa: F401
    _landing_table_exists,
    _plan,
    _previous,
    _signature,
    _skipped_warning,
    table_files,
    validation_parents,
)
from orchestration.lib.ingest_read import _file_select, _normalise, _read_file, _safe_reason, _shown_names
from orchestration.lib.ingest_validate import breaks_listed, check_balance_chain, kept_warnings
from orchestration.lib.ingest_values import BANK_TIME_ZONE
from orchestration.lib.ingest_write import TOUCHED_TABLE, NotUtf8, _create_empty, _Load, _next_generation, ensure_schema

log = logging.getLogger(__name__)


def load_table(
    con: duckdb.DuckDBPyConnection, table: str, landing: Path, latest_valid_date: date | None = None,
    full: bool = False,
) -> LoadResult:
    """Load one raw table, incrementally when it can (see the module docstring). Its parent tables
    (foreign keys) must be loaded first.

    latest_valid_date: a date or timestamp after this day is quarantined as a future date (maturity and
    planned dates excepted); None means today in Asia/Shanghai. full: read every file again.
    """
    spec = TABLES[table]
    latest = latest_valid_date or load_date()
    ensure_schema(con)
    folder = warehouse_folder(con)
    database = _database_path(con)
    previous_time_zone = _set_bank_time_zone(con)
    previous_memory = _set_memory_limit(con, database)
    workdir = None
    try:
        with temp_workdir(folder) as workdir:
            return _load_checked(con, spec, landing, latest, full, workdir)
    except (duckdb.Error, OSError) as exc:
        if _is_disk_full(exc):
            where = getattr(exc, "filename", None) or (database if isinstance(exc, duckdb.Error) else None)
            raise IngestionError(
                f"out of disk space while loading {table} ({where or workdir or database or 'memory'})") from None
        raise
    finally:
        _restore_time_zone(con, previous_time_zone)
        _restore_setting(con, "memory_limit", previous_memory)


def _database_path(con) -> str | None:
    try:
        row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    except duckdb.Error:
        return None
    return str(Path(row[0]).resolve()) if row and row[0] and row[0] != ":memory:" else None



def _set_bank_time_zone(con) -> str | None:
    """Set the connection's TimeZone to Asia/Shanghai for the load; the setting it had (to set back)."""
    try:
        previous = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
        con.execute(f"SET TimeZone = {_literal(BANK_TIME_ZONE)}")
    except duckdb.Error:
        return None
    return previous


def _restore_time_zone(con, previous: str | None) -> None:
    _restore_setting(con, "TimeZone", previous)


def _set_memory_limit(con, database: str | None) -> str | None:
    """Bound DuckDB's memory during the load of a file-backed warehouse (ingest_memory_limit(); what does not fit
    spills to the warehouse's temporary folder); the setting it had (to set back). An in-memory warehouse has
    nowhere to spill: its limit is left as it is."""
    if database is None:
        return None
    try:
        previous = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        con.execute(f"SET memory_limit = {_literal(ingest_memory_limit())}")
    except duckdb.Error:
        return None
    return previous


def _restore_setting(con, name: str, previous: str | None) -> None:
    if previous is None:
        return
    try:
        con.execute(f"SET {name} = {_literal(previous)}")
    except duckdb.Error:
        pass  # a connection the load's error invalidated



def _load_checked(con, spec: Table, landing: Path, latest: date, full: bool, workdir: Path) -> LoadResult:
    """Load the table reading its UTF-8 CSVs while their UTF-8 check runs (ingest_files.Utf8Checks); when one is
    not UTF-8 after all, load again checking (and decoding) each file first, as the encoding rule says."""
    started: list[Utf8Checks] = []
    try:
        return _load_table(con, spec, landing, latest, full, workdir, started)
    except NotUtf8:
        pass
    except Exception:  # an error reading a file that is not UTF-8 is not that file's error: see the decoded file
        if not started or started[0].all_valid():
            raise
    finally:
        for checks in started:
            checks.close()
    log.info("%s: a file read as UTF-8 is not UTF-8: loading again, each file checked first", spec.name)
    return _load_table(con, spec, landing, latest, full, workdir, None)


def _load_table(con, spec: Table, landing: Path, latest: date, full: bool, workdir: Path,
                started: list[Utf8Checks] | None = None) -> LoadResult:
    """Load the table. started: a list to put the UTF-8 checks in of the CSVs read while they are checked
    (None: check each CSV before reading it)."""
    table = spec.name
    listing = table_folder(landing, table)
    fmt = read_format(landing, table)
    files = listing.read
    labels = [str(path.relative_to(landing)) for path in files]
    skipped = [(str(path.relative_to(landing)), reason) for path, reason in listing.skipped]
    signatures = {label: _signature(path) for label, path in zip(labels, files)}
    prev = _previous(con, table)
    mode, plan = _plan(con, spec, prev, signatures, latest, full, fmt)
    to_read = [i for i, label in enumerate(labels) if mode == "full" or label not in prev.files]
    checks = None
    if started is not None:
        checks = Utf8Checks([(files[i], labels[i]) for i in to_read if reads_as_utf8(files[i], fmt)])
        started.append(checks)
    warnings: list[str] = []
    skip_note = _skipped_warning(table, skipped)
    if skip_note:
        warnings.append(skip_note)
    selects = []
    csv_sources: dict[str, tuple[int, str]] = {}  # path DuckDB reads -> (file number, label)
    for i in to_read:
        path, label = files[i], labels[i]
        relation, columns, readable = _read_file(con, path, workdir, label, table, fmt, warnings, checks)
        if readable is not None:
            csv_sources[readable] = (i, label)
        names = {_normalise(n) for n, _ in columns}
        extra = sorted(names - set(spec.column_names))
        if extra:
            warnings.append(f"{label}: extra column(s) ignored: {_shown_names(extra)}")
        absent = [c for c in spec.column_names if c not in names]
        if absent:
            warnings.append(f"{label}: optional column(s) absent, loaded as empty: {', '.join(absent)}")
        selects.append(_file_select(spec, relation, columns, label, i, fmt.decimal))
    read_labels = [labels[i] for i in to_read]
    if mode == "full" and not selects and _landing_table_exists(con, table):
        label = f"{LANDING_SCHEMA}.{table}"
        relation = f"{LANDING_SCHEMA}.{_quote(table)}"
        columns = [(d[0], str(d[1])) for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
        selects.append(_file_select(spec, relation, columns, label, 0, fmt.decimal))
        labels = read_labels = [label]
    load = _Load(spec, latest, labels, read_labels, signatures, mode, plan, prev, fmt, skipped, checks)
    if mode == "full" and not selects:
        if table in MAY_BE_EMPTY or spec.optional:
            warnings.append(f"no files for {table} in {landing / table}: loaded as an empty table")
            con.execute("BEGIN")
            try:
                generation = _next_generation(con, spec, prev)
                if spec.affects_months_from is not None and prev is not None and table_exists(con, RAW_SCHEMA, table):
                    had_rows = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{_quote(table)}").fetchone()[0]
                    load.affected_from = ALL_MONTHS if had_rows else None
                _create_empty(con, spec)
                con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table])
                load.record(con, rows_in=0, rows_new=0, generation=generation)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
            for w in warnings:
                log.warning(w)
            return load.result(con, warnings)
        raise IngestionError(f"no files for required table {table}: expected CSV or Parquet in {landing / table}"
                             + (f" ({skip_note.split(': ', 1)[1]})" if skip_note else ""))
    try:
        result = load.run(con, selects, csv_sources)
    except duckdb.Error as exc:
        if _is_disk_full(exc):
            raise
        raise IngestionError(f"{table}: cannot be read: {_safe_reason(exc, {k: v[1] for k, v in csv_sources.items()})}"
                             ) from None
    if spec.balance_chain:
        # Incrementally only the accounts with new rows are checked again, unless accounts (their opening
        # balances) were loaded in full since.
        accounts_reloaded = prev is None or _audit_number(con, spec.balance_chain.parent, "last_full_seq") > prev.load_seq
        if result.mode == "full" or accounts_reloaded:
            result.balance_chain_breaks = check_balance_chain(con, spec=spec)
        elif result.mode == "incremental":
            result.balance_chain_breaks = check_balance_chain(con, TOUCHED_TABLE, spec=spec)
        else:  # unchanged: the breaks listed stand
            result.balance_chain_breaks = breaks_listed(con)
    con.execute(f"DROP TABLE IF EXISTS {TOUCHED_TABLE}")
    if result.balance_chain_breaks:
        warnings.append(
            f"transactions: {result.balance_chain_breaks} balance-chain break(s): balance_after is not the "
            "previous balance plus a credit or minus a debit; rows kept, listed in " + BALANCE_BREAKS_TABLE
        )
    warnings += kept_warnings(con, spec)
    result.warnings = warnings
    for w in warnings:
        log.warning(w)
    return result



def load_all(
    con: duckdb.DuckDBPyConnection, landing: Path, latest_valid_date: date | None = None, full: bool = False
) -> dict[str, LoadResult]:
    """Load every raw table in LOAD_ORDER; latest_valid_date and full as in load_table."""
    latest = latest_valid_date or load_date()
    return {t: load_table(con, t, landing, latest, full) for t in LOAD_ORDER}




__all__ = ["IngestionError", "LoadResult", "check_balance_chain", "load_all", "load_table", "table_files"]
