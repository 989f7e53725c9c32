"""Plan: which files of a table are read, and whether the table loads in full, incrementally or not at all.

The rule (orchestration/lib/ingest.py tells it in full): a table loads incrementally when only new files arrived,
each sorting after every file loaded before, under the same rules version, format settings and latest valid
date or a later one, and when none of the tables its rows are checked against (Table.checked_against) lost or
narrowed rows since (their generation, ingest_write.next_generation). Anything else loads it in full.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.lib.contract import Table
from orchestration.lib.ingest_base import (
    AUDIT_TABLE,
    LANDING_SCHEMA,
    LOAD_FILES_TABLE,
    RAW_SCHEMA,
    RULES_VERSION,
    SKIPPED_FILES_TABLE,
    _audit_number,
    table_exists,
)
from orchestration.lib.ingest_files import SKIP_SETTINGS, FileFormat, table_folder


def validation_parents(spec: Table) -> list[str]:
    """Tables whose rows decide whether a row of `spec` is accepted (Table.checked_against)."""
    return spec.checked_against


def table_files(landing: Path, table: str) -> list[Path]:
    """The files of landing/<table>/ that are read (orchestration/lib/ingest_files.py decides)."""
    return table_folder(landing, table).read



def _landing_table_exists(con, table: str) -> bool:
    return table_exists(con, LANDING_SCHEMA, table)



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


