"""What is in the landing folder, for the new-file sensor: each file once, by path, size and mtime.

The files listed are the ones ingestion reads, by the same rule (orchestration/lib/ingest_files.table_folder:
CSV, gzip-compressed CSV and Parquet directly in a table's folder; nothing in a subfolder, no hidden or Office
lock file), plus each table's format settings (`_format.json`), whose change loads the table again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.lib.contract import TABLES
from orchestration.lib.ingest_files import table_folder

BANK_TZ = ZoneInfo("Asia/Shanghai")


def landing_files(landing: Path) -> dict[str, str]:
    """{relative path: "size:mtime_ns"} for every file ingestion reads, and every table's _format.json."""
    found = {}
    for table in TABLES:
        listing = table_folder(landing, table)
        for path in sorted(listing.read + ([listing.format_file] if listing.format_file else [])):
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
