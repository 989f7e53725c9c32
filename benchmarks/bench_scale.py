"""The target-scale benchmark (issue 19): each stage against a floor measured in the same run on the same machine.

Stage "load transactions": the project's load of raw.transactions (orchestration/lib/ingest.py: read, every
quarantine rule, the duplicate check, the balance chain, the bookkeeping) against DuckDB's own
`CREATE TABLE AS SELECT * FROM read_csv(...)` of the same files. Each run is a child process of its own, so
its peak memory (resident set: the child's own VmHWM) is its own; the tables it is checked against (accounts,
customers, ...) are loaded once beforehand and copied for every run.

    .venv/bin/python benchmarks/bench_scale.py --customers 100000 --months 12 --repeat 3 [--memory-limit 2GB]

prints stage, seconds, floor seconds, ratio, peak memory of each and rows (medians of the paired runs).
Both sides of a stage run with the same DuckDB memory_limit (--memory-limit, default the ingestion's own,
orchestration/lib/ingest_base.ingest_memory_limit(): BRANCH_RETENTION_INGEST_MEMORY_LIMIT or 2GB), printed with
the table. More stages (quality suites, models, publish) are rows of STAGES: a name, the project's run, the
floor's run and what the floor is; each run is a function of (db, landing) in the child process returning at
least seconds and rows.
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


def _connect(db: str):
    """The child's connection, with the benchmark's memory_limit (the floor gets the one the project gets)."""
    import duckdb

    con = duckdb.connect(db)
    if os.environ["BENCH_MEMORY_LIMIT"] != "default":  # "default": DuckDB's own (80% of the RAM)
        con.execute(f"SET memory_limit = '{os.environ['BENCH_MEMORY_LIMIT']}'")
    return con


def _child_project(db: str, landing: str) -> dict:
    from orchestration.lib.ingest import load_table

    con = _connect(db)
    started = time.perf_counter()
    result = load_table(con, "transactions", Path(landing), latest_valid_date=LATEST, full=True)
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "rows": result.rows_in, "accepted": result.rows_accepted,
            "quarantined": result.rows_quarantined, "breaks": result.balance_chain_breaks}


def _child_floor(db: str, landing: str) -> dict:
    files = sorted(str(p) for p in (Path(landing) / "transactions").iterdir() if p.name.endswith(".csv"))
    con = _connect(db)
    started = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE floor_transactions AS SELECT * FROM read_csv({files!r})")
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM floor_transactions").fetchone()[0]
    con.close()
    return {"seconds": seconds, "rows": rows}


# The stages measured: (name, the project's run, the floor's run, what the floor is). Add a row for another stage.
STAGES = [
    ("load `transactions`", _child_project, _child_floor, "DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)`"),
]
RUNS = {f"{i}:{side}": fn for i, (_, project, floor, _) in enumerate(STAGES)
        for side, fn in (("project", project), ("floor", floor))}


def _peak_rss() -> int | None:
    """This process's peak resident memory (bytes): VmHWM, the high-water mark of its own address space. (The
    rusage of a child is no measure: Linux keeps the parent's resident size it was forked with, through exec.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _run_child(kind: str, db: Path, landing: Path, memory_limit: str) -> dict:
    """Run one measured load in a child process; its result with the child's peak resident memory (bytes)."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, "--db", str(db), "--landing", str(landing)],
                            stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, "BENCH_MEMORY_LIMIT": memory_limit})
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed ({proc.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    if result.get("peak_bytes") is None:
        result["peak_bytes"] = usage.ru_maxrss * 1024  # Linux: kilobytes (an upper bound, see _peak_rss)
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
    from orchestration.lib.ingest_base import ingest_memory_limit

    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3, help="paired runs; the table shows their medians")
    parser.add_argument("--workdir", default="/tmp/branch-retention-bench-scale")
    parser.add_argument("--memory-limit", default=ingest_memory_limit(),
                        help="DuckDB memory_limit of both sides (default: the ingestion's own; \"default\": DuckDB's)")
    parser.add_argument("--child", choices=sorted(RUNS))
    parser.add_argument("--db")
    parser.add_argument("--landing")
    args = parser.parse_args()
    if args.child:
        result = RUNS[args.child](args.db, args.landing)
        print(json.dumps({**result, "peak_bytes": _peak_rss()}))
        return 0

    workdir = Path(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    landing, base = _prepare(workdir, args.customers, args.months)
    size = sum(p.stat().st_size for p in (landing / "transactions").iterdir())
    print(f"transactions files: {size / 2**20:.0f} MiB; DuckDB memory_limit {args.memory_limit}")
    table = []
    for s, (name, _, _, floor_text) in enumerate(STAGES):
        runs = {"project": [], "floor": []}
        for i in range(args.repeat):
            for side in ("project", "floor"):  # paired: each project run beside a floor run
                db = workdir / f"{side}.duckdb"
                shutil.copy(base, db)
                runs[side].append(_run_child(f"{s}:{side}", db, landing, args.memory_limit))
                db.unlink()
                shutil.rmtree(workdir / f"{side}.duckdb.tmp", ignore_errors=True)
                r = runs[side][-1]
                print(f"  {name} run {i + 1} {side:<8} {r['seconds']:7.2f} s  peak {_gib(r['peak_bytes'])}  "
                      f"rows {r['rows']:,}")
        med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "peak_bytes")} for k, v in runs.items()}
        rows = runs["project"][0]["rows"]
        assert rows == runs["floor"][0]["rows"], f"{name}: the project and the floor read different row counts"
        table.append(f"| {name} | {med['project']['seconds']:.2f} | {med['floor']['seconds']:.2f} ({floor_text}) | "
                     f"{med['project']['seconds'] / med['floor']['seconds']:.2f}x | "
                     f"{_gib(med['project']['peak_bytes'])} vs {_gib(med['floor']['peak_bytes'])} | {rows:,} |")
        if "accepted" in runs["project"][0]:
            r = runs["project"][0]
            print(f"  {name}: {r['accepted']:,} accepted, {r['quarantined']:,} quarantined, "
                  f"{r['breaks']:,} balance-chain breaks")
    print()
    print("| stage | project s | floor s | ratio | peak memory (project vs floor) | rows |")
    print("|---|---|---|---|---|---|")
    print("\n".join(table))
    print(f"\n{args.customers:,} customers x {args.months} months; {args.repeat} paired run(s), medians; "
          f"{os.cpu_count()} cores; DuckDB memory_limit {args.memory_limit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
