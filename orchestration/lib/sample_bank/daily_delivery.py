"""A generated bank's last day delivered as the next day's files, the way a bank sends dated daily extracts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

# Event tables a bank delivers day by day, and the timestamp that dates each row.
DAILY_TABLES = {"transactions": "txn_ts", "contact_logs": "contact_ts", "complaints": "created_ts",
                "withdrawal_registrations": "registered_ts"}


def split_daily_delivery(landing: str | Path, day: date, out_dir: str | Path) -> dict[str, Path]:
    """Take the rows dated `day` out of a generated bank's event tables, as the next day's delivery.

    The history files in landing/<table>/ keep the rows before `day`; the rows of `day` (none after it)
    are written to out_dir/<table>_<day>.csv. Move those into landing/<table>/ to deliver the day: the
    file sorts after the history file, as a bank's dated daily files do. Returns {table: path}.
    The second file of the delivery (<table>.resent.csv, mess.py) is left as it is: it holds no row of the
    window's last days, and it sorts between the history file and the daily files.
    """
    import duckdb

    landing, out_dir = Path(landing), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    files = {}
    try:
        for table, ts in DAILY_TABLES.items():
            history = landing / table / f"{table}.csv"
            if not history.exists():
                continue
            con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{history}', all_varchar=true, "
                        "header=true)")
            later = con.execute(f"SELECT count(*) FROM t WHERE {ts}[:10] > '{day}'").fetchone()[0]
            if later:
                raise ValueError(f"{table} has {later} rows after {day}: split the last day only")
            files[table] = out_dir / f"{table}_{day}.csv"
            con.execute(f"COPY (SELECT * FROM t WHERE {ts}[:10] = '{day}') TO '{files[table]}' (HEADER)")
            con.execute(f"COPY (SELECT * FROM t WHERE {ts}[:10] < '{day}') TO '{history}' (HEADER)")
    finally:
        con.close()
    return files
