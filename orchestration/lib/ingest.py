"""Load the raw extracts from the landing folder into the warehouse's `raw` schema.

Every row that arrives ends in exactly one place: the typed table `raw.<table>` when it keeps the
contract, or `raw.quarantine` with the reason when it does not (bad type, missing key, unknown code,
non-positive amount, duplicate key, orphan foreign key, currency without a rate, a date after the latest
valid date or before 1900, a CSV record with the wrong number of fields). Rows in = rows accepted + rows
quarantined, per table, and loading the same files twice gives the same tables.

A file that cannot be read, or lacks a required column, stops the load with an error naming the file
and the column (or the line). So does a required table with no rows. Error messages never quote row
content: rows carry personal data.

After the transactions load, the balance chain is checked (DOMAIN section 8): per account in (txn_ts, txn_id)
order, balance_after should be the previous balance_after (the account's opening_balance for the first)
plus a credit or minus a debit. A break is a warning, not a quarantine: the rows are kept, the count is
reported and the breaks are listed in raw.balance_chain_breaks.
"""

from __future__ import annotations

import codecs
import logging
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from orchestration.lib.contract import (
    BASE_CURRENCY,
    DATE,
    DECIMAL,
    INTEGER,
    LOAD_ORDER,
    MAY_BE_EMPTY,
    MONEY,
    SQL_TYPES,
    TABLES,
    TIMESTAMP,
    Table,
)

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
QUARANTINE_TABLE = f"{RAW_SCHEMA}.quarantine"
AUDIT_TABLE = f"{RAW_SCHEMA}.load_audit"
BALANCE_BREAKS_TABLE = f"{RAW_SCHEMA}.balance_chain_breaks"
# Tables a user may already hold in the warehouse instead of files (DOMAIN section 9).
LANDING_SCHEMA = "landing"
FILE_SUFFIXES = (".csv", ".parquet", ".pq")
# Timestamps are local Asia/Shanghai time (DOMAIN section 9); China has no daylight saving time.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
# Dates before this are typos or placeholders, not data (a maturity in 9999 is a sentinel and stays).
EARLIEST_VALID_DATE = date(1900, 1, 1)
# DuckDB's CSV reader records rows it cannot split into the header's fields in these temp tables.
REJECTS_TABLE = "_csv_rejects"
REJECT_SCANS_TABLE = "_csv_reject_scans"
# Reject kinds that concern one record: it is quarantined and the file goes on. Any other kind (an
# unterminated quote, a line over the size limit) can swallow the records after it: the load stops.
ROW_REJECTS = ("TOO MANY COLUMNS", "MISSING COLUMNS")
UNPARSEABLE = "unparseable CSV row"


class IngestionError(Exception):
    """The extract cannot be loaded at all (unreadable file, missing column, missing table)."""


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
    folder = landing / table
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES)


def _is_utf8(path: Path, chunk_size: int = 1 << 24) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _utf8_copy(path: Path, workdir: Path, label: str) -> Path:
    """A UTF-8 copy of a CSV in the Chinese national encoding (GB18030, a superset of GBK/GB2312).

    The contract asks for UTF-8, but Windows tools in Chinese banks still write GBK; failing on them
    would help nobody. A file that is neither is unreadable.
    """
    target = workdir / f"{len(list(workdir.iterdir()))}-{path.stem}.utf8.csv"
    try:
        with path.open("r", encoding="gb18030", newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 22):
                dst.write(chunk)
    except UnicodeDecodeError as exc:
        raise IngestionError(f"{label}: not readable as UTF-8 or GBK/GB18030 text (byte offset {exc.start})") from None
    return target


def _safe_reason(exc: Exception) -> str:
    """A duckdb error without the row text it may quote (rows carry personal data)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.split(r"(?i)original line|line content|\bvalue\b", text)[0]
    # "CSV Error on Line: 12" is the file's line; "LINE 1:" further down is the SQL statement's.
    line = re.search(r"(?i)error on line:?\s*(\d+)", str(exc))
    return text.strip().rstrip(":") + (f" (near line {line.group(1)})" if line and "line" not in text.lower() else "")


def _read_file(
    con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, label: str, warnings: list[str] | None = None
) -> tuple[str, list[str], str | None]:
    """A SQL expression reading the file with every column as text, its column names, and for a CSV the
    path DuckDB reads (the name its rejected records are filed under)."""
    if path.stat().st_size == 0:
        raise IngestionError(f"{label}: file is empty (no header row)")
    readable = None
    if path.suffix.lower() == ".csv":
        readable = path if _is_utf8(path) else _utf8_copy(path, workdir, label)
        if readable is not path and warnings is not None:
            warnings.append(f"{label}: not UTF-8; read as GBK/GB18030")
        # Dialect fixed by the contract (comma, double quotes); every column read as text and typed later,
        # so one bad value quarantines one row instead of failing the file. A record DuckDB cannot split
        # into the header's fields is not dropped: store_rejects files it, and the load quarantines it.
        relation = (
            f"read_csv({_literal(str(readable))}, header=true, all_varchar=true, delim=',', quote='\"', "
            f"escape='\"', strict_mode=true, store_rejects=true, rejects_table='{REJECTS_TABLE}', "
            f"rejects_scan='{REJECT_SCANS_TABLE}')"
        )
    else:
        relation = f"read_parquet({_literal(str(path))})"
    try:
        names = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
    except duckdb.Error as exc:
        reason = _safe_reason(exc).replace(str(readable or path), label)
        if "sniffing" in reason.lower():
            reason = ("the CSV layout could not be recognised (comma-separated, double quotes, a header row); "
                      "an unterminated quote is the usual cause")
        raise IngestionError(f"{label}: cannot be read: {reason}") from None
    return relation, names, (str(readable) if readable is not None else None)


def _normalise(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _file_select(spec: Table, relation: str, names: list[str], label: str, file_no: int) -> str:
    by_clean = {}
    for n in names:
        by_clean.setdefault(_normalise(n), n)
    missing = [c for c in spec.required_columns if c not in by_clean]
    if missing:
        raise IngestionError(f"{label}: missing required column(s) {', '.join(missing)} for table {spec.name}")
    cols = []
    for c in spec.columns:
        if c.name in by_clean:
            cols.append(f"NULLIF(TRIM(CAST({_quote(by_clean[c.name])} AS VARCHAR)), '') AS {_quote(c.name)}")
        else:
            cols.append(f"CAST(NULL AS VARCHAR) AS {_quote(c.name)}")
    return (
        f"SELECT {file_no} AS _file_no, {_literal(label)} AS _source_file, "
        f"row_number() OVER () AS _source_row, FALSE AS _unparseable, CAST(NULL AS VARCHAR) AS _raw_line, "
        f"{', '.join(cols)} FROM {relation}"
    )


def _typed_expr(col) -> str:
    """Text to the contract type; NULL where the text does not parse."""
    v = _quote(col.name)
    if col.type == DATE:
        return (
            f"COALESCE(TRY_CAST({v} AS DATE), TRY_CAST(TRY_STRPTIME({v}, '%Y/%m/%d') AS DATE), "
            f"TRY_CAST(TRY_STRPTIME({v}, '%Y%m%d') AS DATE))"
        )
    if col.type == TIMESTAMP:
        return (
            f"COALESCE(TRY_CAST({v} AS TIMESTAMP), TRY_STRPTIME({v}, '%Y/%m/%d %H:%M:%S'), "
            f"TRY_STRPTIME({v}, '%Y/%m/%d %H:%M'))"
        )
    if col.type in (MONEY, DECIMAL):
        # Thousands separators are common in bank exports: 1,234.50.
        return f"TRY_CAST(REPLACE({v}, ',', '') AS {SQL_TYPES[col.type]})"
    if col.type == INTEGER:
        return f"TRY_CAST({v} AS BIGINT)"
    if col.codes is not None:
        return f"LOWER({v})"
    if col.name == "currency":
        return f"UPPER({v})"
    return v


def _reason_exprs(spec: Table, accepted_keys: dict[str, str], latest_valid_date: date) -> list[str]:
    """SQL expressions over the typed row, each NULL or a reason text."""
    reasons = []
    for col in spec.columns:
        raw, typed = _quote(col.name), _quote("t_" + col.name)
        if not col.nullable or col.name in spec.primary_key:
            reasons.append(f"CASE WHEN {raw} IS NULL THEN 'missing {col.name}' END")
        if col.type in (DATE, TIMESTAMP, MONEY, DECIMAL, INTEGER):
            reasons.append(f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN 'bad {col.type} in {col.name}' END")
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
            f"THEN 'currency ' || {_quote('t_currency')} || ' has no rate in fx_rates' END"
        )
    return reasons


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (table_name VARCHAR, source_file VARCHAR, "
        "source_row BIGINT, reason VARCHAR, record JSON)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (table_name VARCHAR PRIMARY KEY, files VARCHAR, "
        "rows_in BIGINT, rows_accepted BIGINT, rows_quarantined BIGINT)"
    )


def _create_empty(con, spec: Table) -> None:
    cols = ", ".join(f"{_quote(c.name)} {SQL_TYPES[c.type]}" for c in spec.columns)
    con.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{spec.name} ({cols})")


def _landing_table_exists(con, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [LANDING_SCHEMA, table],
        ).fetchone()[0]
    )


def load_table(
    con: duckdb.DuckDBPyConnection, table: str, landing: Path, latest_valid_date: date | None = None
) -> LoadResult:
    """Load one raw table. Its parent tables (foreign keys) must be loaded first.

    latest_valid_date: a date or timestamp after this day is quarantined as a future date (maturity and
    planned dates excepted); None means today in Asia/Shanghai.
    """
    spec = TABLES[table]
    latest = latest_valid_date or load_date()
    ensure_schema(con)
    files = table_files(landing, table)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="branch-retention-") as tmp:
        selects = []
        labels = []
        csv_sources: dict[str, tuple[int, str]] = {}  # path DuckDB reads -> (file number, label)
        for i, path in enumerate(files):
            label = str(path.relative_to(landing))
            relation, names, readable = _read_file(con, path, Path(tmp), label, warnings)
            if readable is not None:
                csv_sources[readable] = (i, label)
            extra = sorted(set(map(_normalise, names)) - set(spec.column_names))
            if extra:
                warnings.append(f"{label}: extra column(s) ignored: {', '.join(extra)}")
            absent = [c for c in spec.column_names if c not in set(map(_normalise, names))]
            if absent:
                warnings.append(f"{label}: optional column(s) absent, loaded as empty: {', '.join(absent)}")
            selects.append(_file_select(spec, relation, names, label, i))
            labels.append(label)
        if not selects and _landing_table_exists(con, table):
            label = f"{LANDING_SCHEMA}.{table}"
            relation = f"{LANDING_SCHEMA}.{_quote(table)}"
            names = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
            selects.append(_file_select(spec, relation, names, label, 0))
            labels.append(label)
        if not selects:
            if table in MAY_BE_EMPTY or spec.optional:
                warnings.append(f"no files for {table} in {landing / table}: loaded as an empty table")
                con.execute("BEGIN")
                _create_empty(con, spec)
                _write_audit(con, table, labels, 0, 0, 0)
                con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table])
                con.execute("COMMIT")
                for w in warnings:
                    log.warning(w)
                return LoadResult(table, labels, 0, 0, 0, {}, warnings)
            raise IngestionError(f"no files for required table {table}: expected CSV or Parquet in {landing / table}")
        try:
            result = _load_selects(con, spec, selects, labels, latest, csv_sources)
        except duckdb.Error as exc:
            raise IngestionError(f"{table}: cannot be read: {_safe_reason(exc)}") from None
    if table == "transactions":
        result.balance_chain_breaks = check_balance_chain(con)
        if result.balance_chain_breaks:
            warnings.append(
                f"transactions: {result.balance_chain_breaks} balance-chain break(s): balance_after is not the "
                "previous balance plus a credit or minus a debit; rows kept, listed in " + BALANCE_BREAKS_TABLE
            )
    result.warnings = warnings
    for w in warnings:
        log.warning(w)
    return result


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
        f"SELECT label, record_no + 1, error_type FROM _rejected WHERE error_type NOT IN "
        f"({', '.join(_literal(k) for k in ROW_REJECTS)}) ORDER BY file_no, record_no LIMIT 1"
    ).fetchone()
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


def _load_selects(
    con, spec: Table, selects: list[str], labels: list[str], latest_valid_date: date,
    csv_sources: dict[str, tuple[int, str]] | None = None,
) -> LoadResult:
    table = spec.name
    con.execute("BEGIN")
    try:
        con.execute(f"DROP TABLE IF EXISTS {REJECTS_TABLE}")
        con.execute(f"DROP TABLE IF EXISTS {REJECT_SCANS_TABLE}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS {' UNION ALL '.join(selects)}")
        _add_rejected_records(con, csv_sources or {})
        rows_in = con.execute("SELECT count(*) FROM _incoming").fetchone()[0]
        if rows_in == 0 and table not in MAY_BE_EMPTY and not spec.optional:
            raise IngestionError(
                f"{', '.join(labels)}: no rows (header only) for required table {table}: it must not be empty"
            )

        accepted_keys = {}
        for col in spec.columns:
            if col.references and col.references.split(".")[0] != table:
                parent, key = col.references.split(".")
                accepted_keys[col.references] = f"(SELECT {_quote(key)} AS k FROM {RAW_SCHEMA}.{_quote(parent)})"
        typed = ", ".join(f"{_typed_expr(c)} AS {_quote('t_' + c.name)}" for c in spec.columns)
        reasons = ", ".join(_reason_exprs(spec, accepted_keys, latest_valid_date))
        pk = ", ".join(_quote("t_" + k) for k in spec.primary_key)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _checked AS
            WITH typed AS (SELECT *, {typed} FROM _incoming),
            reasoned AS (SELECT *, CASE WHEN _unparseable THEN '{UNPARSEABLE}'
                ELSE NULLIF(concat_ws('; ', {reasons}), '') END AS _row_reason FROM typed),
            ranked AS (
                SELECT *, CASE WHEN _row_reason IS NULL THEN row_number() OVER (
                    PARTITION BY {pk}, _row_reason IS NULL ORDER BY _file_no, _source_row) END AS _key_rank
                FROM reasoned
            )
            SELECT *, COALESCE(_row_reason, CASE WHEN _key_rank > 1
                THEN 'duplicate {'/'.join(spec.primary_key)} (first occurrence kept)' END) AS _reason
            FROM ranked
            """
        )
        out_cols = ", ".join(f"{_quote('t_' + c.name)} AS {_quote(c.name)}" for c in spec.columns)
        casts = ", ".join(f"CAST({_quote(c.name)} AS {SQL_TYPES[c.type]}) AS {_quote(c.name)}" for c in spec.columns)
        con.execute(
            f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{_quote(table)} AS SELECT {casts} FROM ("
            f"SELECT {out_cols} FROM _checked WHERE _reason IS NULL ORDER BY _file_no, _source_row)"
        )
        con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table])
        record = ", ".join(f"{_quote(c.name)} := {_quote(c.name)}" for c in spec.columns)
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} SELECT {_literal(table)}, _source_file, _source_row, _reason, "
            f"CASE WHEN _unparseable THEN to_json(struct_pack(csv_line := _raw_line)) "
            f"ELSE to_json(struct_pack({record})) END "
            f"FROM _checked WHERE _reason IS NOT NULL ORDER BY _file_no, _source_row"
        )
        accepted = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{_quote(table)}").fetchone()[0]
        reasons_count = dict(
            con.execute(
                f"SELECT reason, count(*) FROM {QUARANTINE_TABLE} WHERE table_name = ? GROUP BY reason ORDER BY 2 DESC, 1",
                [table],
            ).fetchall()
        )
        quarantined = sum(reasons_count.values())
        if rows_in != accepted + quarantined:
            raise IngestionError(
                f"{table}: reconciliation failed: {rows_in} rows in, {accepted} accepted, {quarantined} quarantined"
            )
        _write_audit(con, table, labels, rows_in, accepted, quarantined)
        for temp in ("_incoming", "_checked", "_source_files", "_rejected", "_reject_gaps", REJECTS_TABLE,
                     REJECT_SCANS_TABLE):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return LoadResult(table, labels, rows_in, accepted, quarantined, reasons_count)


def _write_audit(con, table, labels, rows_in, accepted, quarantined) -> None:
    con.execute(f"DELETE FROM {AUDIT_TABLE} WHERE table_name = ?", [table])
    con.execute(
        f"INSERT INTO {AUDIT_TABLE} VALUES (?, ?, ?, ?, ?)", [table, ", ".join(labels), rows_in, accepted, quarantined]
    )


def check_balance_chain(con: duckdb.DuckDBPyConnection) -> int:
    """List the balance-chain breaks of raw.transactions in raw.balance_chain_breaks; return their count.

    Per account in (txn_ts, txn_id) order, the expected balance is the previous row's balance_after (the
    account's opening_balance for its first row) plus the amount of a credit or minus that of a debit.
    balance_after is what the core system says: a break is reported, never corrected or quarantined.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {BALANCE_BREAKS_TABLE} AS
        WITH chained AS (
            SELECT t.txn_id, t.account_id, t.txn_ts, t.balance_after,
                   COALESCE(lag(t.balance_after) OVER (PARTITION BY t.account_id ORDER BY t.txn_ts, t.txn_id),
                            a.opening_balance)
                   + CASE t.direction WHEN 'credit' THEN t.amount ELSE -t.amount END AS expected_balance
            FROM {RAW_SCHEMA}.transactions t
            JOIN {RAW_SCHEMA}.accounts a USING (account_id)
        )
        SELECT txn_id, account_id, txn_ts, CAST(expected_balance AS DECIMAL(18,2)) AS expected_balance, balance_after
        FROM chained
        WHERE balance_after IS DISTINCT FROM expected_balance
        ORDER BY account_id, txn_ts, txn_id
        """
    )
    return con.execute(f"SELECT count(*) FROM {BALANCE_BREAKS_TABLE}").fetchone()[0]


def load_all(
    con: duckdb.DuckDBPyConnection, landing: Path, latest_valid_date: date | None = None
) -> dict[str, LoadResult]:
    """Load every raw table in LOAD_ORDER; latest_valid_date as in load_table (None: today in Shanghai)."""
    latest = latest_valid_date or load_date()
    return {t: load_table(con, t, landing, latest) for t in LOAD_ORDER}
