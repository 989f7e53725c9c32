"""An incremental run gives exactly what a full build gives, whatever arrived late and whatever var, seed or
as-of date changed (docs/rules.md section 11).

- Late parents: a customer's accounts and transactions arrive a day before the customer row (quarantined
  as orphans, then released), over three daily loads; every mart and incremental model then equals a
  full build of the same files.
- Settings: after a build, a dbt var (the README's own `tier_floor_private: 8000000`) and a seed
  (churn_keywords) change, and the next plain `dbt build` equals a `--full-refresh` build with the same
  settings; so does an earlier as-of date afterwards (the later months are dropped).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.lib import settings
from orchestration.lib.generator import generate_bank

pytestmark = pytest.mark.slow

INCREMENTAL = ["int_account_balance_intervals", "int_account_months", "int_customer_month_flows",
               "int_transactions_categorised"]
DBT = str(Path(sys.executable).parent / "dbt")


def _env(root: Path, warehouse: Path, landing: Path) -> dict:
    env = {
        **os.environ,
        "BRANCH_RETENTION_LANDING": str(landing),
        "BRANCH_RETENTION_DUCKDB": str(warehouse),
        "DAGSTER_HOME": str(root / f"dagster_home_{warehouse.stem}"),
        "BRANCH_RETENTION_PUBLISH_DIR": str(root / f"published_{warehouse.stem}"),
        "BRANCH_RETENTION_QUALITY_DIR": str(root / f"quality_{warehouse.stem}"),
    }
    env.pop(settings.FIRST_MONTH_ENV, None)
    Path(env["DAGSTER_HOME"]).mkdir(exist_ok=True)
    return env


def _run(root: Path, landing: Path, warehouse: Path, *extra: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "run", *extra],
                          env=_env(root, warehouse, landing), capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return proc.stdout


def _dbt(project: Path, warehouse: Path, *args: str) -> str:
    # the copy's artifacts stay in the copy (target/): not in the worker's DBT_TARGET_PATH, whose manifest the
    # Dagster definitions of later tests load
    env = {k: v for k, v in os.environ.items() if k != "DBT_TARGET_PATH"} | {"BRANCH_RETENTION_DUCKDB": str(warehouse)}
    proc = subprocess.run([DBT, *args, "--project-dir", str(project), "--profiles-dir", str(project)],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-5000:]
    return proc.stdout


def _tables(warehouse: Path) -> dict[str, list]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [("marts", r[0]) for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        names += [("intermediate", n) for n in INCREMENTAL]
        return {f"{s}.{n}": con.execute(f'SELECT * FROM {s}."{n}" ORDER BY ALL').fetchall() for s, n in names}
    finally:
        con.close()


def _assert_same(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys() and len(got) >= 14
    differing = [name for name in expected if got[name] != expected[name]]
    assert not differing, f"differ from a full build: {differing}"


def _split_off(path: Path, keep, out: Path) -> int:
    """Move the rows of a CSV for which keep(row) is false into `out` (same header); return how many moved."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    stay, moved = [r for r in rows if keep(r)], [r for r in rows if not keep(r)]
    for target, part in ((path, stay), (out, moved)):
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(part)
    return len(moved)


def test_parents_delivered_after_their_children_give_a_full_builds_marts(tmp_path):
    landing = tmp_path / "landing"
    generate_bank(landing, n_customers=300, n_months=4, seed=5)
    late = tmp_path / "late"
    con = duckdb.connect()
    # the customer with the most accounts opened before the window's last month: their months reach back
    customer = con.execute(
        f"SELECT customer_id FROM read_csv('{landing / 'accounts' / 'accounts.csv'}', all_varchar=true) "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    accounts = {r[0] for r in con.execute(
        f"SELECT account_id FROM read_csv('{landing / 'accounts' / 'accounts.csv'}', all_varchar=true) "
        "WHERE customer_id = ?", [customer]).fetchall()}
    con.close()
    assert _split_off(landing / "customers" / "customers.csv", lambda r: r["customer_id"] != customer,
                      late / "customers" / "customers_day3.csv") == 1
    assert _split_off(landing / "accounts" / "accounts.csv", lambda r: r["customer_id"] != customer,
                      late / "accounts" / "accounts_day2.csv") == len(accounts)
    moved = _split_off(landing / "transactions" / "transactions.csv", lambda r: r["account_id"] not in accounts,
                       late / "transactions" / "transactions_day2.csv")
    assert moved > 10

    warehouse = tmp_path / "daily.duckdb"
    _run(tmp_path, landing, warehouse)  # day 1: the customer's contacts etc. are orphans
    for table in ("accounts", "transactions"):  # day 2: accounts and transactions, the customer still absent
        shutil.move(late / table / f"{table}_day2.csv", landing / table / f"{table}_day2.csv")
    _run(tmp_path, landing, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    # the sample bank plants orphan accounts of its own (under customers it never sends): count this customer's
    orphans = con.execute("SELECT count(*) FROM raw.quarantine WHERE table_name = 'accounts' "
                          "AND reason LIKE 'orphan customer_id%' "
                          "AND json_extract_string(record, '$.customer_id') = ?", [customer]).fetchone()[0]
    con.close()
    assert orphans == len(accounts)
    shutil.move(late / "customers" / "customers_day3.csv", landing / "customers" / "customers_day3.csv")
    _run(tmp_path, landing, warehouse)  # day 3: the customer arrives, the orphans are released

    con = duckdb.connect(str(warehouse), read_only=True)
    modes = dict(con.execute("SELECT table_name, load_mode FROM raw.load_audit").fetchall())
    quarantined = con.execute(
        "SELECT count(*) FROM raw.quarantine WHERE reason LIKE 'orphan%' AND (json_extract_string(record, "
        "'$.customer_id') = ? OR json_extract_string(record, '$.account_id') IN (SELECT unnest(?)))",
        [customer, sorted(accounts)]).fetchone()[0]
    months = con.execute("SELECT count(*) FROM marts.fct_customer_months WHERE customer_id = ?",
                         [customer]).fetchone()[0]
    con.close()
    assert modes["customers"] == "incremental" and modes["accounts"] == "incremental"
    assert quarantined == 0
    assert months >= 3  # the customer's earlier months were rebuilt, not only the latest

    full = tmp_path / "full.duckdb"
    _run(tmp_path, landing, full, "--full")
    _assert_same(_tables(warehouse), _tables(full))


def test_a_changed_var_seed_or_earlier_as_of_date_rebuilds_what_it_affects(tmp_path):
    landing = tmp_path / "landing"
    generate_bank(landing, n_customers=300, n_months=4, seed=9)
    warehouse = tmp_path / "incremental.duckdb"
    _run(tmp_path, landing, warehouse)
    project = tmp_path / "dbt_project"
    shutil.copytree(settings.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    fresh = tmp_path / "fresh.duckdb"
    shutil.copy(warehouse, fresh)

    # a var, as the README shows it, and a seed a bank edits (a keyword that re-categorises transactions)
    with (project / "seeds" / "churn_keywords.csv").open("a", encoding="utf-8") as fh:
        fh.write("工资,business_supplier,a salary read as a supplier payment (test)\n")
    new_vars = '{tier_floor_private: 8000000}'
    out = _dbt(project, warehouse, "build", "--vars", new_vars)
    assert "Rebuilding int_customer_months from scratch" in out
    assert "Rebuilding int_transactions_categorised from scratch" in out
    _dbt(project, fresh, "build", "--full-refresh", "--vars", new_vars)
    _assert_same(_tables(warehouse), _tables(fresh))

    # an earlier as-of date: the months after it go, the as-of month is averaged to that day
    earlier = '{tier_floor_private: 8000000, as_of_date: "2026-09-15"}'
    out = _dbt(project, warehouse, "build", "--vars", earlier)
    assert "the as-of date moved back" in out
    _dbt(project, fresh, "build", "--full-refresh", "--vars", earlier)
    got = _tables(warehouse)
    _assert_same(got, _tables(fresh))
    con = duckdb.connect(str(warehouse), read_only=True)
    latest = con.execute("SELECT max(month_start) FROM marts.fct_customer_months").fetchone()[0]
    con.close()
    assert str(latest) == "2026-09-01"

    # and a build with nothing changed keeps everything (no rebuild)
    out = _dbt(project, warehouse, "build", "--vars", earlier)
    assert "from scratch" not in out
    _assert_same(_tables(warehouse), got)
