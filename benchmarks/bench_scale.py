"""The target-scale benchmark (issue 19): each stage against a floor measured in the same run on the same machine.

Stage "load transactions": the project's load of raw.transactions (orchestration/lib/ingest.py: read, every
quarantine rule, the duplicate check, the balance chain, the bookkeeping) against DuckDB's own
`CREATE TABLE AS SELECT * FROM read_csv(...)` of the same files. Each run is a child process of its own, so
its peak memory (resident set, getrusage of that child) is its own; the tables it is checked against (accounts,
customers, ...) are loaded once beforehand and copied for every run.

    .venv/bin/python benchmarks/bench_scale.py --customers 100000 --months 12 --repeat 3

prints stage, seconds, floor seconds, ratio, peak memory of each and rows (medians of the paired runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The latest valid date of the benchmark's loads: after every generated date, so none is "future".
LATEST = date(2099, 12, 31)


def _child_project(db: str, landing: str) -> dict:
    import duckdb

    from orchestration.lib.ingest import load_table

    con = duckdb.connect(db)
    started = time.perf_counter()
    result = load_table(con, "transactions", Path(landing), latest_valid_date=LATEST, full=True)
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "rows": result.rows_in, "accepted": result.rows_accepted,
            "quarantined": result.rows_quarantined, "breaks": result.balance_chain_breaks}


def _child_floor(db: str, landing: str) -> dict:
    import duckdb

    files = sorted(str(p) for p in (Path(landing) / "transactions").iterdir() if p.name.endswith(".csv"))
    con = duckdb.connect(db)
    started = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE floor_transactions AS SELECT * FROM read_csv({files!r})")
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM floor_transactions").fetchone()[0]
    con.close()
    return {"seconds": seconds, "rows": rows}


def _run_child(kind: str, db: Path, landing: Path) -> dict:
    """Run one measured load in a child process; its result with the child's peak resident memory (bytes)."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, "--db", str(db), "--landing", str(landing)],
                            stdout=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed ({proc.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_bytes"] = usage.ru_maxrss * 1024  # Linux: kilobytes
    return result


def _prepare(workdir: Path, customers: int, months: int) -> tuple[Path, Path]:
    """Generate the bank and load every table transactions is checked against; the landing folder and the db."""
    import duckdb

    from orchestration.lib.contract import LOAD_ORDER
    from orchestration.lib.ingest import load_table
    from orchestration.lib.sample_bank import generate_bank

    landing, db = workdir / "landing", workdir / "base.duckdb"
    started = time.perf_counter()
    generate_bank(landing, n_customers=customers, n_months=months, seed=42)
    print(f"generated {customers:,} customers x {months} months in {time.perf_counter() - started:.1f} s")
    con = duckdb.connect(str(db))
    for table in LOAD_ORDER[:LOAD_ORDER.index("transactions")]:
        load_table(con, table, landing, latest_valid_date=LATEST)
    con.close()
    return landing, db


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3, help="paired runs; the table shows their medians")
    parser.add_argument("--workdir", default="/tmp/branch-retention-bench-scale")
    parser.add_argument("--child", choices=["project", "floor"])
    parser.add_argument("--db")
    parser.add_argument("--landing")
    args = parser.parse_args()
    if args.child:
        run = _child_project if args.child == "project" else _child_floor
        print(json.dumps(run(args.db, args.landing)))
        return 0

    workdir = Path(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    landing, base = _prepare(workdir, args.customers, args.months)
    size = sum(p.stat().st_size for p in (landing / "transactions").iterdir())
    print(f"transactions files: {size / 2**20:.0f} MiB")
    runs = {"project": [], "floor": []}
    for i in range(args.repeat):
        for kind in ("project", "floor"):  # paired: each project run beside a floor run
            db = workdir / f"{kind}.duckdb"
            shutil.copy(base, db)
            runs[kind].append(_run_child(kind, db, landing))
            db.unlink()
            r = runs[kind][-1]
            print(f"  run {i + 1} {kind:<8} {r['seconds']:7.2f} s  peak {_gib(r['peak_bytes'])}  rows {r['rows']:,}")
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "peak_bytes")} for k, v in runs.items()}
    rows = runs["project"][0]["rows"]
    assert rows == runs["floor"][0]["rows"], "the project and the floor read different row counts"
    print()
    print("| stage | project s | floor s | ratio | peak memory (project vs floor) | rows |")
    print("|---|---|---|---|---|---|")
    print(f"| load `transactions` | {med['project']['seconds']:.2f} | {med['floor']['seconds']:.2f} "
          f"(DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)`) | "
          f"{med['project']['seconds'] / med['floor']['seconds']:.2f}x | "
          f"{_gib(med['project']['peak_bytes'])} vs {_gib(med['floor']['peak_bytes'])} | {rows:,} |")
    r = runs["project"][0]
    print(f"\n{r['accepted']:,} accepted, {r['quarantined']:,} quarantined, {r['breaks']:,} balance-chain breaks; "
          f"{args.repeat} paired run(s), {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
