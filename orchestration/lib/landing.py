"""What is in the landing folder, for the new-file sensor: each file once, by path, size and mtime."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.lib.contract import TABLES
from orchestration.lib.ingest import FILE_SUFFIXES

BANK_TZ = ZoneInfo("Asia/Shanghai")


def landing_files(landing: Path) -> dict[str, str]:
    """{relative path: "size:mtime_ns"} for every extract file in a table folder."""
    found = {}
    for table in TABLES:
        folder = landing / table
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in FILE_SUFFIXES and not path.name.startswith("."):
                stat = path.stat()
                found[str(path.relative_to(landing))] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return found


def new_files(current: dict[str, str], cursor: str | None) -> dict[str, str]:
    """Files that are new or changed since the cursor (a JSON of the last seen listing)."""
    seen = json.loads(cursor) if cursor else {}
    return {p: sig for p, sig in current.items() if seen.get(p) != sig}


def run_key(files: dict[str, str]) -> str:
    return hashlib.sha1(json.dumps(sorted(files.items())).encode()).hexdigest()[:16]


def data_month(now: datetime) -> str:
    """The monthly partition a refresh at `now` writes into: the month of yesterday, bank time.

    At 06:00 on the 1st the data ends on the last day of the month before.
    """
    local = now.astimezone(BANK_TZ) if now.tzinfo else now.replace(tzinfo=BANK_TZ)
    return (local - timedelta(days=1)).strftime("%Y-%m-01")
