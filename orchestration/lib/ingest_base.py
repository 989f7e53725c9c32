"""What the ingestion modules share: the raw schema's tables, the load's result, quoting, small warehouse look-ups.

Ingestion (orchestration/lib/ingest.py, which tells the rules) is split by responsibility:
- ingest_plan.py: which files, and whether a table loads in full, incrementally or not at all;
- ingest_read.py: files to rows of text (CSV through DuckDB's reader, Parquet), rejected CSV records;
- ingest_validate.py: each row's reason (the contract's columns and rules), the balance chain, kept warnings;
- ingest_write.py: the accepted rows, the quarantine and the bookkeeping, in one transaction.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import duckdb

from orchestration.lib.ingest_files import READ_SUFFIXES

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
# DuckDB's memory during a load of a file-backed warehouse (its memory_limit; what does not fit spills to the
# warehouse's temporary folder, <warehouse>.tmp): the load's memory does not grow with the files' size.
INGEST_MEMORY_ENV = "BRANCH_RETENTION_INGEST_MEMORY_LIMIT"
DEFAULT_INGEST_MEMORY_LIMIT = "2GB"


def ingest_memory_limit() -> str:
    """The DuckDB memory_limit of a load (BRANCH_RETENTION_INGEST_MEMORY_LIMIT, default 2GB)."""
    return os.environ.get(INGEST_MEMORY_ENV) or DEFAULT_INGEST_MEMORY_LIMIT


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


def table_exists(con, schema: str, table: str) -> bool:
    """Whether schema.table exists in the warehouse."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )



def _audit_number(con, table: str, column: str) -> int:
    """A number of the table's audit row: its generation, last_full_seq (the load number of its last full
    load) or changed_seq (of its last load that changed it); 0 before its first load."""
    row = con.execute(f"SELECT {column} FROM {AUDIT_TABLE} WHERE table_name = ?", [table]).fetchone()
    return (row[0] or 0) if row else 0



def _is_disk_full(exc: BaseException) -> bool:
    """Whether an error says the disk (or the file system's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return isinstance(exc, (duckdb.Error, OSError)) and any(
        m in text for m in ("no space left on device", "disk is full", "not enough space on the disk",
                            "disk quota exceeded"))



def _rollback(con) -> None:
    """Roll the load's transaction back; a transaction the error already ended (or a connection it invalidated)
    leaves nothing to roll back, and must not hide the error."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


