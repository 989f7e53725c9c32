"""The target-scale benchmark (issue 19): each stage against a floor measured in the same run on the same machine.

Stage "raw quality suites": every raw suite as the Dagster checks run it (Great Expectations 1.x on its SQL
datasource over the warehouse) against the same expectations written by hand as one SQL query per suite; the
two must count the same unexpected rows for every expectation, or the benchmark stops.

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


def _raw_suites() -> list[str]:
    from orchestration.lib.quality import suite_names

    return [name for name in suite_names() if not name.startswith("mart_")]


def _child_quality_project(db: str, landing: str) -> dict:
    """Every raw suite as the checks run them (Great Expectations on its SQL datasource, the rows of the last
    load: all of them here), without the Data Docs pages (about a second a suite, whatever the data size)."""
    from orchestration.lib import quality

    con = _connect(db)
    counts, rows = {}, 0
    started = time.perf_counter()
    for name in _raw_suites():
        outcome = quality.validate_table(con, name, latest_valid_date=LATEST)
        for o in outcome.outcomes:  # GX reports in its own order: keyed by label (and occurrence)
            key = _count_key(counts, f"{name}#{o.label}")
            counts[key] = o.unexpected_count if o.element_count is not None else o.observed_value
        rows += max((o.element_count or 0 for o in outcome.outcomes), default=0)
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "rows": rows, "counts": counts}


def _count_key(counts: dict, label: str) -> str:
    n = 1
    while f"{label}#{n}" in counts:
        n += 1
    return f"{label}#{n}"


def _sql_literal(value) -> str:
    from datetime import datetime

    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _plain_sql_count(e: dict, parameters: dict) -> str | None:
    """One expectation as a SQL expression over the batch `b`: its unexpected rows (a table expectation: the
    row count), None for an expectation with nothing to count (a column's existence)."""
    def value(v):
        return parameters[v["$PARAMETER"]] if isinstance(v, dict) and "$PARAMETER" in v else v

    kw = {k: value(v) for k, v in e.get("kwargs", {}).items()}
    q = '"{}"'.format
    kind = e["type"]
    if kind.startswith("expect_table_row_count"):
        return "(SELECT count(*) FROM b)"
    if kind == "expect_column_to_exist":
        return None
    if kind == "expect_column_values_to_not_be_null":
        return f"(SELECT count(*) - count({q(kw['column'])}) FROM b)"
    if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        cols = ", ".join(q(c) for c in kw.get("column_list") or [kw["column"]])
        kept = " OR ".join(f"{q(c)} IS NOT NULL" for c in kw.get("column_list") or [kw["column"]])
        return (f"(SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM b WHERE {kept} GROUP BY {cols} "
                f"HAVING count(*) > 1))")
    column = q(kw["column"]) if "column" in kw else None
    if kind == "expect_column_values_to_be_in_set":
        values = ", ".join(_sql_literal(v) for v in kw["value_set"])
        return f"(SELECT count(*) FROM b WHERE {column} IS NOT NULL AND {column} NOT IN ({values}))"
    if kind == "expect_column_values_to_be_between":
        outside = []
        if kw.get("min_value") is not None:
            outside.append(f"{column} {'<=' if kw.get('strict_min') else '<'} {_sql_literal(kw['min_value'])}")
        if kw.get("max_value") is not None:
            outside.append(f"{column} {'>=' if kw.get('strict_max') else '>'} {_sql_literal(kw['max_value'])}")
        return f"(SELECT count(*) FROM b WHERE {column} IS NOT NULL AND ({' OR '.join(outside)}))"
    if kind == "expect_column_values_to_match_regex":
        return (f"(SELECT count(*) FROM b WHERE {column} IS NOT NULL AND NOT regexp_matches({column}, "
                f"{_sql_literal(kw['regex'])}))")
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b_ = q(kw["column_A"]), q(kw["column_B"])
        return (f"(SELECT count(*) FROM b WHERE {a} IS NOT NULL AND {b_} IS NOT NULL AND NOT ({a} "
                f"{'>=' if kw.get('or_equal') else '>'} {b_}))")
    raise SystemExit(f"the plain-SQL floor has no query for {kind}: add one")


def _child_quality_floor(db: str, landing: str) -> dict:
    """The same expectations as plain SQL: one query per suite, its counts in one row."""
    from orchestration.lib import quality

    con = _connect(db)
    counts, rows = {}, 0
    started = time.perf_counter()
    for name in _raw_suites():
        config, query, _ = quality.suite_batch(con, name)
        parameters = quality.runtime_parameters(con, LATEST)
        exprs = [(e, sql) for e in config["expectations"] if (sql := _plain_sql_count(e, parameters)) is not None]
        values = con.execute(f"WITH b AS ({query}) "
                             f"SELECT (SELECT count(*) FROM b), {', '.join(sql for _, sql in exprs)}").fetchone()
        rows += values[0]
        for (e, _), v in zip(exprs, values[1:]):
            column = quality.expectation_column(e.get("kwargs", {}))
            label = f"{e['type']}:{column}" if column else e["type"]  # as ExpectationOutcome.label
            counts[_count_key(counts, f"{name}#{label}")] = v
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "rows": rows, "counts": counts}


# The stages measured: (name, the project's run, the floor's run, what the floor is, the warehouse it starts
# from: "before" the transactions load, or "loaded" with every raw table). Add a row for another stage.
STAGES = [
    ("load `transactions`", _child_project, _child_floor, "DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)`",
     "before"),
    ("raw quality suites (GX, SQL datasource)", _child_quality_project, _child_quality_floor,
     "the same expectations as one plain SQL query per suite", "loaded"),
]
RUNS = {f"{i}:{side}": fn for i, (_, project, floor, _, _) in enumerate(STAGES)
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


def _prepare(workdir: Path, customers: int, months: int) -> tuple[Path, dict[str, Path]]:
    """Generate the bank; the landing folder and two warehouses: "before" holds every table transactions is
    checked against, "loaded" every raw table."""
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
    loaded = workdir / "loaded.duckdb"
    shutil.copy(db, loaded)
    con = duckdb.connect(str(loaded))
    for table in LOAD_ORDER[LOAD_ORDER.index("transactions"):]:
        load_table(con, table, landing, latest_valid_date=LATEST)
    con.close()
    return landing, {"before": db, "loaded": loaded}


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
    parser.add_argument("--stage", help="only the stages whose name contains this text")
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
    landing, bases = _prepare(workdir, args.customers, args.months)
    size = sum(p.stat().st_size for p in (landing / "transactions").iterdir())
    print(f"transactions files: {size / 2**20:.0f} MiB; DuckDB memory_limit {args.memory_limit}")
    table = []
    for s, (name, _, _, floor_text, base) in enumerate(STAGES):
        if args.stage and args.stage not in name:
            continue
        runs = {"project": [], "floor": []}
        for i in range(args.repeat):
            for side in ("project", "floor"):  # paired: each project run beside a floor run
                db = workdir / f"{side}.duckdb"
                shutil.copy(bases[base], db)
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
        if "counts" in runs["project"][0]:  # the project and the floor must count the same unexpected rows
            project_counts, floor_counts = runs["project"][0]["counts"], runs["floor"][0]["counts"]
            differ = {k: (project_counts.get(k), floor_counts.get(k)) for k in set(project_counts) | set(floor_counts)
                      if k in floor_counts and project_counts.get(k) != floor_counts[k]}
            assert not differ, f"{name}: the project and the floor count differently: {differ}"
            print(f"  {name}: {len(floor_counts)} expectations, the same counts on both sides")
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
