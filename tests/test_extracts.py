"""Whole extracts (tests/extracts.py), each run through `branch-retention run` to publication, as a bank would.

Every run is a subprocess with its own landing folder, warehouse, DAGSTER_HOME, publish and quality folders,
and no BRANCH_RETENTION_* variable inherited from the environment (no BRANCH_RETENTION_FIRST_MONTH). A run
happens once per session (the `run_extract` cache) and every test of that extract reads it. For every run:
exit code 0, rows in = accepted + quarantined per raw table, and the published serving file opening
read-only with the marts. Then one test (or a few) per extract on what it is about.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.lib.contract import LOAD_ORDER
from tests import extracts
from tests.extracts import AUM_PRODUCTS, CENT, Extract, month_end

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MARTS = {
    "dim_customers", "fct_customer_months", "fct_branch_months", "fct_customer_lifecycle",
    "fct_lifecycle_transitions", "fct_churn_events", "fct_branch_churn_months", "fct_customer_assignments",
    "fct_contact_plan", "fct_daily_call_list", "fct_staff_daily_workload", "fct_counter_tasks",
    "fct_staffing_alerts", "fct_contact_quality",
}

# run key -> (builder, extra CLI arguments)
RUNS = {
    "placeholder_contacts": (extracts.placeholder_contacts, []),
    "overdrafts": (extracts.overdrafts, []),
    "old_years": (extracts.old_years, []),
    "mid_month_as_of_flag": (extracts.mid_month_as_of, ["--as-of", extracts.AS_OF_MID_MONTH.isoformat()]),
    "mid_month_as_of_default": (extracts.mid_month_as_of, []),
    "no_contacts_no_complaints": (extracts.no_contacts_no_complaints, []),
    "no_contacts_no_complaints_absent": (partial(extracts.no_contacts_no_complaints, absent=True), []),
    "no_staff": (extracts.no_staff, []),
    "no_transactions": (extracts.no_transactions, []),
    "foreign_currency": (extracts.foreign_currency, []),
}


@dataclass
class Run:
    key: str
    extract: Extract
    root: Path
    warehouse: Path
    publish_dir: Path
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def serving_file(self) -> Path:
        return self.publish_dir / "serving" / "marts.duckdb"

    def tail(self) -> str:
        return f"[{self.key}: exit {self.returncode} after {self.seconds:.0f}s]\n" + self.stdout[-6000:] + \
            "\n--- stderr ---\n" + self.stderr[-4000:]

    def require_success(self) -> None:
        assert self.returncode == 0, self.tail()

    @contextmanager
    def marts(self):
        """The published serving file, read-only, as a BI tool opens it."""
        self.require_success()
        con = duckdb.connect(str(self.serving_file), read_only=True)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def working(self):
        """The working warehouse, read-only (raw.load_audit, reference.working_days)."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            yield con
        finally:
            con.close()


def _execute(key: str, root: Path) -> Run:
    builder, args = RUNS[key]
    extract = builder(root)
    warehouse, publish = root / "warehouse.duckdb", root / "published"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANCH_RETENTION_")}
    env.update({
        "BRANCH_RETENTION_LANDING": str(extract.landing),
        "BRANCH_RETENTION_DUCKDB": str(warehouse),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "BRANCH_RETENTION_PUBLISH_DIR": str(publish),
        "BRANCH_RETENTION_QUALITY_DIR": str(root / "quality"),
    })
    (root / "dagster_home").mkdir(exist_ok=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "run", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=900)
    return Run(key, extract, root, warehouse, publish, args, proc.returncode, proc.stdout, proc.stderr,
               time.perf_counter() - started)


@pytest.fixture(scope="session")
def run_extract(tmp_path_factory):
    """run_extract(key): that extract built and run once per session."""
    cache: dict[str, Run] = {}

    def get(key: str) -> Run:
        if key not in cache:
            cache[key] = _execute(key, tmp_path_factory.mktemp(key))
        return cache[key]

    return get


def _rows_in_files(landing: Path, table: str) -> int:
    folder = landing / table
    if not folder.is_dir():
        return 0
    total = 0
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            total += sum(1 for _ in csv.DictReader(fh))
    return total


def _in(ids) -> str:
    return "(" + ", ".join(f"'{i}'" for i in ids) + ")"


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- every extract ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(RUNS))
def test_extract_runs_reconciles_and_publishes(run_extract, key):
    run = run_extract(key)
    run.require_success()
    written = {t: _rows_in_files(run.extract.landing, t) for t in LOAD_ORDER}
    with run.working() as con:
        audit = {r[0]: r[1:] for r in con.execute(
            "SELECT table_name, rows_in, rows_accepted, rows_quarantined FROM raw.load_audit").fetchall()}
        reasons = con.execute("SELECT table_name, reason, count(*) FROM raw.quarantine GROUP BY ALL ORDER BY ALL"
                              ).fetchall()
    assert set(LOAD_ORDER) <= set(audit), sorted(audit)
    for table in LOAD_ORDER:
        rows_in, accepted, quarantined = audit[table]
        assert rows_in == accepted + quarantined, (table, audit[table])
        assert rows_in == written[table], (table, rows_in, written[table])
    # every extract follows the contract: nothing to quarantine
    assert reasons == [], reasons

    assert run.serving_file.is_file(), run.serving_file
    con = duckdb.connect(str(run.serving_file), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert MARTS <= tables, sorted(MARTS - tables)
        assert len(tables - {"_publication"}) >= 14
        published = {r[0]: r[1] for r in con.execute("SELECT mart, row_count FROM _publication").fetchall()}
        for mart in MARTS:
            assert published[mart] == con.execute(f"SELECT count(*) FROM {mart}").fetchone()[0], mart
    finally:
        con.close()


# --- expected numbers, by hand from the rows written -------------------------------------------------------
def expected_customer_month(extract: Extract, customer_id: str, month: date, period_end: date | None = None,
                            rate=lambda currency, day: Decimal(1)) -> dict[str, Decimal]:
    """Daily-average AUM (overdrawn days add 0), daily-average overdraft, and both at the period end, in CNY:
    each AUM account's daily balances clipped at 0 per account, converted at rate(currency, period_end)."""
    bank = extract.bank
    last = period_end or month_end(month)
    n_days = (last - month).days + 1
    out = {k: Decimal(0) for k in ("avg", "end", "avg_overdraft", "end_overdraft")}
    for acc in bank.accounts_of(customer_id):
        if acc["product_type"] not in AUM_PRODUCTS:
            continue
        fx = rate(acc["currency"].upper(), last)
        days = bank.daily_balances(acc["account_id"], month, last)
        out["avg"] += sum(max(b, Decimal(0)) for b in days.values()) * fx / n_days
        out["avg_overdraft"] += sum(max(-b, Decimal(0)) for b in days.values()) * fx / n_days
        out["end"] += max(days[last], Decimal(0)) * fx
        out["end_overdraft"] += max(-days[last], Decimal(0)) * fx
    return out


def _customer_months(con, ids, columns: str):
    return {(r[0], r[1]): r[2:] for r in con.execute(
        f"SELECT customer_id, month_start, {columns} FROM fct_customer_months WHERE customer_id IN {_in(ids)}"
    ).fetchall()}


# --- 1. placeholder contacts -----------------------------------------------------------------------------
def test_placeholder_contacts_count_as_missing(run_extract):
    run = run_extract("placeholder_contacts")
    facts = run.extract.facts
    ids = facts["placeholder_ids"]
    with run.marts() as con:
        dim = {r[0]: r[1:] for r in con.execute(
            "SELECT customer_id, mobile_phone_masked, has_usable_phone, has_email, has_address, customer_name_masked, "
            "id_number_masked, has_landline_phone, monthly_avg_aum, home_branch_id FROM dim_customers").fetchall()}
        for cid, placeholder in zip(ids, extracts.PLACEHOLDERS):
            phone, usable, email, address, name, id_number, landline, _, _ = dim[cid]
            assert phone is None, (cid, placeholder, phone)
            assert usable is False, (cid, placeholder)
            assert email is False and address is False, (cid, placeholder, email, address)
            assert landline is False, (cid, placeholder)
            assert name is None, (cid, placeholder, name)
            assert id_number is None, (cid, placeholder, id_number)
        malformed = dim[facts["malformed_id"]]
        assert malformed[1] is False, "a 12-digit mobile number is not usable"
        assert malformed[0] != "", "a malformed phone is masked or NULL, never ''"

        # no call list entry for anyone who cannot be called
        called = con.execute(f"SELECT count(*) FROM fct_daily_call_list WHERE customer_id IN "
                             f"{_in(ids + [facts['malformed_id']])}").fetchone()[0]
        assert called == 0

        # fct_contact_quality: each branch counts them as customers with assets but no usable phone
        unusable = set(ids) | {facts["malformed_id"]}
        quality = {r[0]: r[1:] for r in con.execute(
            "SELECT branch_id, customers_with_assets, customers_with_usable_phone, customers_without_phone, "
            "customers_with_malformed_phone, monthly_avg_aum_unreachable FROM fct_contact_quality "
            "WHERE level = 'branch'").fetchall()}
        for branch in ("B1", "B2"):
            funded = {c for c, v in dim.items() if v[-1] == branch and v[-2] > 0}
            expected_unusable = funded & unusable
            assert expected_unusable, branch
            with_assets, usable_n, without, malformed_n, unreachable_aum = quality[branch]
            assert with_assets == len(funded), branch
            assert with_assets - usable_n == len(expected_unusable), \
                (branch, quality[branch], sorted(expected_unusable))
            assert without + malformed_n == len(expected_unusable), (branch, quality[branch])
            assert unreachable_aum == sum(dim[c][-2] for c in expected_unusable), branch


# --- 2. overdrafts ---------------------------------------------------------------------------------------
def test_overdrafts_add_zero_to_aum_and_are_reported_beside_it(run_extract):
    run = run_extract("overdrafts")
    facts = run.extract.facts
    with run.marts() as con:
        negative = con.execute("SELECT count(*) FILTER (WHERE monthly_avg_aum < 0), "
                               "count(*) FILTER (WHERE month_end_aum < 0) FROM fct_customer_months").fetchone()
        assert negative == (0, 0), f"customer-months with negative (average, month-end) AUM: {negative}"
        for table in ("fct_customer_months", "fct_branch_months"):
            columns = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
            assert {"monthly_avg_overdraft", "month_end_overdraft"} <= columns, (table, sorted(columns))

        got = _customer_months(con, facts["overdraft_ids"],
                               "monthly_avg_aum, month_end_aum, monthly_avg_overdraft, month_end_overdraft, "
                               "measured_tier, tier_movement")
        for cid in facts["overdraft_ids"]:
            for month in facts["months"]:
                want = expected_customer_month(run.extract, cid, month)
                avg, end, avg_od, end_od, tier, movement = got[(cid, month)]
                assert avg == _cents(want["avg"]), (cid, month, avg, want["avg"])
                assert end == _cents(want["end"]), (cid, month, end, want["end"])
                assert avg_od == _cents(want["avg_overdraft"]), (cid, month, avg_od, want["avg_overdraft"])
                assert end_od == _cents(want["end_overdraft"]), (cid, month, end_od, want["end_overdraft"])
                assert movement not in ("lost", "new"), (cid, month, movement)
        # the dip is real: O1 is overdrawn in July, O2 in August, and O1 ends August overdrawn by 2,500
        assert got[("O1", date(2026, 7, 1))][2] > 0 and got[("O2", date(2026, 8, 1))][2] > 0
        cid, month, amount = facts["ends_negative"]
        assert got[(cid, month)][3] == amount
        # the time deposit keeps O1 affluent, the rest of the balance keeps O2 mass
        assert {got[("O1", m)][4] for m in facts["months"]} == {"affluent"}
        assert {got[(c, m)][4] for c in ("O2", "O3") for m in facts["months"]} == {"mass"}
        # O3 ends August overdrawn with nothing else: 0 AUM at the month end, 5,000 overdraft
        assert got[("O3", date(2026, 8, 1))][1:4:2] == (0, Decimal("5000.00"))
        # no other customer is ever overdrawn: the branch figures are O1's (B1) and O2's + O3's (B2)
        branch = {(r[0], r[1]): r[2:] for r in con.execute(
            "SELECT branch_id, month_start, monthly_avg_overdraft, month_end_overdraft FROM fct_branch_months"
        ).fetchall()}
        for b, ids in (("B1", ["O1"]), ("B2", ["O2", "O3"])):
            for month in facts["months"]:
                want = tuple(sum(got[(c, month)][k] for c in ids) for k in (2, 3))
                assert branch[(b, month)] == want, (b, month, branch[(b, month)], want)
        churn = con.execute(f"SELECT churn_event_id FROM fct_churn_events WHERE customer_id IN "
                            f"{_in(facts['overdraft_ids'])}").fetchall()
        assert churn == [], churn


# --- 3. a bank of 1993-1994 ------------------------------------------------------------------------------
def test_old_years_build_without_a_first_month_setting(run_extract):
    run = run_extract("old_years")
    with run.marts() as con:
        first, last, n, bad = con.execute(
            "SELECT min(month_start), max(month_start), count(DISTINCT month_start), "
            "count(*) FILTER (WHERE year(month_start) NOT IN (1993, 1994)) FROM fct_customer_months").fetchone()
        assert (first, last, n, bad) == (date(1993, 1, 1), date(1994, 12, 1), 24, 0)
        calls = [r[0] for r in con.execute("SELECT DISTINCT call_date FROM fct_daily_call_list ORDER BY 1").fetchall()]
    assert calls, "no call list for January 1995"
    assert all(d.year == 1995 and d.month == 1 for d in calls), calls
    # 1995 is a year chinese_calendar does not know: weekends only
    assert all(d.weekday() < 5 for d in calls), [d for d in calls if d.weekday() >= 5]
    with run.working() as con:
        working = {r[0]: r[1] for r in con.execute(
            "SELECT calendar_date, is_working_day FROM reference.working_days WHERE year(calendar_date) = 1995"
        ).fetchall()}
    assert all(working.get(d) is True for d in calls), [d for d in calls if working.get(d) is not True]


# --- 4. data ending mid-month ----------------------------------------------------------------------------
MID_MONTH_RUNS = ["mid_month_as_of_flag", "mid_month_as_of_default"]
AFTER_DATA_END_COLUMNS = ("rows_after_as_of", "rows_after_data_end")


@pytest.mark.parametrize("key", MID_MONTH_RUNS)
def test_mid_month_as_of_averages_over_its_days_and_plans_after_it(run_extract, key):
    run = run_extract(key)
    facts = run.extract.facts
    as_of = facts["as_of"]
    october = date(2026, 10, 1)
    with run.marts() as con:
        months = _customer_months(con, [r["customer_id"] for r in run.extract.bank.rows["customers"]],
                                  "monthly_avg_aum, month_end_aum")
        assert months[("M1", october)][0] == facts["m1_october_avg"], months[("M1", october)]
        # every customer's October: divided by the 14 days up to the as-of date
        for (cid, month), (avg, end) in months.items():
            if month != october or cid in facts["future_ids"]:
                continue
            want = expected_customer_month(run.extract, cid, october, as_of)
            assert avg == _cents(want["avg"]), (cid, avg, want["avg"])
            assert end == _cents(want["end"]), (cid, end, want["end"])

        calls = [r[0] for r in con.execute("SELECT DISTINCT call_date FROM fct_daily_call_list").fetchall()]
        assert calls, "no call list"
        assert all(as_of < d <= date(2026, 10, 31) for d in calls), sorted(calls)
        work = [r[0] for r in con.execute("SELECT DISTINCT work_date FROM fct_staff_daily_workload").fetchall()]
        assert work and all(d > as_of for d in work), sorted(work)

        # customers and accounts that begin after the as-of date are not yet customers with money
        future = facts["future_ids"]
        dim_columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'dim_customers'").fetchall()}
        assert "is_customer_at_as_of" in dim_columns, sorted(dim_columns)
        dim = {r[0]: r[1:] for r in con.execute(
            "SELECT customer_id, is_customer_at_as_of, monthly_avg_aum, measured_tier FROM dim_customers").fetchall()}
        assert dim["M1"][0] is True
        for cid in future:
            assert dim[cid] == (False, 0, "none"), (cid, dim[cid])
        funded = con.execute(
            f"SELECT customer_id, month_start, monthly_avg_aum, month_end_aum, first_funded_date "
            f"FROM fct_customer_months WHERE customer_id IN {_in(future)} "
            f"AND (monthly_avg_aum <> 0 OR month_end_aum <> 0 OR first_funded_date IS NOT NULL)").fetchall()
        assert funded == [], funded
        for mart in ("fct_daily_call_list", "fct_counter_tasks", "fct_churn_events"):
            n = con.execute(f"SELECT count(*) FROM {mart} WHERE customer_id IN {_in(future)}").fetchone()[0]
            assert n == 0, mart
        stages = {r[0] for r in con.execute(f"SELECT DISTINCT lifecycle_stage FROM fct_customer_lifecycle "
                                            f"WHERE customer_id IN {_in(future)}").fetchall()}
        assert stages <= {"potential"}, stages

    with run.working() as con:
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = 'load_audit'"
        ).fetchall()}
        column = next((c for c in AFTER_DATA_END_COLUMNS if c in columns), None)
        assert column, f"raw.load_audit has no count of rows after the data's end: {sorted(columns)}"
        after = {r[0]: r[1] for r in con.execute(f"SELECT table_name, {column} FROM raw.load_audit").fetchall()}
    assert after["customers"] == facts["future_customers"], after
    assert after["accounts"] == facts["future_accounts"], after
    assert not any(after.get(t) for t in ("contact_logs", "complaints", "withdrawal_registrations")), after


# --- 5. no contact logs, no complaints -------------------------------------------------------------------
@pytest.mark.parametrize("key", ["no_contacts_no_complaints", "no_contacts_no_complaints_absent"])
def test_undelivered_contacts_and_complaints_are_unknown_not_absent(run_extract, key):
    run = run_extract(key)
    with run.marts() as con:
        events = con.execute("SELECT * FROM fct_churn_events").df()
    events["event_month"] = pd.to_datetime(events.event_month).dt.date
    planted = run.extract.facts["churn"]
    for cid, month in planted.items():
        mine = events[(events.customer_id == cid) & (events.event_month == month)]
        assert len(mine) == 1, (cid, month, events[events.customer_id == cid].to_dict("records"))
        assert bool(mine.qualified_by_aum_fall.iloc[0])
        assert float(mine.outflow_other_bank_in_window.iloc[0]) >= 100_000
    assert (events.churn_type != "service").all(), events[events.churn_type == "service"].churn_event_id.tolist()
    missing = {"signal_service_no_contact", "signal_service_complaint", "contact_evidence",
               "complaint_evidence"} - set(events.columns)
    assert not missing, f"fct_churn_events lacks {sorted(missing)}"
    assert events.signal_service_no_contact.isna().all(), events.signal_service_no_contact.tolist()
    assert events.signal_service_complaint.isna().all(), events.signal_service_complaint.tolist()
    assert (events.contact_evidence == "not_delivered").all(), events.contact_evidence.tolist()
    assert (events.complaint_evidence == "not_delivered").all(), events.complaint_evidence.tolist()


# --- 6. no staff -----------------------------------------------------------------------------------------
def test_no_staff_leaves_every_customer_unassigned(run_extract):
    run = run_extract("no_staff")
    with run.marts() as con:
        n, with_staff, reasons = con.execute(
            "SELECT count(*), count(staff_id), list(DISTINCT assignment_reason) FROM fct_customer_assignments"
        ).fetchone()
        assert n > 0
        assert with_staff == 0 and reasons == ["no_staff_of_role"], (with_staff, reasons)
        assert con.execute("SELECT count(*) FROM fct_daily_call_list").fetchone()[0] == 0
        branch_months = con.execute("SELECT * FROM fct_branch_months").df()
    assert len(branch_months) > 0
    assert "has_staff" in branch_months.columns, sorted(branch_months.columns)
    assert (branch_months.has_staff == False).all(), branch_months.has_staff.tolist()  # noqa: E712


def test_no_transactions_yet_publishes_the_customers_and_empty_months(run_extract):
    """An extract with no transaction has no month of data: the run publishes (customers listed, monthly marts
    empty, no staff assignment needed), it does not stop."""
    run = run_extract("no_transactions")
    with run.marts() as con:
        assert con.execute("SELECT count(*) FROM dim_customers").fetchone()[0] == 20
        assert con.execute("SELECT count(*) FROM fct_customer_months").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM fct_customer_assignments").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM fct_daily_call_list").fetchone()[0] == 0


# --- 7. foreign currency ---------------------------------------------------------------------------------
def test_foreign_currency_converts_at_the_rate_on_or_before_the_period_end(run_extract):
    run = run_extract("foreign_currency")
    facts = run.extract.facts

    def rate(currency, day):
        return Decimal(1) if currency == "CNY" else extracts.rate_on_or_before(currency, day)

    with run.marts() as con:
        got = _customer_months(con, facts["fx_ids"], "monthly_avg_aum, month_end_aum")
    for cid in facts["fx_ids"]:
        for month in facts["months"]:
            want = expected_customer_month(run.extract, cid, month, rate=rate)
            avg, end = got[(cid, month)]
            assert avg == _cents(want["avg"]), (cid, month, avg, _cents(want["avg"]))
            assert end == _cents(want["end"]), (cid, month, end, _cents(want["end"]))
    # September converts at the 2026-09-10 rate, not at the later 2026-10-05 one
    assert rate("USD", date(2026, 9, 30)) == Decimal("7.18")
    assert got[("U1", date(2026, 9, 1))][0] != _cents(
        expected_customer_month(run.extract, "U1", date(2026, 9, 1), rate=lambda c, d: Decimal("7.3"))["avg"])
