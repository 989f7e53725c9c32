"""What the model benchmarks share: their arguments, a fresh work folder, the calendar, running dbt."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.lib.workcalendar import build_calendar  # noqa: E402


def bank_arguments(workdir: str) -> argparse.Namespace:
    """--customers, --months and --workdir; the work folder is emptied."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--workdir", default=workdir)
    args = parser.parse_args()
    args.workdir = Path(args.workdir)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    return args


def add_calendar(db: Path) -> None:
    """reference.working_days, as the calendar asset builds it (dbt reads it)."""
    con = duckdb.connect(str(db))
    try:
        frame = build_calendar(2024, 2027).days  # noqa: F841 - read by DuckDB
        con.execute("CREATE SCHEMA IF NOT EXISTS reference")
        con.execute("CREATE OR REPLACE TABLE reference.working_days AS SELECT * FROM frame")
    finally:
        con.close()


def dbt(args: list[str], env: dict) -> tuple[float, dict[str, float]]:
    """Run dbt in the project; return the wall time and each node's execution time (run_results.json)."""
    started = time.perf_counter()
    proc = subprocess.run([str(Path(sys.prefix) / "bin" / "dbt"), *args, "--profiles-dir", "."],
                          cwd=ROOT / "dbt_project", env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-3000:])
        raise SystemExit(f"dbt {' '.join(args)} failed")
    elapsed = time.perf_counter() - started
    results = json.loads((ROOT / "dbt_project" / "target" / "run_results.json").read_text())
    return elapsed, {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]}
