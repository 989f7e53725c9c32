"""End to end: a generated bank through the whole Dagster job, then what a user relies on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.lib.contract import LOAD_ORDER
from orchestration.lib.vocabulary import retention_excluded_churn_types, seed_values
from tests.pipeline_fixtures import N_CUSTOMERS, N_MONTHS

pytestmark = pytest.mark.slow


def _rows_in_files(landing: Path, table: str) -> int:
    files = sorted((landing / table).glob("*.*")) if (landing / table).is_dir() else []
    total = 0
    for f in files:
        reader = "read_parquet" if f.suffix == ".parquet" else "read_csv"
        extra = "" if f.suffix == ".parquet" else ", all_varchar=true, header=true"
        total += duckdb.connect().execute(f"SELECT count(*) FROM {reader}('{f}'{extra})").fetchone()[0]
    return total


def test_summary_names_tables_marts_and_warehouse(pipeline_run):
    _, warehouse, stdout = pipeline_run
    assert "rows in = accepted + quarantined" in stdout
    assert "dim_customers" in stdout and "fct_customer_months" in stdout
    assert str(warehouse) in stdout


def test_rows_in_equal_accepted_plus_quarantined(pipeline_run, con):
    landing = pipeline_run[0]
    audit = {r[0]: r[1:] for r in con.execute(
        "SELECT table_name, rows_in, rows_accepted, rows_quarantined FROM raw.load_audit").fetchall()}
    assert set(audit) == set(LOAD_ORDER)
    for table in LOAD_ORDER:
        rows_in, accepted, quarantined = audit[table]
        assert rows_in == _rows_in_files(landing, table), table
        assert rows_in == accepted + quarantined, table
        assert accepted == con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        assert quarantined == con.execute(
            "SELECT count(*) FROM raw.quarantine WHERE table_name = ?", [table]).fetchone()[0]
    assert audit["transactions"][1] > N_CUSTOMERS * N_MONTHS


def test_dim_customers_one_row_per_customer_with_masked_phones(con):
    n_raw = con.execute("SELECT count(*) FROM raw.customers").fetchone()[0]
    n_dim, n_distinct = con.execute("SELECT count(*), count(DISTINCT customer_id) FROM marts.dim_customers").fetchone()
    assert n_dim == n_distinct == n_raw
    masked = con.execute("SELECT mobile_phone_masked FROM marts.dim_customers WHERE has_usable_phone").fetchall()
    assert masked and all(len(m) == 11 and m[3:7] == "****" for (m,) in masked)
    # Some customers have no usable phone: the flag is real, not constant.
    assert con.execute("SELECT count(*) FROM marts.dim_customers WHERE NOT has_usable_phone").fetchone()[0] > 0


def _month_rates(con, months: pd.DataFrame) -> pd.DataFrame:
    """CNY per unit of each currency for each month: the latest rate on or before the period end, else the
    earliest rate known (docs/rules.md section 3); CNY is 1."""
    rates = con.execute("SELECT currency, rate_date, cny_per_unit FROM raw.fx_rates").df()
    rows = []
    for m in months.itertuples():
        for currency, part in rates.groupby("currency"):
            before = part[pd.to_datetime(part.rate_date) <= pd.Timestamp(m.period_end)]
            pick = before.loc[before.rate_date.idxmax()] if len(before) else part.loc[part.rate_date.idxmin()]
            rows.append((currency, pd.Timestamp(m.month_start), float(pick.cny_per_unit)))
        rows.append(("CNY", pd.Timestamp(m.month_start), 1.0))
    return pd.DataFrame(rows, columns=["currency", "month_start", "cny_per_unit"])


def _brute_force_daily_aum(con) -> pd.DataFrame:
    """End-of-day AUM of every customer on every day of the window, the obvious way, then per month: each
    account's balance at no less than zero (an overdraft is not negative assets), in CNY at the month's rate."""
    months = con.execute("SELECT month_start, period_end, days_counted FROM intermediate.int_months "
                         "WHERE NOT is_baseline ORDER BY 1").df()
    days = pd.DataFrame({"day": pd.date_range(months.month_start.min(), months.period_end.max(), freq="D")})
    accounts = con.execute("SELECT account_id, customer_id, currency, opened_date, closed_date, opening_balance "
                           "FROM raw.accounts WHERE product_type <> 'loan'").df()
    txns = con.execute("SELECT t.account_id, t.txn_ts, t.txn_id, t.balance_after FROM raw.transactions t "
                       "JOIN raw.accounts a USING (account_id) WHERE a.product_type <> 'loan' "
                       "ORDER BY t.txn_ts, t.txn_id").df()
    txns["day"] = txns.txn_ts.dt.normalize().astype("datetime64[ns]")
    day_end = txns.groupby(["account_id", "day"], as_index=False).balance_after.last()  # last of the day
    grid = accounts.merge(days, how="cross")
    grid["day"] = grid.day.astype("datetime64[ns]")
    grid = pd.merge_asof(grid.sort_values("day"), day_end.sort_values("day"), on="day", by="account_id")
    balance = grid.balance_after.where(grid.balance_after.notna(), grid.opening_balance).astype(float)
    grid["month_start"] = grid.day.dt.to_period("M").dt.to_timestamp()
    grid = grid.merge(_month_rates(con, months), on=["currency", "month_start"], how="left")
    opened = pd.to_datetime(grid.opened_date)
    closed = pd.to_datetime(grid.closed_date)
    live = (grid.day >= opened) & (closed.isna() | (grid.day < closed))
    grid["cents"] = np.where(live, np.maximum(balance, 0) * 100 * grid.cny_per_unit, 0)
    daily = grid.groupby(["customer_id", "day", "month_start"], as_index=False).cents.sum()
    out = []
    for m in months.itertuples():
        part = daily[(daily.month_start == pd.Timestamp(m.month_start)) & (daily.day <= pd.Timestamp(m.period_end))]
        avg = part.groupby("customer_id").cents.sum() / m.days_counted
        last = part[part.day == pd.Timestamp(m.period_end)].set_index("customer_id").cents
        out.append(pd.DataFrame({"month_start": pd.Timestamp(m.month_start), "avg_cents": avg, "end_cents": last}))
    return pd.concat(out).rename_axis("customer_id").reset_index()


def test_interval_aum_equals_day_by_day_to_the_cent(con):
    expected = _brute_force_daily_aum(con)
    actual = con.execute("SELECT customer_id, month_start, monthly_avg_aum, month_end_aum "
                         "FROM marts.fct_customer_months").df()
    actual["month_start"] = pd.to_datetime(actual.month_start)
    merged = actual.merge(expected, on=["customer_id", "month_start"], how="left")
    merged[["avg_cents", "end_cents"]] = merged[["avg_cents", "end_cents"]].fillna(0)
    assert len(merged) > N_CUSTOMERS
    avg_diff = (merged.monthly_avg_aum.astype(float) * 100 - merged.avg_cents).abs()
    end_diff = (merged.month_end_aum.astype(float) * 100 - merged.end_cents).abs()
    assert (avg_diff <= 0.5 + 1e-4).all(), merged[avg_diff > 0.5 + 1e-4].head().to_string()
    assert (end_diff <= 0.5 + 1e-4).all(), merged[end_diff > 0.5 + 1e-4].head().to_string()
    # And every customer-month the brute force finds money in is in the mart.
    funded = expected[expected.avg_cents > 0]
    assert set(zip(funded.customer_id, funded.month_start)) <= set(zip(merged.customer_id, merged.month_start))


def test_every_customer_month_has_one_tier(con):
    n, bad = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE measured_tier IS NULL OR service_tier IS NULL "
        "OR tier_movement IS NULL) FROM marts.fct_customer_months").fetchone()
    assert n > 0 and bad == 0
    tiers = {r[0] for r in con.execute("SELECT DISTINCT measured_tier FROM marts.fct_customer_months").fetchall()}
    assert {"mass", "affluent", "wealth"} <= tiers


def test_branch_months_reconcile_with_customer_months(con):
    by_branch, by_customer = con.execute(
        "SELECT (SELECT sum(inflow - outflow) FROM marts.fct_branch_months), "
        "(SELECT sum(net_flow) FROM marts.fct_customer_months)").fetchone()
    assert by_branch == by_customer


@pytest.fixture(scope="session")
def scores(pipeline_run):
    from orchestration.lib.evaluate import evaluate

    landing, warehouse, _ = pipeline_run
    return evaluate(warehouse, landing / "_ground_truth")


@pytest.mark.parametrize("section, labels", [
    # every value of the seeds (the one source of each vocabulary, orchestration/lib/vocabulary.py); the
    # sample bank plants no 'inactive' movement (none in both months is nobody's behaviour)
    ("lifecycle stage", seed_values("lifecycle_stages", "lifecycle_stage")),
    ("churn type", seed_values("churn_types", "churn_type")),
    ("stated-purpose mismatch", ["mismatch"]),
    ("tier movement", [m for m in seed_values("tier_movements", "tier_movement") if m != "inactive"]),
])
def test_planted_behaviour_is_found_with_90pct_precision_and_recall(scores, section, labels):
    by_label = {s.label: s for s in scores[section]}
    for label in labels:
        score = by_label.get(label)
        assert score is not None and score.support > 0, f"{section}: nothing planted as {label}"
        assert score.recall >= 0.9, f"{section} {label}: recall {score.recall:.2f}"
        assert score.precision is not None and score.precision >= 0.9, f"{section} {label}: precision {score.precision}"


def test_every_customer_month_has_exactly_one_lifecycle_stage(con):
    n_months, n_stages, n_distinct = con.execute(
        "SELECT (SELECT count(*) FROM marts.fct_customer_months), count(*), "
        "count(DISTINCT customer_id || month_start) FROM marts.fct_customer_lifecycle WHERE lifecycle_stage IS NOT NULL"
    ).fetchone()
    assert n_months == n_stages == n_distinct
    prospects = con.execute(
        "SELECT count(*) FROM marts.fct_customer_lifecycle l JOIN marts.dim_customers d USING (customer_id) "
        "WHERE d.is_prospect AND l.lifecycle_stage <> 'potential'").fetchone()[0]
    assert prospects == 0


def test_transitions_add_up_to_customer_months(con):
    assert con.execute("SELECT sum(n_customers) FROM marts.fct_lifecycle_transitions").fetchone()[0] == \
        con.execute("SELECT count(*) FROM marts.fct_customer_lifecycle").fetchone()[0]


def _excluded_types() -> str:
    """The churn types kept off retention lists (the seed's exclude_from_retention), as a SQL list."""
    return ", ".join(f"'{t}'" for t in retention_excluded_churn_types())


def test_special_events_are_excluded_from_retention_and_branch_churn_adds_up(con):
    assert con.execute("SELECT bool_and(exclude_from_retention) FROM marts.fct_churn_events "
                       f"WHERE churn_type IN ({_excluded_types()})").fetchone()[0] is True
    assert con.execute("SELECT count(*) FROM marts.fct_churn_events WHERE churn_type NOT IN "
                       f"({_excluded_types()}) AND exclude_from_retention").fetchone()[0] == 0
    events, by_branch = con.execute("SELECT (SELECT count(*) FROM marts.fct_churn_events), "
                                    "(SELECT sum(n_events) FROM marts.fct_branch_churn_months)").fetchone()
    assert events == by_branch > 0


def test_call_lists_leave_out_special_and_unreachable_customers(con):
    n_calls = con.execute("SELECT count(*) FROM marts.fct_daily_call_list").fetchone()[0]
    assert n_calls > 0
    special_calls = con.execute(
        "SELECT count(*) FROM marts.fct_daily_call_list WHERE customer_id IN "
        f"(SELECT customer_id FROM marts.fct_churn_events WHERE churn_type IN ({_excluded_types()}))").fetchone()[0]
    unreachable_calls = con.execute(
        "SELECT count(*) FROM marts.fct_daily_call_list c JOIN marts.dim_customers d USING (customer_id) "
        "WHERE NOT d.has_usable_phone").fetchone()[0]
    assert special_calls == 0 and unreachable_calls == 0
    tasks_with_phone = con.execute(
        "SELECT count(*) FROM marts.fct_counter_tasks t JOIN marts.dim_customers d USING (customer_id) "
        "WHERE d.has_usable_phone").fetchone()[0]
    assert tasks_with_phone == 0
    assert con.execute("SELECT count(*) FROM marts.fct_counter_tasks").fetchone()[0] > 0


def test_each_served_customer_has_one_staff_member_of_a_fitting_role(con):
    bad = con.execute(
        """SELECT count(*) FROM marts.fct_customer_assignments a
           LEFT JOIN raw.staff s ON a.staff_id = s.staff_id
           WHERE a.assignment_reason <> 'no_staff_of_role'
             AND (s.staff_id IS NULL OR s.role <> a.assigned_role OR s.branch_id <> a.home_branch_id)""").fetchone()[0]
    assert bad == 0
    calls, planned = con.execute(
        "SELECT (SELECT count(*) FROM marts.fct_daily_call_list), "
        "(SELECT sum(planned_calls) FROM marts.fct_contact_plan WHERE is_plan_month)").fetchone()
    assert calls == planned
    workload = con.execute("SELECT sum(planned_calls) FROM marts.fct_staff_daily_workload").fetchone()[0]
    assert workload == calls
