"""Read: a landing file (CSV or Parquet) or a landing.* table to rows of text columns named as the contract's.

Every value is read as text (typed in ingest_validate.py), so one bad value quarantines one row instead of failing
the file. The CSV dialect is fixed by the contract (comma, double quotes, a header row); a file not in UTF-8 is
read from a decoded copy (ingest_files.prepare_csv). Records DuckDB's reader cannot split into the header's
fields are kept by its store_rejects and join the rows read as unparseable rows, at their place.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from orchestration.lib.contract import Table
from orchestration.lib.ingest_base import (
    LINE_TOO_LONG,
    MAX_LINE_BYTES,
    REJECT_SCANS_TABLE,
    REJECTS_TABLE,
    ROW_REJECTS,
    UNPARSEABLE,
    _is_disk_full,
    _literal,
    _quote,
)
from orchestration.lib.ingest_files import (
    FileFormat,
    IngestionError,
    Utf8Checks,
    file_kind,
    first_line_over,
    prepare_csv,
)
from orchestration.lib.ingest_values import source_text


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
    warnings: list[str] | None = None, checks: Utf8Checks | None = None,
) -> tuple[str, list[tuple[str, str]], str | None]:
    """A SQL expression reading the file, its columns (name, DuckDB type), and for a CSV the path DuckDB reads
    (the name its rejected records are filed under). A file in `checks` is read as it is, its UTF-8 check
    running meanwhile (ingest_files.Utf8Checks); any other CSV is checked (and decoded) first."""
    if _is_empty(path, label):
        raise IngestionError(f"{label}: file is empty (no header row)")
    readable = None
    if file_kind(path) == "csv":
        in_checks = checks is not None and path in checks
        readable = path if in_checks else prepare_csv(path, label, table, fmt, workdir, warnings)
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
    """The file's rows as text columns named as the contract's. _source_row is left NULL: numbering the rows
    here (a window) would run the whole load on one thread; the load numbers them from their place in _checked
    (ingest_write.number_rows)."""
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
        f"CAST(NULL AS BIGINT) AS _source_row, FALSE AS _unparseable, CAST(NULL AS VARCHAR) AS _raw_line, "
        f"{', '.join(cols)} FROM {relation}"
    )


# The rows of another table a row is checked against (docs/rules.md section 8): the columns joined to it.

def _add_rejected_records(con, csv_sources: dict[str, tuple[int, str]]) -> None:
    """Records DuckDB could not split into fields join _checked as unparseable rows, at their place.

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
        UPDATE _checked SET _source_row = _source_row + (
            SELECT count(*) FROM _reject_gaps g
            WHERE g.file_no = _checked._file_no AND g.parsed_before < _checked._source_row)
        WHERE _file_no IN (SELECT file_no FROM _reject_gaps) AND NOT _recheck
        """
    )
    con.execute(
        "INSERT INTO _checked BY NAME SELECT file_no AS _file_no, label AS _source_file, record_no AS _source_row, "
        f"TRUE AS _unparseable, csv_line AS _raw_line, FALSE AS _recheck, {_literal(UNPARSEABLE)} AS _reason "
        "FROM _rejected"
    )



