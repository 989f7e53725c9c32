"""Leak test of the early warning (流失预警, docs/rules.md section 10): no feature of int_customer_risk_features
reads data after its month end.

A small generated bank is built twice with dbt: as delivered, and with every raw row dated after the end of
month m removed or stripped of what happened later (transactions, contact logs, complaints created later and
resolutions after m, registrations, accounts opened later, closures after m, customers onboarded later). Both
builds use the same as-of date, so the months are the same; the month-m (and earlier) features must be equal
row for row. The label columns (churned_within_horizon, next_event_*, is_outcome_known) look ahead by design
and are left out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"
N_CUSTOMERS, N_MONTHS, SEED = 300, 8, 42
CUT_MONTH_INDEX = 4  # m: the fifth month of eight (enough history behind it for the trend signs)
LABEL_COLUMNS = {"is_outcome_known", "churned_within_horizon", "next_event_month", "next_event_start_date",
                 "next_event_churn_type", "next_event_amount_lost"}


def _dbt(args: list[str], warehouse: Path, first_month: str, target: Path) -> None:
    env = {**os.environ, "BRANCH_RETENTION_DUCKDB": str(warehouse), "BRANCH_RETENTION_FIRST_MONTH": first_month,
           "PYTHONPATH": str(ROOT)}
    dbt = Path(sys.executable).with_name("dbt")
    proc = subprocess.run([str(dbt), *args, "--profiles-dir", ".", "--target-path", str(target / "target"),
                           "--log-path", str(target / "logs")], cwd=DBT_PROJECT, env=env, capture_output=True,
                          text=True, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _build(landing: Path, work: Path, as_of: str, first_month: str) -> pd.DataFrame:
    """Load the landing folder, write the working-day calendar (as the reference asset does, over the same
    years for both builds), and build the features with dbt."""
    from orchestration.lib.ingest import load_all
    from orchestration.lib.workcalendar import build_calendar

    warehouse = work / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        load_all(con, landing)
        frame = build_calendar(int(first_month[:4]) - 1, int(as_of[:4]) + 1).days  # noqa: F841 - read by DuckDB
        con.execute("CREATE SCHEMA IF NOT EXISTS reference")
        con.execute("CREATE OR REPLACE TABLE reference.working_days AS SELECT * FROM frame ORDER BY calendar_date")
    finally:
        con.close()
    vars_arg = f"{{as_of_date: '{as_of}'}}"
    _dbt(["seed", "--vars", vars_arg], warehouse, first_month, work)
    _dbt(["run", "--select", "+int_customer_risk_features", "--vars", vars_arg], warehouse, first_month, work)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("SELECT * FROM intermediate.int_customer_risk_features").df()
    finally:
        con.close()


def _csv(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / table / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


def _write(folder: Path, table: str, df: pd.DataFrame) -> None:
    df.to_csv(folder / table / f"{table}.csv", index=False, lineterminator="\n")


def _cut_after(landing: Path, cut: str) -> dict:
    """Every row dated after `cut` (YYYY-MM-DD) removed, and what was learned after it (a closure, a
    resolution) blanked. Returns the rows removed or changed per table (so the test cannot pass vacuously)."""
    changed = {}
    customers = _csv(landing, "customers")
    later_customers = set(customers.loc[customers["onboarded_date"] > cut, "customer_id"])
    accounts = _csv(landing, "accounts")
    drop_accounts = (accounts["opened_date"] > cut) | accounts["customer_id"].isin(later_customers)
    closed_later = accounts["closed_date"].notna() & (accounts["closed_date"] > cut)
    changed["accounts"] = int(drop_accounts.sum() + (closed_later & ~drop_accounts).sum())
    later_accounts = set(accounts.loc[drop_accounts, "account_id"])
    accounts.loc[closed_later, "closed_date"] = None
    _write(landing, "accounts", accounts[~drop_accounts])
    changed["customers"] = len(later_customers)
    _write(landing, "customers", customers[~customers["customer_id"].isin(later_customers)])
    for table, column in (("transactions", "txn_ts"), ("contact_logs", "contact_ts"),
                          ("withdrawal_registrations", "registered_ts"), ("complaints", "created_ts")):
        df = _csv(landing, table)
        drop = df[column].str[:10] > cut
        if "account_id" in df:
            drop |= df["account_id"].isin(later_accounts)
        if "customer_id" in df:
            drop |= df["customer_id"].isin(later_customers)
        changed[table] = int(drop.sum())
        df = df[~drop].copy()
        if table == "complaints":
            resolved_later = df["resolved_ts"].notna() & (df["resolved_ts"].str[:10] > cut)
            df.loc[resolved_later, "resolved_ts"] = None
            changed[table] += int(resolved_later.sum())
        _write(landing, table, df)
    return changed


def test_month_m_features_do_not_change_when_later_rows_change(tmp_path):
    from orchestration.lib.sample_bank import generate_bank

    full, cut_landing = tmp_path / "full" / "landing", tmp_path / "cut" / "landing"
    info = generate_bank(full, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=SEED, mess_rate=0)
    months = pd.period_range(info["window"]["start"], info["window"]["end"], freq="M")
    cut_month = months[CUT_MONTH_INDEX]
    cut = str(cut_month.end_time.date())
    shutil.copytree(full, cut_landing)
    changed = _cut_after(cut_landing, cut)
    assert changed["transactions"] > 1000 and changed["contact_logs"] > 100, changed
    assert changed["complaints"] > 0 and changed["withdrawal_registrations"] > 0 and changed["accounts"] > 0, changed

    as_of, first_month = info["window"]["end"], info["window"]["start"]
    before = _build(full, tmp_path / "full", as_of, first_month)
    after = _build(cut_landing, tmp_path / "cut", as_of, first_month)

    columns = [c for c in before.columns if c not in LABEL_COLUMNS]
    assert any(c.startswith("f_") for c in columns)
    keys = ["customer_id", "month_start"]
    upto = cut_month.start_time
    a = before.loc[pd.to_datetime(before["month_start"]) <= upto, columns].sort_values(keys).reset_index(drop=True)
    b = after.loc[pd.to_datetime(after["month_start"]) <= upto, columns].sort_values(keys).reset_index(drop=True)
    assert len(a) > N_CUSTOMERS and a["month_start"].nunique() == CUT_MONTH_INDEX + 1
    # every sign is present somewhere in the months compared, so each is really compared
    for flag in ("f_maturity_ahead", "f_no_contact", "f_open_complaint", "f_withdrawal_registration", "f_moving_out"):
        assert a[flag].sum() > 0, flag
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    # and the later months did change (the cut is real)
    later_a = before.loc[pd.to_datetime(before["month_start"]) > upto, columns]
    later_b = after.loc[pd.to_datetime(after["month_start"]) > upto, columns]
    assert len(later_a) != len(later_b) or not later_a.reset_index(drop=True).equals(later_b.reset_index(drop=True))
