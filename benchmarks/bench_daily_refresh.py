"""What a daily refresh costs next to a rebuild of all history.

    python benchmarks/bench_daily_refresh.py --customers 100000 --months 12 [--workdir /tmp/bench-daily]

1. generates a sample bank and takes its last day off as the next day's delivery; 2. loads the history,
runs the raw quality suites and builds every dbt model (no tests) from scratch; 3. delivers the day and
refreshes as the daily schedule does: ingestion reads only the new files, the raw suites check the new
rows, dbt rebuilds the latest month of the incremental models; 4. for comparison, loads, checks and
builds the same files again from scratch. Prints the time of each step and the slowest models of each
build; asserts nothing.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import add_calendar, bank_arguments, dbt  # noqa: E402

from orchestration.lib import quality  # noqa: E402
from orchestration.lib.generator import DEFAULT_END_DATE, generate_bank, split_daily_delivery  # noqa: E402
from orchestration.lib.ingest import load_all  # noqa: E402

INCREMENTAL = ("int_account_balance_intervals", "int_account_months", "int_customer_month_flows",
               "int_transactions_categorised", "fct_customer_months")


def timed(label: str, fn):
    started = time.perf_counter()
    out = fn()
    print(f"  {label}: {time.perf_counter() - started:.1f}s", flush=True)
    return out


def raw_suites(db: Path) -> int:
    """Run every raw quality suite as the checks do; return the rows they read."""
    con = duckdb.connect(str(db))
    rows = 0
    try:
        for name in quality.suite_names():
            if name.startswith("mart_"):
                continue
            outcome = quality.validate_table(con, name)
            rows += max((o.element_count or 0 for o in outcome.outcomes), default=0)
    finally:
        con.close()
    return rows


def load(db: Path, landing: Path, full: bool = False) -> dict:
    con = duckdb.connect(str(db))
    try:
        return load_all(con, landing, full=full)
    finally:
        con.close()


def build(env: dict, label: str, vars_: dict, full: bool) -> None:
    args = ["run", "--vars", json.dumps(vars_)] + (["--full-refresh"] if full else [])
    elapsed, models = dbt(args, env)
    slowest = ", ".join(f"{m} {t:.1f}s" for m, t in sorted(models.items(), key=lambda x: -x[1])[:4])
    print(f"  dbt run ({label}): {elapsed:.1f}s; slowest: {slowest}", flush=True)
    print("    incremental models: " + ", ".join(f"{m} {models.get(m, 0):.1f}s" for m in INCREMENTAL), flush=True)


def main() -> None:
    args = bank_arguments("/tmp/bench-daily")
    work = args.workdir
    landing, db = work / "landing", work / "warehouse.duckdb"
    env = {**os.environ, "BRANCH_RETENTION_DUCKDB": str(db)}
    quality.BUILD_DATA_DOCS = False
    day: date = DEFAULT_END_DATE
    month = {"refresh_from_month": day.strftime("%Y-%m-01"),
             "refresh_to_month": (date(day.year + day.month // 12, day.month % 12 + 1, 1)).isoformat()}

    t = time.perf_counter()
    generate_bank(landing, n_customers=args.customers, n_months=args.months, seed=1)
    delivery = split_daily_delivery(landing, day, work / "tomorrow")
    print(f"generate {args.customers:,} customers x {args.months} months and split off {day}: "
          f"{time.perf_counter() - t:.1f}s", flush=True)

    print("history (first load, every model from scratch):")
    results = timed("ingest", lambda: load(db, landing))
    add_calendar(db)
    print(f"    {results['transactions'].rows_accepted:,} transactions")
    timed("raw quality suites", lambda: raw_suites(db))
    dbt(["seed"], env)
    build(env, "full", {**month, "as_of_date": str(date.fromordinal(day.toordinal() - 1))}, full=True)

    for table, path in delivery.items():
        path.rename(landing / table / path.name)
    print(f"daily refresh ({day} delivered):")
    results = timed("ingest", lambda: load(db, landing))
    for table, r in results.items():
        if r.mode != "unchanged":
            print(f"    {table}: {r.mode}, {r.rows_new:,} rows read from {len(r.files_read)} file(s)")
    rows = timed("raw quality suites", lambda: raw_suites(db))
    print(f"    rows checked by the largest suite per table, summed: {rows:,}")
    build(env, "incremental, the month of the new day", month, full=False)

    print("the same files from scratch (what every run cost before):")
    timed("ingest", lambda: load(db, landing, full=True))
    timed("raw quality suites", lambda: raw_suites(db))
    build(env, "full", month, full=True)
    # (a child's peak would include this process's pages at the fork, so only this one is reported)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak RSS of this process (ingestion, quality suites): {own:.2f} GiB")


if __name__ == "__main__":
    main()
