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
"""

from __future__ import annotations

import errno
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from orchestration.lib.contract import (
    BASE_CURRENCY,
    DATE,
    LOAD_ORDER,
    MAY_BE_EMPTY,
    SQL_TYPES,
    TABLES,
    TIMESTAMP,
    Table,
)
from orchestration.lib.ingest_files import (
    READ_SUFFIXES,
    SKIP_SETTINGS,
    FileFormat,
    IngestionError,
    file_kind,
    first_line_over,
    prepare_csv,
    read_format,
    table_folder,
    temp_workdir,
    warehouse_folder,
)
from orchestration.lib.ingest_values import (
    BANK_TIME_ZONE,
    bad_value_reason,
    helper_columns,
    source_text,
    typed_expr,
)

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
QUARANTINE_TABLE = f"{RAW_SCHEMA}.quarantine"
AUDIT_TABLE = f"{RAW_SCHEMA}.load_audit"
LOAD_FILES_TABLE = f"{RAW_SCHEMA}.load_files"  # each file loaded: size and modification time
BALANCE_BREAKS_TABLE = f"{RAW_SCHEMA}.balance_chain_breaks"
# One row per load that accepted, changed or removed rows an incremental model reads: the first month they
# belong to. The dbt models rebuild from there (macros/incremental/refresh_window.sql).
LOAD_CHANGES_TABLE = f"{RAW_SCHEMA}.load_changes"
# affected_from for a change whose months cannot be bounded (a first load, a new earliest fx rate): all.
ALL_MONTHS = date(1900, 1, 1)
# Tables a user may already hold in the warehouse instead of files (docs/rules.md section 9).
LANDING_SCHEMA = "landing"
# Files of a table folder that are not read, with the reason (orchestration/lib/ingest_files.py).
SKIPPED_FILES_TABLE = f"{RAW_SCHEMA}.skipped_files"
FILE_SUFFIXES = tuple(READ_SUFFIXES)
# The longest CSV line (bytes) DuckDB reads; a longer one stops the load naming its line.
MAX_LINE_BYTES = 2_000_000
# The version of the reading and checking rules: a table last loaded under another version loads in full.
RULES_VERSION = 2
# Timestamps are local Asia/Shanghai time (docs/rules.md section 9); China has no daylight saving time.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
# Dates before this are typos or placeholders, not data (a maturity in 9999 is a sentinel and stays).
EARLIEST_VALID_DATE = date(1900, 1, 1)
# DuckDB's CSV reader records rows it cannot split into the header's fields in these temp tables.
REJECTS_TABLE = "_csv_rejects"
REJECT_SCANS_TABLE = "_csv_reject_scans"
# Reject kinds that concern one record: it is quarantined and the file goes on. Any other kind (an
# unterminated quote, a line over the size limit) can swallow the records after it: the load stops.
ROW_REJECTS = ("TOO MANY COLUMNS", "MISSING COLUMNS")
LINE_TOO_LONG = "LINE SIZE OVER MAXIMUM"
UNPARSEABLE = "unparseable CSV row"
FX_BEFORE_FIRST_RATE = "fx rate used for months before its first rate_date"
__all__ = ["IngestionError", "LoadResult", "load_all", "load_table", "table_files"]


@dataclass
class LoadResult:
    table: str
    files: list[str]
    rows_in: int
    rows_accepted: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    balance_chain_breaks: int = 0  # transactions only: rows kept whose balance_after breaks the chain
    mode: str = "full"  # full | incremental | unchanged (see the module docstring)
    plan: str = ""  # why this mode
    files_read: list[str] = field(default_factory=list)  # the files this load read (all of them when full)
    rows_new: int = 0  # rows read by this load
    # files of the table's folder not read as rows: (path relative to the landing folder, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.rows_accepted + self.rows_quarantined


def load_date() -> date:
    """Today in Asia/Shanghai, the default latest valid date of every date column."""
    return datetime.now(SHANGHAI).date()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def table_files(landing: Path, table: str) -> list[Path]:
    """The files of landing/<table>/ that are read (orchestration/lib/ingest_files.py decides)."""
    return table_folder(landing, table).read


def _safe_reason(exc: Exception, paths: dict[str, str] | None = None) -> str:
    """A duckdb error without the row text it may quote (rows carry personal data): the first line, cut before
    any quoted line or value, quoted strings replaced by '…', the paths given (path -> label) by their label."""
    message = str(exc) or type(exc).__name__
    for path, label in (paths or {}).items():
        message = message.replace(path, label)
    text = message.splitlines()[0]
    text = re.split(r"(?i)original line|line content|\bvalue\b", text)[0]
    text = re.sub(r"'[^']*'|\"[^\"]*\"", lambda m: m.group(0) if m.group(0)[1:-1] in (paths or {}).values()
                  else "'…'", text)
    # "CSV Error on Line: 12" is the file's line; "LINE 1:" further down is the SQL statement's.
    line = re.search(r"(?i)error on line:?\s*(\d+)", message)
    return text.strip().rstrip(":") + (f" (near line {line.group(1)})" if line and "line" not in text.lower() else "")


def _line_too_long(label: str, readable: Path, reported_line: int | None = None) -> IngestionError | None:
    """The error for a CSV line over MAX_LINE_BYTES, naming its physical line in the file (DuckDB reports the
    line of its buffer, often 1, when the line falls in its sniffing sample). None when no physical line is
    that long when there is no line DuckDB named: a quoted field that never closes made one long record."""
    line = first_line_over(readable, MAX_LINE_BYTES)
    if line is not None:
        return IngestionError(f"{label}: cannot be read: line {line} (counting the header as line 1): "
                              f"line too long (over {MAX_LINE_BYTES} bytes)")
    if reported_line is None:
        return None
    return IngestionError(f"{label}: cannot be read: line {reported_line} (counting the header as line 1): "
                          f"a record over {MAX_LINE_BYTES} bytes across lines: an unterminated quote is the usual "
                          "cause")


def _is_empty(path: Path, label: str) -> bool:
    from orchestration.lib.ingest_files import open_bytes

    if path.stat().st_size == 0:
        return True
    if file_kind(path) != "csv":
        return False
    try:
        with open_bytes(path) as fh:
            return not fh.read(1)
    except (OSError, EOFError):
        raise IngestionError(f"{label}: not a readable gzip file") from None


def _read_file(
    con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, label: str, table: str, fmt: FileFormat,
    warnings: list[str] | None = None,
) -> tuple[str, list[tuple[str, str]], str | None]:
    """A SQL expression reading the file, its columns (name, DuckDB type), and for a CSV the path DuckDB reads
    (the name its rejected records are filed under)."""
    if _is_empty(path, label):
        raise IngestionError(f"{label}: file is empty (no header row)")
    readable = None
    if file_kind(path) == "csv":
        readable = prepare_csv(path, label, table, fmt, workdir, warnings)
        compression = ", compression='gzip'" if readable == path and path.name.lower().endswith((".gz", ".gzip")) else ""
        # Dialect fixed by the contract (comma, double quotes); every column read as text and typed later,
        # so one bad value quarantines one row instead of failing the file. A record DuckDB cannot split
        # into the header's fields is not dropped: store_rejects files it, and the load quarantines it.
        relation = (
            f"read_csv({_literal(str(readable))}, header=true, all_varchar=true, delim=',', quote='\"', "
            f"escape='\"', strict_mode=true, max_line_size={MAX_LINE_BYTES}{compression}, store_rejects=true, "
            f"rejects_table='{REJECTS_TABLE}', rejects_scan='{REJECT_SCANS_TABLE}')"
        )
    else:
        relation = f"read_parquet({_literal(str(path))})"
    try:
        columns = [(d[0], str(d[1])) for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
    except duckdb.Error as exc:
        if _is_disk_full(exc):
            raise
        too_long = _line_too_long(label, Path(readable or path)) if "maximum line size" in str(exc).lower() else None
        if too_long:
            raise too_long from None
        reason = _safe_reason(exc, {str(readable or path): label, str(path): label})
        if "sniffing" in reason.lower():
            reason = ("the CSV layout could not be recognised (comma-separated, double quotes, a header row); "
                      "an unterminated quote is the usual cause")
        raise IngestionError(f"{label}: cannot be read: {reason}") from None
    return relation, columns, (str(readable) if readable is not None else None)


def _normalise(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _shown_names(names: list[str]) -> str:
    """Column names for a warning: names that look like identifiers; others counted, not shown (a file without
    a header row has its first row's values as names)."""
    shown = [n for n in names if re.fullmatch(r"[a-z0-9_ .\-]{1,64}", n)]
    hidden = len(names) - len(shown)
    return ", ".join(shown + ([f"{hidden} other name(s) not shown"] if hidden else []))


def _file_select(spec: Table, relation: str, columns: list[tuple[str, str]], label: str, file_no: int,
                 decimal: str = ".") -> str:
    by_clean, types = {}, dict(columns)
    for n, _ in columns:
        by_clean.setdefault(_normalise(n), n)
    missing = [c for c in spec.required_columns if c not in by_clean]
    if missing:
        raise IngestionError(f"{label}: missing required column(s) {', '.join(missing)} for table {spec.name}")
    cols = []
    for c in spec.columns:
        if c.name in by_clean:
            source = by_clean[c.name]
            cols.append(f"NULLIF(TRIM({source_text(source, types[source], decimal)}), '') AS {_quote(c.name)}")
        else:
            cols.append(f"CAST(NULL AS VARCHAR) AS {_quote(c.name)}")
    return (
        f"SELECT {file_no} AS _file_no, {_literal(label)} AS _source_file, "
        f"row_number() OVER () AS _source_row, FALSE AS _unparseable, CAST(NULL AS VARCHAR) AS _raw_line, "
        f"{', '.join(cols)} FROM {relation}"
    )


# The rows of another table a row is checked against (docs/rules.md section 8): the columns joined to it.
CONTEXT = {
    "transactions": (f"LEFT JOIN (SELECT account_id AS _ctx_account_id, opened_date AS _account_opened, "
                     f"closed_date AS _account_closed FROM {RAW_SCHEMA}.accounts) ctx "
                     f"ON ctx._ctx_account_id = typed.t_account_id"),
}


def _reason_exprs(spec: Table, accepted_keys: dict[str, str], latest_valid_date: date, decimal: str = ".") -> list[str]:
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
            parent = accepted_keys[col.references]
            reasons.append(
                f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN (SELECT k FROM {parent}) "
                f"THEN 'orphan {col.name}: no accepted {col.references.split('.')[0]} row' END"
            )
    if spec.name == "accounts":
        reasons.append(
            f"CASE WHEN {_quote('t_currency')} IS NOT NULL AND {_quote('t_currency')} <> '{BASE_CURRENCY}' "
            f"AND {_quote('t_currency')} NOT IN (SELECT currency FROM {RAW_SCHEMA}.fx_rates) "
            f"THEN 'currency has no rate in fx_rates' END"
        )
        reasons.append("CASE WHEN t_closed_date < t_opened_date THEN 'closed_date before opened_date' END")
    if spec.name == "staff":
        reasons.append("CASE WHEN t_left_date < t_hired_date THEN 'left_date before hired_date' END")
    if spec.name == "transactions":
        reasons.append("CASE WHEN CAST(t_txn_ts AS DATE) > _account_closed "
                       "THEN 'transaction after the account''s closed_date' END")
        reasons.append("CASE WHEN CAST(t_txn_ts AS DATE) < _account_opened "
                       "THEN 'transaction before the account''s opened_date' END")
    return reasons


def validation_parents(spec: Table) -> list[str]:
    """Tables whose rows decide whether a row of `spec` is accepted: its foreign keys, and for accounts
    the fx_rates (a currency needs a rate)."""
    return list(spec.parents) + (["fx_rates"] if spec.name == "accounts" else [])


def _referenced_columns(table: str) -> list[str]:
    """Columns of `table` that other tables' rows are checked against."""
    cols = [
        c.references.split(".")[1]
        for spec in TABLES.values()
        for c in spec.columns
        if c.references and c.references.split(".")[0] == table and spec.name != table
    ]
    if table == "fx_rates":
        cols.append("currency")
    return list(dict.fromkeys(cols))


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


def _landing_table_exists(con, table: str) -> bool:
    return table_exists(con, LANDING_SCHEMA, table)


def table_exists(con, schema: str, table: str) -> bool:
    """Whether schema.table exists in the warehouse."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


@dataclass
class _Previous:
    """What the last load of a table left: its files, generation and the state it was checked against."""

    files: dict[str, tuple[int, int]]
    rows_in: int
    generation: int
    parent_generations: dict[str, int]
    latest_valid_date: date | None
    load_seq: int
    from_landing_schema: bool
    format_settings: str | None = None
    rules_version: int | None = None


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _previous(con, table: str) -> _Previous | None:
    row = con.execute(
        f"SELECT files, rows_in, generation, parent_generations, latest_valid_date, load_seq, format_settings, "
        f"rules_version FROM {AUDIT_TABLE} WHERE table_name = ?",
        [table],
    ).fetchone()
    if row is None or not table_exists(con, RAW_SCHEMA, table):
        return None
    files = {
        f: (size, mtime)
        for f, size, mtime in con.execute(
            f"SELECT source_file, size_bytes, mtime_ns FROM {LOAD_FILES_TABLE} WHERE table_name = ?", [table]
        ).fetchall()
    }
    return _Previous(files, row[1], row[2] or 0, json.loads(row[3] or "{}"), row[4], row[5] or 0,
                     row[0] == f"{LANDING_SCHEMA}.{table}", row[6], row[7])


def _audit_number(con, table: str, column: str) -> int:
    """A number of the table's audit row: its generation, last_full_seq (the load number of its last full
    load) or changed_seq (of its last load that changed it); 0 before its first load."""
    row = con.execute(f"SELECT {column} FROM {AUDIT_TABLE} WHERE table_name = ?", [table]).fetchone()
    return (row[0] or 0) if row else 0


def _plan(con, spec: Table, prev: _Previous | None, current: dict[str, tuple[int, int]], latest: date,
          full: bool, fmt: FileFormat | None = None) -> tuple[str, str]:
    """("full" | "incremental", why) for loading `spec` from the files `current` (label -> signature)."""
    if full:
        return "full", "a full load was asked for"
    if prev is None:
        return "full", "first load"
    if prev.rules_version != RULES_VERSION:
        return "full", f"the reading and checking rules changed (version {RULES_VERSION})"
    if prev.format_settings != (fmt or FileFormat()).canonical():
        return "full", "the table's format settings (_format.json) changed"
    if prev.from_landing_schema or not current and _landing_table_exists(con, spec.name):
        return "full", f"read from the warehouse table {LANDING_SCHEMA}.{spec.name}"
    gone = sorted(set(prev.files) - set(current))
    if gone:
        return "full", f"file {gone[0]} was removed"
    changed = sorted(f for f in prev.files if current[f] != prev.files[f])
    if changed:
        return "full", f"file {changed[0]} changed (size or modification time)"
    new = sorted(set(current) - set(prev.files))
    if new and prev.files and new[0] < max(prev.files):
        return "full", f"new file {new[0]} sorts before a loaded file"
    if prev.latest_valid_date is not None and latest < prev.latest_valid_date:
        return "full", f"latest valid date {latest} is earlier than the last load's {prev.latest_valid_date}"
    for parent in validation_parents(spec):
        if prev.parent_generations.get(parent) != _audit_number(con, parent, "generation"):
            return "full", f"{parent} lost or narrowed rows that this table's rows are checked against"
    return "incremental", f"{len(new)} new file(s)" if new else "no new files"


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
    workdir = None
    try:
        with temp_workdir(folder) as workdir:
            return _load_table(con, spec, landing, latest, full, workdir)
    except (duckdb.Error, OSError) as exc:
        if _is_disk_full(exc):
            where = getattr(exc, "filename", None) or (database if isinstance(exc, duckdb.Error) else None)
            raise IngestionError(
                f"out of disk space while loading {table} ({where or workdir or database or 'memory'})") from None
        raise
    finally:
        _restore_time_zone(con, previous_time_zone)


def _database_path(con) -> str | None:
    try:
        row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    except duckdb.Error:
        return None
    return str(Path(row[0]).resolve()) if row and row[0] and row[0] != ":memory:" else None


def _is_disk_full(exc: BaseException) -> bool:
    """Whether an error says the disk (or the file system's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return isinstance(exc, (duckdb.Error, OSError)) and any(
        m in text for m in ("no space left on device", "disk is full", "not enough space on the disk",
                            "disk quota exceeded"))


def _set_bank_time_zone(con) -> str | None:
    """Set the connection's TimeZone to Asia/Shanghai for the load; the setting it had (to set back)."""
    try:
        previous = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
        con.execute(f"SET TimeZone = {_literal(BANK_TIME_ZONE)}")
    except duckdb.Error:
        return None
    return previous


def _restore_time_zone(con, previous: str | None) -> None:
    if previous is None:
        return
    try:
        con.execute(f"SET TimeZone = {_literal(previous)}")
    except duckdb.Error:
        pass  # a connection the load's error invalidated


def _skipped_warning(table: str, skipped: list[tuple[str, str]]) -> str | None:
    """One warning for the files of a table folder that are not read (the format settings aside)."""
    listed = [(label, reason) for label, reason in skipped if reason != SKIP_SETTINGS]
    if not listed:
        return None
    by_reason: dict[str, list[str]] = {}
    for label, reason in listed:
        by_reason.setdefault(reason, []).append(label)
    parts = [f"{reason}: {', '.join(labels[:5])}" + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
             for reason, labels in by_reason.items()]
    return f"{table}: {len(listed)} file(s) not read (listed in {SKIPPED_FILES_TABLE}): " + "; ".join(parts)


def _load_table(con, spec: Table, landing: Path, latest: date, full: bool, workdir: Path) -> LoadResult:
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
    warnings: list[str] = []
    skip_note = _skipped_warning(table, skipped)
    if skip_note:
        warnings.append(skip_note)
    selects = []
    csv_sources: dict[str, tuple[int, str]] = {}  # path DuckDB reads -> (file number, label)
    for i in to_read:
        path, label = files[i], labels[i]
        relation, columns, readable = _read_file(con, path, workdir, label, table, fmt, warnings)
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
    load = _Load(spec, latest, labels, read_labels, signatures, mode, plan, prev, fmt, skipped)
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
    if table == "transactions":
        # Incrementally only the accounts with new rows are checked again, unless accounts (their opening
        # balances) were loaded in full since.
        accounts_reloaded = prev is None or _audit_number(con, "accounts", "last_full_seq") > prev.load_seq
        if result.mode == "full" or accounts_reloaded:
            result.balance_chain_breaks = check_balance_chain(con)
        elif result.mode == "incremental":
            result.balance_chain_breaks = check_balance_chain(con, "_touched_accounts")
        else:  # unchanged: the breaks listed stand
            result.balance_chain_breaks = breaks_listed(con)
    con.execute("DROP TABLE IF EXISTS _touched_accounts")
    if result.balance_chain_breaks:
        warnings.append(
            f"transactions: {result.balance_chain_breaks} balance-chain break(s): balance_after is not the "
            "previous balance plus a credit or minus a debit; rows kept, listed in " + BALANCE_BREAKS_TABLE
        )
    if table == "accounts":
        warnings += _fx_warnings(con)
    result.warnings = warnings
    for w in warnings:
        log.warning(w)
    return result


def _fx_warnings(con) -> list[str]:
    """Accounts kept whose first months come before their currency's first rate (they convert at that first
    rate): a warning with the count, recorded in the audit's warning_counts."""
    n = con.execute(
        f"""
        SELECT count(*) FROM {RAW_SCHEMA}.accounts a
        JOIN (SELECT currency, min(rate_date) AS first_rate FROM {RAW_SCHEMA}.fx_rates GROUP BY currency) f
          ON f.currency = a.currency
        WHERE last_day(a.opened_date) < f.first_rate
        """
    ).fetchone()[0] if table_exists(con, RAW_SCHEMA, "fx_rates") else 0
    con.execute(f"UPDATE {AUDIT_TABLE} SET warning_counts = ? WHERE table_name = 'accounts'",
                [json.dumps({FX_BEFORE_FIRST_RATE: n} if n else {})])
    if not n:
        return []
    return [f"accounts: {FX_BEFORE_FIRST_RATE}: {n} account(s) opened in a month that ends before their currency's "
            "first rate; rows kept, those months convert at the first rate"]


def _rollback(con) -> None:
    """Roll the load's transaction back; a transaction the error already ended (or a connection it invalidated)
    leaves nothing to roll back, and must not hide the error."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


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
            for col in _referenced_columns(spec.name)
        )
        if spec.name == "accounts" and not lost:
            # a later opened_date or an earlier closed_date may put an accepted transaction outside its account
            lost = con.execute(
                f"SELECT count(*) FROM {RAW_SCHEMA}.accounts o JOIN {accepted} n ON n.t_account_id = o.account_id "
                "WHERE n.t_opened_date > o.opened_date "
                "OR COALESCE(n.t_closed_date, DATE '9999-12-31') < COALESCE(o.closed_date, DATE '9999-12-31')"
            ).fetchone()[0] > 0
    return prev.generation + (1 if lost else 0)


class _Load:
    """One load of one table: check the rows read (and, incrementally, the rows to check again), write
    the accepted ones and the quarantine, reconcile, and record the bookkeeping, in one transaction."""

    def __init__(self, spec: Table, latest: date, labels: list[str], read_labels: list[str],
                 signatures: dict[str, tuple[int, int]], mode: str, plan: str, prev: _Previous | None,
                 fmt: FileFormat | None = None, skipped: list[tuple[str, str]] | None = None):
        self.spec, self.latest, self.labels, self.read_labels = spec, latest, labels, read_labels
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
            changed = {p for p in validation_parents(self.spec)
                       if _audit_number(con, p, "changed_seq") > prev.load_seq}
            if changed - {"fx_rates"}:
                conditions.append("q.reason LIKE '%orphan %'")
            if "accounts" in changed and self.table == "transactions":
                conditions.append("q.reason LIKE '%the account''s %'")
            if "fx_rates" in changed and self.table == "accounts":
                conditions.append("q.reason LIKE '%has no rate in fx_rates%'")
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
                con.executemany("INSERT INTO _file_numbers VALUES (?, ?)", [[l, i] for i, l in enumerate(self.labels)])
            recheck = self._recheck_select(con)
            if selects:
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE _incoming AS SELECT *, FALSE AS _recheck FROM "
                    f"({' UNION ALL '.join(selects)})"
                )
            else:
                con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS {recheck} LIMIT 0")
            _add_rejected_records(con, csv_sources)
            self.rows_new = con.execute("SELECT count(*) FROM _incoming").fetchone()[0]
            self.rows_in = self.rows_new + (self.prev.rows_in if incremental else 0)
            if not incremental and self.rows_in == 0 and table not in MAY_BE_EMPTY and not spec.optional:
                raise IngestionError(
                    f"{', '.join(self.labels)}: no rows (header only) for required table {table}: it must not be empty"
                )
            if incremental:
                con.execute(f"INSERT INTO _incoming BY NAME {recheck}")
                if not con.execute("SELECT count(*) FROM _incoming").fetchone()[0]:
                    self.mode = "unchanged"
                    self.record(con, rows_in=self.rows_in, rows_new=0, generation=self.prev.generation)
                    self._drop_temps(con)
                    con.execute("COMMIT")
                    return self.result(con, [])
            self._check(con, against_existing=incremental)
            out_cols = ", ".join(f"{_quote('t_' + c.name)} AS {_quote(c.name)}" for c in spec.columns)
            casts = ", ".join(
                f"CAST({_quote(c.name)} AS {SQL_TYPES[c.type]}) AS {_quote(c.name)}" for c in spec.columns)
            accepted_rows = (f"SELECT {casts} FROM (SELECT {out_cols} FROM _checked WHERE _reason IS NULL "
                             "ORDER BY _file_no, _source_row)")
            if table == "transactions":
                con.execute("CREATE OR REPLACE TEMP TABLE _touched_accounts AS SELECT DISTINCT t_account_id AS "
                            "account_id FROM _checked WHERE _reason IS NULL")
            if incremental:
                generation = self.prev.generation
                con.execute(f"INSERT INTO {RAW_SCHEMA}.{_quote(table)} {accepted_rows}")
                # the rows just appended (released orphans included) are the change
                self.affected_from = _affected_from(
                    con, spec, f"(SELECT * FROM {RAW_SCHEMA}.{_quote(table)} OFFSET {self.accepted_before})")
                con.execute(
                    f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ? AND (source_file, source_row) IN "
                    "(SELECT _source_file, _source_row FROM _incoming WHERE _recheck)", [table]
                )
            else:
                generation = _next_generation(con, spec, self.prev, "(SELECT * FROM _checked WHERE _reason IS NULL)")
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
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        return result

    def _check(self, con, against_existing: bool) -> None:
        """_checked: every row of _incoming with its typed values and its reason (NULL: accepted)."""
        spec, table = self.spec, self.table
        accepted_keys = {}
        for col in spec.columns:
            if col.references and col.references.split(".")[0] != table:
                parent, key = col.references.split(".")
                accepted_keys[col.references] = f"(SELECT {_quote(key)} AS k FROM {RAW_SCHEMA}.{_quote(parent)})"
        decimal = self.fmt.decimal
        helpers = ", ".join(h for c in spec.columns for h in helper_columns(c, decimal))
        typed = ", ".join(f"{typed_expr(c)} AS {_quote('t_' + c.name)}" for c in spec.columns)
        reasons = ", ".join(_reason_exprs(spec, accepted_keys, self.latest, decimal))
        context = CONTEXT.get(table, "")
        pk = ", ".join(_quote("t_" + k) for k in spec.primary_key)
        # Incrementally, a key accepted by an earlier load is the first occurrence: the new row is the duplicate.
        existing = (
            f"LEFT JOIN (SELECT DISTINCT {', '.join(_quote(k) + ' AS ' + _quote('e_' + k) for k in spec.primary_key)}, "
            f"TRUE AS _exists FROM {RAW_SCHEMA}.{_quote(table)}) e ON "
            + " AND ".join(f"e.{_quote('e_' + k)} = r.{_quote('t_' + k)}" for k in spec.primary_key)
            if against_existing else ""
        )
        exists = "COALESCE(_exists, FALSE)" if against_existing else "FALSE"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _checked AS
            WITH helped AS (SELECT *{', ' + helpers if helpers else ''} FROM _incoming),
            typed AS (SELECT *, {typed} FROM helped),
            reasoned AS (SELECT typed.*, CASE WHEN _unparseable THEN '{UNPARSEABLE}'
                ELSE NULLIF(concat_ws('; ', {reasons}), '') END AS _row_reason FROM typed {context}),
            ranked AS (
                SELECT r.*, {exists} AS _key_taken, CASE WHEN _row_reason IS NULL THEN row_number() OVER (
                    PARTITION BY {pk}, _row_reason IS NULL ORDER BY _file_no, _source_row) END AS _key_rank
                FROM reasoned r {existing}
            )
            SELECT *, COALESCE(_row_reason, CASE WHEN _key_rank > 1 OR _key_taken
                THEN 'duplicate {'/'.join(spec.primary_key)} (first occurrence kept)' END) AS _reason
            FROM ranked
            """
        )

    def record(self, con, rows_in: int, rows_new: int, generation: int) -> None:
        """Write the table's audit row and its files (inside the load's transaction)."""
        table = self.table
        seq = con.execute(f"SELECT COALESCE(max(load_seq), 0) + 1 FROM {AUDIT_TABLE}").fetchone()[0]
        last_full = seq if self.mode == "full" else _audit_number(con, table, "last_full_seq")
        changed = _audit_number(con, table, "changed_seq") if self.mode == "unchanged" else seq
        parents = {p: _audit_number(con, p, "generation") for p in validation_parents(self.spec)}
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
        new_files = [l for l in self.read_labels if l in self.signatures]  # a landing.* table has no file
        if new_files:
            con.executemany(
                f"INSERT OR REPLACE INTO {LOAD_FILES_TABLE} VALUES (?, ?, ?, ?, ?)",
                [[table, l, *self.signatures[l], seq] for l in new_files],
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
        for temp in ("_incoming", "_checked", "_accepted", "_source_files", "_rejected", "_reject_gaps", "_file_numbers",
                     REJECTS_TABLE, REJECT_SCANS_TABLE):
            con.execute(f"DROP TABLE IF EXISTS {temp}")


def check_balance_chain(con: duckdb.DuckDBPyConnection, accounts_table: str | None = None) -> int:
    """List the balance-chain breaks of raw.transactions in raw.balance_chain_breaks; return their count.

    Per account in (txn_ts, txn_id) order, the expected balance is the previous row's balance_after (the
    account's opening_balance for its first row) plus the amount of a credit or minus that of a debit.
    balance_after is what the core system says: a break is reported, never corrected or quarantined.
    accounts_table: a table of account_id whose chains to check again (the accounts an incremental load
    touched); None checks every account.
    """
    if accounts_table and not table_exists(con, *BALANCE_BREAKS_TABLE.split(".")):
        accounts_table = None  # nothing listed yet: check every account
    only = f"WHERE t.account_id IN (SELECT account_id FROM {accounts_table})" if accounts_table else ""
    breaks = f"""
        WITH chained AS (
            SELECT t.txn_id, t.account_id, t.txn_ts, t.balance_after,
                   COALESCE(lag(t.balance_after) OVER (PARTITION BY t.account_id ORDER BY t.txn_ts, t.txn_id),
                            a.opening_balance)
                   + CASE t.direction WHEN 'credit' THEN t.amount ELSE -t.amount END AS expected_balance
            FROM {RAW_SCHEMA}.transactions t
            JOIN {RAW_SCHEMA}.accounts a USING (account_id)
            {only}
        )
        SELECT txn_id, account_id, txn_ts, CAST(expected_balance AS DECIMAL(18,2)) AS expected_balance, balance_after
        FROM chained
        WHERE balance_after IS DISTINCT FROM expected_balance
        ORDER BY account_id, txn_ts, txn_id
        """
    if accounts_table:
        con.execute(f"DELETE FROM {BALANCE_BREAKS_TABLE} WHERE account_id IN (SELECT account_id FROM {accounts_table})")
        con.execute(f"INSERT INTO {BALANCE_BREAKS_TABLE} {breaks}")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {BALANCE_BREAKS_TABLE} AS {breaks}")
    return breaks_listed(con)


def breaks_listed(con: duckdb.DuckDBPyConnection) -> int:
    """The balance-chain breaks listed in raw.balance_chain_breaks (checking every account if none are yet)."""
    if not table_exists(con, *BALANCE_BREAKS_TABLE.split(".")):
        return check_balance_chain(con)
    return con.execute(f"SELECT count(*) FROM {BALANCE_BREAKS_TABLE}").fetchone()[0]


def load_all(
    con: duckdb.DuckDBPyConnection, landing: Path, latest_valid_date: date | None = None, full: bool = False
) -> dict[str, LoadResult]:
    """Load every raw table in LOAD_ORDER; latest_valid_date and full as in load_table."""
    latest = latest_valid_date or load_date()
    return {t: load_table(con, t, landing, latest, full) for t in LOAD_ORDER}


def _add_rejected_records(con, csv_sources: dict[str, tuple[int, str]]) -> None:
    """Records DuckDB could not split into fields join _incoming as unparseable rows, at their place.

    DuckDB's reject `line` is the record's number counting the header as 1 (a quoted newline does not
    count), so the record number is line - 1. Parsed rows were numbered without the rejected ones: shift
    them back to their record number in the file.
    """
    if not csv_sources or not con.execute(f"SELECT count(*) FROM {REJECTS_TABLE}").fetchone()[0]:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _source_files (readable VARCHAR, file_no BIGINT, label VARCHAR)")
    con.executemany("INSERT INTO _source_files VALUES (?, ?, ?)", [[k, *v] for k, v in csv_sources.items()])
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _rejected AS
        SELECT f.file_no, f.label, e.line - 1 AS record_no, min(e.error_type) AS error_type,
               any_value(e.csv_line) AS csv_line
        FROM {REJECTS_TABLE} e
        JOIN {REJECT_SCANS_TABLE} s USING (scan_id, file_id)
        JOIN _source_files f ON f.readable = s.file_path
        GROUP BY ALL
        """
    )
    fatal = con.execute(
        f"SELECT label, record_no + 1, error_type, file_no FROM _rejected WHERE error_type NOT IN "
        f"({', '.join(_literal(k) for k in ROW_REJECTS)}) ORDER BY file_no, record_no LIMIT 1"
    ).fetchone()
    if fatal and fatal[2] == LINE_TOO_LONG:
        readable = next(k for k, v in csv_sources.items() if v[0] == fatal[3])
        raise _line_too_long(fatal[0], Path(readable), fatal[1])
    if fatal:
        raise IngestionError(
            f"{fatal[0]}: cannot be read: line {fatal[1]} (counting the header as line 1): {fatal[2].lower()}"
        )
    # The j-th rejected record of a file (1-based) has record_no - j parsed records before it.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _reject_gaps AS
        SELECT file_no, record_no - row_number() OVER (PARTITION BY file_no ORDER BY record_no) AS parsed_before
        FROM _rejected
        """
    )
    con.execute(
        """
        UPDATE _incoming SET _source_row = _source_row + (
            SELECT count(*) FROM _reject_gaps g
            WHERE g.file_no = _incoming._file_no AND g.parsed_before < _incoming._source_row)
        WHERE _file_no IN (SELECT file_no FROM _reject_gaps)
        """
    )
    con.execute(
        "INSERT INTO _incoming BY NAME SELECT file_no AS _file_no, label AS _source_file, record_no AS _source_row, "
        "TRUE AS _unparseable, csv_line AS _raw_line FROM _rejected"
    )


