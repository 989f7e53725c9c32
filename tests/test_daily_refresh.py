"""The daily refresh processes only new data, and ends where a full rebuild of all history would.

A bank delivers its history once, then one file per table per day. The refresh after a new day must
read only that day's files (ingestion) and rebuild only the refresh month of the models that read the
transactions (dbt), yet give the marts a full rebuild gives. To show that history is not read again,
the test alters a September transaction inside the warehouse after the first run: a refresh that read
September again would carry the altered value into the marts; one that reads only October cannot.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.generator import DAILY_TABLES, generate_bank, split_daily_delivery

N_CUSTOMERS = 600
N_MONTHS = 4
LAST_DAY = "2026-10-31"  # the generator's default last day
# The intermediate models that read the transactions and are built month by month.
INCREMENTAL = ["int_account_balance_intervals", "int_account_months", "int_customer_month_flows",
               "int_transactions_categorised"]


def _run(root: Path, landing: Path, warehouse: Path, *extra: str) -> str:
    env = {
        **os.environ,
        "BRANCH_RETENTION_LANDING": str(landing),
        "BRANCH_RETENTION_DUCKDB": str(warehouse),
        "DAGSTER_HOME": str(root / f"dagster_home_{warehouse.stem}"),
        "BRANCH_RETENTION_PUBLISH_DIR": str(root / f"published_{warehouse.stem}"),
        "BRANCH_RETENTION_QUALITY_DIR": str(root / f"quality_{warehouse.stem}"),
    }
    Path(env["DAGSTER_HOME"]).mkdir(exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "run", *extra], env=env, capture_output=True,
                          text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return proc.stdout


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def _tables(warehouse: Path) -> dict[str, list]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [("marts", r[0]) for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        names += [("intermediate", n) for n in INCREMENTAL]
        return {f"{s}.{n}": con.execute(f'SELECT * FROM {s}."{n}" ORDER BY ALL').fetchall() for s, n in names}
    finally:
        con.close()


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    root = tmp_path_factory.mktemp("daily")
    landing = root / "landing"
    generate_bank(landing, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=11)
    tomorrow = split_daily_delivery(landing, date.fromisoformat(LAST_DAY), root / "tomorrow")
    daily = root / "daily.duckdb"
    _run(root, landing, daily)

    con = duckdb.connect(str(daily))
    before = con.execute("SELECT max(as_of_date) FROM intermediate.int_months").fetchone()
    # Alter history inside the warehouse: a September transaction of an account with nothing on the new day.
    altered = con.execute(
        f"""
        SELECT t.txn_id FROM raw.transactions t
        WHERE t.txn_ts >= TIMESTAMP '2026-09-10' AND t.txn_ts < TIMESTAMP '2026-09-20' AND t.direction = 'credit'
          AND t.txn_type IN ('salary', 'transfer_in', 'cash_deposit')
          AND t.account_id NOT IN (SELECT account_id FROM read_csv('{tomorrow["transactions"]}', all_varchar=true))
        ORDER BY t.amount DESC, t.txn_id LIMIT 1
        """
    ).fetchone()[0]
    con.execute("UPDATE raw.transactions SET amount = amount + 7000000, balance_after = balance_after + 7000000 "
                "WHERE txn_id = ?", [altered])
    con.close()

    for table, day in tomorrow.items():  # the new day's files land
        day.rename(landing / table / day.name)
    out = _run(root, landing, daily)

    full = root / "full.duckdb"  # the same files, every one read and every model built from scratch
    _run(root, landing, full, "--full")
    return daily, full, out, before


def test_the_refresh_reads_only_the_new_days_files(refreshed):
    daily, _, out, _ = refreshed
    con = duckdb.connect(str(daily), read_only=True)
    audit = {r[0]: r[1:] for r in con.execute(
        "SELECT table_name, load_mode, files_read, rows_new, rows_in, rows_accepted + rows_quarantined "
        "FROM raw.load_audit").fetchall()}
    delivered = {t: Path(daily).parent / "landing" / t / f"{t}_{LAST_DAY}.csv" for t in DAILY_TABLES}
    day_rows = {t: _csv_rows(f) for t, f in delivered.items() if f.exists()}
    con.close()
    for table, (mode, files_read, rows_new, rows_in, rows_out) in audit.items():
        assert rows_in == rows_out, f"{table}: rows in != accepted + quarantined"
        if day_rows.get(table):
            assert (mode, files_read, rows_new) == ("incremental", f"{table}/{table}_{LAST_DAY}.csv", day_rows[table])
        else:  # nothing delivered, or a header-only file
            assert (mode, files_read, rows_new) == ("unchanged", "", 0), table
    assert day_rows["transactions"] > 50 and day_rows["contact_logs"] > 0
    assert "incremental (" in out and "unchanged (0)" in out  # the summary says what each load did


def test_the_refresh_gives_what_a_full_rebuild_gives(refreshed):
    daily, full, _, before = refreshed
    got, expected = _tables(daily), _tables(full)
    assert got.keys() == expected.keys() and len(got) >= 14
    for name in expected:
        assert len(got[name]) == len(expected[name]) and got[name] == expected[name], (
            f"{name}: the daily refresh differs from a full rebuild")


def test_the_refresh_moved_the_as_of_date_to_the_new_day(refreshed):
    daily, _, _, before = refreshed
    con = duckdb.connect(str(daily), read_only=True)
    after = con.execute("SELECT max(as_of_date) FROM intermediate.int_months").fetchone()[0]
    con.close()
    assert str(after) == LAST_DAY and str(before[0]) < LAST_DAY


def test_corrected_history_rebuilds_from_the_month_it_changed(refreshed):
    """Last in this module: it refreshes the daily warehouse once more. The bank delivers the history file
    again with one August transaction corrected: the load finds the changed row, records August as the
    first month changed, and the next build rebuilds the incremental models from August, so they equal a
    full build of the corrected files."""
    daily, _, _, _ = refreshed
    root, landing = daily.parent, daily.parent / "landing"
    history = landing / "transactions" / "transactions.csv"
    con = duckdb.connect()
    txn = con.execute(
        f"SELECT txn_id FROM read_csv('{history}', all_varchar=true) WHERE txn_ts LIKE '2026-08-1%' "
        "AND direction = 'credit' AND txn_type = 'salary' ORDER BY txn_id LIMIT 1").fetchone()[0]
    # the correction: a larger salary (and its balance), as the core system would re-extract it
    con.execute(
        f"COPY (SELECT * REPLACE (CASE WHEN txn_id = '{txn}' THEN CAST(CAST(amount AS DECIMAL(18,2)) + 3000 AS VARCHAR) "
        f"ELSE amount END AS amount, CASE WHEN txn_id = '{txn}' THEN CAST(CAST(balance_after AS DECIMAL(18,2)) + 3000 "
        f"AS VARCHAR) ELSE balance_after END AS balance_after) FROM read_csv('{history}', all_varchar=true)) "
        f"TO '{root / 'corrected.csv'}' (HEADER)")
    con.close()
    (root / "corrected.csv").replace(history)
    _run(root, landing, daily)
    con = duckdb.connect(str(daily), read_only=True)
    mode, plan = con.execute(
        "SELECT load_mode, plan FROM raw.load_audit WHERE table_name = 'transactions'").fetchone()
    changed_from = con.execute(
        "SELECT affected_from FROM raw.load_changes WHERE table_name = 'transactions' ORDER BY load_seq DESC LIMIT 1"
    ).fetchone()[0]
    con.close()
    assert mode == "full" and "changed" in plan
    assert str(changed_from) == "2026-08-01"
    full = root / "corrected_full.duckdb"
    _run(root, landing, full, "--full")
    got, expected = _tables(daily), _tables(full)
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], f"{name}: not rebuilt from August after the correction"
