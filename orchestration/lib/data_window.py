"""The data window of the loaded extract: its first and last transaction day (docs/rules.md
sections 3 and 9).

The months the marts cover and the monthly partitions come from the data, not from a constant, so a bank
whose history is 1993-1994 runs as one from 2026 does. Rows dated after the last transaction day (customers
onboarded, accounts opened, contacts logged later) are not part of the marts for that as-of date: the load
audit counts them per table (`rows_after_data_end`) and the run warns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.lib.contract import TABLES
from orchestration.lib.ingest import AUDIT_TABLE, RAW_SCHEMA, table_exists


@dataclass
class DataWindow:
    first_day: date | None
    last_day: date | None
    rows_after_data_end: dict[str, int] = field(default_factory=dict)

    @property
    def first_month(self) -> str | None:
        return self.first_day.strftime("%Y-%m-01") if self.first_day else None

    @property
    def warnings(self) -> list[str]:
        return [
            f"{table}: {n} row(s) dated after the last transaction day {self.last_day} ({TABLES[table].window_date}): "
            "not part of the marts for that as-of date"
            for table, n in self.rows_after_data_end.items() if n
        ]


def measure_data_window(con) -> DataWindow:
    """The first and last transaction day, and per dated table the rows after the last one, recorded in the
    load audit."""
    if not table_exists(con, RAW_SCHEMA, "transactions"):
        return DataWindow(None, None)
    first, last = con.execute(
        f"SELECT CAST(min(txn_ts) AS DATE), CAST(max(txn_ts) AS DATE) FROM {RAW_SCHEMA}.transactions").fetchone()
    window = DataWindow(first, last)
    for table, spec in TABLES.items():
        if spec.window_date is None or not table_exists(con, RAW_SCHEMA, table) or last is None:
            continue
        n = con.execute(
            f'SELECT count(*) FROM {RAW_SCHEMA}."{table}" WHERE CAST("{spec.window_date}" AS DATE) > ?', [last]
        ).fetchone()[0]
        window.rows_after_data_end[table] = n
        con.execute(f"UPDATE {AUDIT_TABLE} SET rows_after_data_end = ? WHERE table_name = ?", [n, table])
    return window


def write_window_file(window: DataWindow, path: Path) -> None:
    """The window as JSON beside the warehouse: Dagster reads the first month for its partitions when the
    definitions load, without opening the warehouse (a run may hold it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"first_day": str(window.first_day) if window.first_day else None,
                               "last_day": str(window.last_day) if window.last_day else None}))
    tmp.replace(path)


def read_first_month(path: Path) -> str | None:
    """The first month (YYYY-MM-01) in a window file, or None when there is none yet."""
    try:
        first = json.loads(path.read_text()).get("first_day")
    except (OSError, ValueError):
        return None
    return f"{first[:7]}-01" if first else None
