"""Ingestion: clear errors for unusable files, quarantine with reasons for bad rows, reconciliation."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.lib.contract import TABLES
from orchestration.lib.ingest import IngestionError, load_all, load_table
from tests.conftest import write_csv


def _quarantine(con, table):
    return con.execute(
        "SELECT source_row, reason FROM raw.quarantine WHERE table_name = ? ORDER BY source_row", [table]
    ).fetchall()


@pytest.mark.unit
def test_valid_extract_loads_every_row_typed(minimal_bank, warehouse):
    results = load_all(warehouse, minimal_bank)
    assert {t: r.rows_accepted for t, r in results.items() if r.rows_in} == {
        "branches": 1, "staff": 1, "customers": 2, "accounts": 2, "transactions": 3}
    assert all(r.reconciles and r.rows_quarantined == 0 for r in results.values())
    amount, ts = warehouse.execute("SELECT amount, txn_ts FROM raw.transactions WHERE txn_id = 'T3'").fetchone()
    assert str(amount) == "12.50" and ts.isoformat() == "2026-01-31T00:00:00"
    # A missing optional table is an empty table, not an error.
    assert warehouse.execute("SELECT count(*) FROM raw.complaints").fetchone()[0] == 0


@pytest.mark.unit
def test_bad_rows_are_quarantined_with_their_reason(minimal_bank, warehouse):
    write_csv(minimal_bank, "transactions", [
        {"txn_id": "T9", "account_id": "A1", "txn_ts": "not a time", "direction": "credit", "amount": "1",
         "balance_after": "1", "txn_type": "salary"},
        {"txn_id": "T10", "account_id": "A1", "txn_ts": "2026-01-07 09:00:00", "direction": "sideways", "amount": "1",
         "balance_after": "1", "txn_type": "salary"},
        {"txn_id": "T11", "account_id": "NOPE", "txn_ts": "2026-01-07 09:00:00", "direction": "debit", "amount": "0",
         "balance_after": "1", "txn_type": "fee"},
        {"txn_id": "", "account_id": "A1", "txn_ts": "2026-01-07 09:00:00", "direction": "debit", "amount": "1",
         "balance_after": "1", "txn_type": "fee"},
        {"txn_id": "T1", "account_id": "A1", "txn_ts": "2026-01-07 09:00:00", "direction": "debit", "amount": "1",
         "balance_after": "1", "txn_type": "fee"},
    ], name="zz_more.csv")
    results = load_all(warehouse, minimal_bank)
    txns = results["transactions"]
    assert (txns.rows_in, txns.rows_accepted, txns.rows_quarantined) == (8, 3, 5)
    reasons = [r for _, r in _quarantine(warehouse, "transactions")]
    assert reasons == [
        "bad timestamp in txn_ts",
        "unknown direction code",
        "orphan account_id: no accepted accounts row; non-positive amount",
        "missing txn_id",
        "duplicate txn_id (first occurrence kept)",
    ]
    # The first occurrence (transactions.csv sorts before zz_more.csv) is the one kept.
    assert warehouse.execute("SELECT amount FROM raw.transactions WHERE txn_id = 'T1'").fetchone()[0] == 500


@pytest.mark.unit
def test_children_of_quarantined_parents_are_quarantined_too(minimal_bank, warehouse):
    write_csv(minimal_bank, "accounts", [
        {"account_id": "A1", "customer_id": "C1", "branch_id": "B1", "product_type": "demand_deposit", "currency": "USD",
         "opened_date": "2020-01-01", "opening_balance": "1000.00"},
    ])
    load_all(warehouse, minimal_bank)
    assert _quarantine(warehouse, "accounts") == [(1, "currency has no rate in fx_rates")]
    reasons = {r for _, r in _quarantine(warehouse, "transactions")}
    assert reasons == {"orphan account_id: no accepted accounts row"}


@pytest.mark.unit
def test_missing_required_column_names_file_and_column(minimal_bank, warehouse):
    path = write_csv(minimal_bank, "customers", [{"customer_id": "C1"}], columns=["customer_id", "customer_name"])
    load_table(warehouse, "branches", minimal_bank)
    with pytest.raises(IngestionError) as err:
        load_table(warehouse, "customers", minimal_bank)
    assert "customers/customers.csv" in str(err.value) and "home_branch_id" in str(err.value)
    assert path.exists()


@pytest.mark.unit
def test_unreadable_file_is_a_clear_error_without_row_content(minimal_bank, warehouse):
    (minimal_bank / "branches" / "branches.csv").write_text(
        'branch_id,branch_name,city,opened_date\nB1,"西湖支行 13812345678,杭州,2001-03-01\n', encoding="utf-8")
    with pytest.raises(IngestionError) as err:
        load_table(warehouse, "branches", minimal_bank)
    assert "branches/branches.csv" in str(err.value)
    assert "13812345678" not in str(err.value)


@pytest.mark.unit
def test_empty_file_is_an_error_but_header_only_is_an_empty_table(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    write_csv(minimal_bank, "complaints", [])
    assert load_table(warehouse, "complaints", minimal_bank).rows_in == 0
    (minimal_bank / "complaints" / "complaints.csv").write_bytes(b"")
    with pytest.raises(IngestionError, match="complaints.csv: file is empty"):
        load_table(warehouse, "complaints", minimal_bank)


@pytest.mark.unit
def test_missing_required_table_is_an_error(minimal_bank, warehouse):
    for f in (minimal_bank / "branches").iterdir():
        f.unlink()
    with pytest.raises(IngestionError, match="required table branches"):
        load_table(warehouse, "branches", minimal_bank)


@pytest.mark.unit
def test_loading_twice_gives_the_same_tables(minimal_bank, warehouse):
    write_csv(minimal_bank, "customers", [{"customer_id": "C3", "home_branch_id": "ZZ", "onboarded_date": "2020-01-01"}],
              name="late.csv")
    load_all(warehouse, minimal_bank)
    first = {t: warehouse.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall() for t in ("customers", "quarantine")}
    load_all(warehouse, minimal_bank)
    second = {t: warehouse.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall() for t in ("customers", "quarantine")}
    assert first == second
    assert len(first["quarantine"]) == 1


@pytest.mark.unit
def test_parquet_and_csv_in_one_folder_and_gbk_and_extra_columns(minimal_bank, warehouse, tmp_path):
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT 'B2' AS branch_id, '滨江支行' AS branch_name, '杭州' AS city, DATE '2010-01-01' AS opened_date) "
        f"TO '{minimal_bank / 'branches' / 'more.parquet'}' (FORMAT parquet)")
    write_csv(minimal_bank, "branches", [{"branch_id": "B3", "branch_name": "上城支行", "city": "杭州",
                                          "opened_date": "2012/05/01", "region": "east"}],
              name="gbk.csv", columns=["branch_id", "branch_name", "city", "opened_date", "region"], encoding="gbk",
              newline="\r\n")
    result = load_table(warehouse, "branches", minimal_bank)
    assert result.rows_accepted == 3 and result.rows_quarantined == 0
    assert any("extra column(s) ignored: region" in w for w in result.warnings)
    names = dict(warehouse.execute("SELECT branch_id, branch_name FROM raw.branches").fetchall())
    assert names["B3"] == "上城支行" and names["B2"] == "滨江支行"


@pytest.mark.unit
def test_future_dates_default_to_today_in_shanghai(minimal_bank, warehouse):
    from datetime import timedelta

    from orchestration.lib.ingest import load_date

    today = load_date()
    write_csv(minimal_bank, "transactions", [
        {"txn_id": "T8", "account_id": "A1", "txn_ts": f"{today} 00:00:00", "direction": "credit", "amount": "1.00",
         "balance_after": "1301.00", "txn_type": "salary"},
        {"txn_id": "T9", "account_id": "A1", "txn_ts": f"{today + timedelta(days=1)} 00:00:00", "direction": "credit",
         "amount": "1.00", "balance_after": "1302.00", "txn_type": "salary"},
    ], name="zz_today.csv")
    txns = load_all(warehouse, minimal_bank)["transactions"]
    assert (txns.rows_in, txns.rows_accepted, txns.reasons) == (5, 4, {"future date in txn_ts": 1})
    assert txns.balance_chain_breaks == 0


@pytest.mark.unit
def test_a_broken_quote_past_the_sniffed_sample_stops_the_load_at_its_line(minimal_bank, warehouse):
    load_table(warehouse, "branches", minimal_bank)
    header = ",".join(["contact_id", "customer_id", "staff_id", "contact_ts", "channel", "outcome"])
    good = "".join(f"K{i},C1,S1,2026-01-10 10:00:00,phone,reached\n" for i in range(25_000))
    path = minimal_bank / "contact_logs" / "contact_logs.csv"
    path.parent.mkdir()
    broken = 'K-1,C1,"S1 13812345678,2026-01-10 10:00:00,phone,reached\n'
    path.write_text(header + "\n" + good + broken, encoding="utf-8")
    for t in ("staff", "customers"):
        load_table(warehouse, t, minimal_bank)
    with pytest.raises(IngestionError) as err:
        load_table(warehouse, "contact_logs", minimal_bank)
    assert str(err.value).startswith("contact_logs/contact_logs.csv: cannot be read: line 25002")
    assert "13812345678" not in str(err.value)


@pytest.mark.unit
def test_balance_chain_breaks_are_replaced_on_reload(minimal_bank, warehouse):
    write_csv(minimal_bank, "transactions", [
        {"txn_id": "T4", "account_id": "A1", "txn_ts": "2026-01-07 10:00:00", "direction": "debit", "amount": "1.00",
         "balance_after": "9.99", "txn_type": "fee"}], name="zz_break.csv")
    first = load_all(warehouse, minimal_bank)["transactions"]
    assert first.balance_chain_breaks == 1 and first.rows_accepted == 4
    assert any("1 balance-chain break(s)" in w for w in first.warnings)
    assert warehouse.execute("SELECT txn_id, expected_balance FROM raw.balance_chain_breaks").fetchall() == [
        ("T4", 1299)]
    (minimal_bank / "transactions" / "zz_break.csv").unlink()
    assert load_all(warehouse, minimal_bank)["transactions"].balance_chain_breaks == 0
    assert warehouse.execute("SELECT count(*) FROM raw.balance_chain_breaks").fetchone()[0] == 0


# ---- incremental loads: a daily refresh reads only the new files, and ends where a full load would --------------

def _contents(con) -> dict:
    """Every raw table and the quarantine as sorted rows (load order and bookkeeping aside)."""
    from orchestration.lib.contract import LOAD_ORDER

    out = {t: con.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall() for t in LOAD_ORDER}
    out["quarantine"] = con.execute(
        "SELECT table_name, source_file, source_row, reason, CAST(record AS VARCHAR) FROM raw.quarantine ORDER BY ALL"
    ).fetchall()
    out["balance_chain_breaks"] = con.execute("SELECT * FROM raw.balance_chain_breaks ORDER BY ALL").fetchall()
    return out


def _as_full_load(landing, tmp_path, latest=None) -> dict:
    con = duckdb.connect(str(tmp_path / f"full-{len(list(tmp_path.glob('full-*')))}.duckdb"))
    try:
        results = load_all(con, landing, latest)
        assert all(r.mode == "full" for r in results.values())
        return _contents(con)
    finally:
        con.close()


def _txn(txn_id, account, ts, direction, amount, balance, txn_type="transfer_in"):
    return {"txn_id": txn_id, "account_id": account, "txn_ts": ts, "direction": direction, "amount": amount,
            "balance_after": balance, "txn_type": txn_type}


@pytest.mark.unit
def test_a_new_daily_file_is_read_alone_and_appended(minimal_bank, warehouse, tmp_path):
    first = load_all(warehouse, minimal_bank)
    assert {r.mode for r in first.values()} == {"full"}
    write_csv(minimal_bank, "transactions", [
        _txn("T4", "A1", "2026-02-01 09:00:00", "credit", "100.00", "1400.00"),
        _txn("T1", "A1", "2026-02-01 10:00:00", "credit", "1.00", "1401.00"),  # a key loaded yesterday
        _txn("T5", "A1", "2026-02-01 11:00:00", "debit", "0", "1401.00", "fee"),  # bad: zero amount
    ], name="transactions_2026-02-01.csv")
    second = load_all(warehouse, minimal_bank)
    txns = second["transactions"]
    assert (txns.mode, txns.files_read, txns.rows_new) == ("incremental", ["transactions/transactions_2026-02-01.csv"], 3)
    assert (txns.rows_in, txns.rows_accepted, txns.rows_quarantined) == (6, 4, 2) and txns.reconciles
    assert txns.reasons == {"duplicate txn_id (first occurrence kept)": 1, "non-positive amount": 1}
    assert all(r.mode == "unchanged" and r.files_read == [] for t, r in second.items() if t != "transactions")
    # the first occurrence stays: yesterday's T1
    assert warehouse.execute("SELECT amount FROM raw.transactions WHERE txn_id = 'T1'").fetchone()[0] == 500
    audit = warehouse.execute(
        "SELECT load_mode, files_read, rows_new FROM raw.load_audit WHERE table_name = 'transactions'").fetchone()
    assert audit == ("incremental", "transactions/transactions_2026-02-01.csv", 3)
    assert _contents(warehouse) == _as_full_load(minimal_bank, tmp_path)
    # nothing new: nothing read, nothing changed
    third = load_all(warehouse, minimal_bank)
    assert {r.mode for r in third.values()} == {"unchanged"} and third["transactions"].rows_in == 6


@pytest.mark.unit
def test_an_orphan_is_accepted_once_its_parent_arrives(minimal_bank, warehouse, tmp_path):
    write_csv(minimal_bank, "transactions", [_txn("T7", "A3", "2026-01-20 09:00:00", "credit", "10.00", "10.00")],
              name="transactions_2026-01-20.csv")
    load_all(warehouse, minimal_bank)
    assert _quarantine(warehouse, "transactions") == [(1, "orphan account_id: no accepted accounts row")]
    write_csv(minimal_bank, "accounts", [{
        "account_id": "A3", "customer_id": "C1", "branch_id": "B1", "product_type": "demand_deposit",
        "currency": "CNY", "opened_date": "2026-01-01", "opening_balance": "0"}], name="accounts_2026-01-20.csv")
    results = load_all(warehouse, minimal_bank)
    assert results["accounts"].mode == "incremental" and results["accounts"].rows_new == 1
    txns = results["transactions"]
    assert (txns.mode, txns.files_read, txns.rows_new) == ("incremental", [], 0)  # no file read again
    assert (txns.rows_in, txns.rows_accepted, txns.rows_quarantined) == (4, 4, 0)
    assert _contents(warehouse) == _as_full_load(minimal_bank, tmp_path)


@pytest.mark.unit
def test_a_date_quarantined_as_future_is_accepted_when_its_day_comes(minimal_bank, warehouse, tmp_path):
    from datetime import date

    write_csv(minimal_bank, "transactions", [_txn("T8", "A1", "2026-02-02 09:00:00", "credit", "1.00", "1301.00")],
              name="transactions_2026-02-02.csv")
    assert load_all(warehouse, minimal_bank, date(2026, 2, 1))["transactions"].reasons == {"future date in txn_ts": 1}
    later = load_all(warehouse, minimal_bank, date(2026, 2, 2))["transactions"]
    assert later.mode == "incremental" and (later.rows_accepted, later.rows_quarantined) == (4, 0)
    assert _contents(warehouse) == _as_full_load(minimal_bank, tmp_path, date(2026, 2, 2))
    earlier = load_all(warehouse, minimal_bank, date(2026, 2, 1))["transactions"]
    assert earlier.mode == "full" and "earlier than the last load" in earlier.plan
    assert earlier.reasons == {"future date in txn_ts": 1}


@pytest.mark.unit
def test_changed_removed_or_earlier_sorting_files_load_the_table_in_full(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    write_csv(minimal_bank, "customers", [{"customer_id": "C0", "home_branch_id": "B1"}], name="a_early.csv")
    customers = load_table(warehouse, "customers", minimal_bank)
    assert customers.mode == "full" and "sorts before a loaded file" in customers.plan
    assert customers.files_read == ["customers/a_early.csv", "customers/customers.csv"]
    (minimal_bank / "customers" / "a_early.csv").unlink()
    assert "was removed" in load_table(warehouse, "customers", minimal_bank).plan
    path = minimal_bank / "branches" / "branches.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("西湖支行", "西湖路支行"), encoding="utf-8")
    branches = load_table(warehouse, "branches", minimal_bank)
    assert branches.mode == "full" and "changed" in branches.plan
    assert warehouse.execute("SELECT branch_name FROM raw.branches").fetchone()[0] == "西湖路支行"
    assert load_table(warehouse, "branches", minimal_bank, full=True).plan == "a full load was asked for"


@pytest.mark.unit
def test_a_parent_that_loses_keys_reloads_its_children_in_full(minimal_bank, warehouse, tmp_path):
    load_all(warehouse, minimal_bank)
    gone = [r for r in (minimal_bank / "accounts" / "accounts.csv").read_text(encoding="utf-8").splitlines()
            if not r.startswith("A2,")]
    (minimal_bank / "accounts" / "accounts.csv").write_text("\n".join(gone) + "\n", encoding="utf-8")
    results = load_all(warehouse, minimal_bank)
    assert results["accounts"].mode == "full"
    txns = results["transactions"]
    assert txns.mode == "full" and txns.plan == "accounts lost or narrowed rows that this table's rows are checked against"
    assert txns.reasons == {"orphan account_id: no accepted accounts row": 1}
    assert _contents(warehouse) == _as_full_load(minimal_bank, tmp_path)
    # a parent reloaded in full that only gains keys leaves its children incremental
    write_csv(minimal_bank, "branches", [{"branch_id": "B1", "branch_name": "西湖支行"}, {"branch_id": "B2"}])
    results = load_all(warehouse, minimal_bank)
    assert results["branches"].mode == "full" and results["customers"].mode == "unchanged"


# ---- hardening: time zones, files, incremental = full under the new rules, faults, temporary files ------------

@pytest.fixture
def machine_tz():
    """Set the process's TZ (os.environ + time.tzset) for one test, and put it back."""
    import os
    import time

    before = os.environ.get("TZ")

    def set_tz(tz: str) -> None:
        os.environ["TZ"] = tz
        time.tzset()

    yield set_tz
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.unit
@pytest.mark.parametrize("tz", ["America/New_York", "UTC", "Asia/Kolkata"])
def test_timestamps_do_not_depend_on_the_machine_or_connection_time_zone(minimal_bank, tmp_path, machine_tz, tz):
    machine_tz(tz)
    write_csv(minimal_bank, "transactions", [
        _txn("T4", "A1", "2026-01-07T01:00:00Z", "credit", "1.00", "1301.00"),
        _txn("T5", "A1", "2026-01-07 09:30:00-05:00", "credit", "1.00", "1302.00"),
        _txn("T6", "A1", "2026-01-08 10:00:00", "credit", "1.00", "1303.00"),  # naive: Shanghai
    ], name="zz_offsets.csv")
    src = duckdb.connect()
    src.execute(f"SET TimeZone = '{tz}'")
    src.execute("COPY (SELECT 'T7' AS txn_id, 'A1' AS account_id, TIMESTAMPTZ '2026-01-09 02:00:00+00' AS txn_ts, "
                "'credit' AS direction, '1.00' AS amount, '1304.00' AS balance_after, 'salary' AS txn_type) "
                f"TO '{minimal_bank / 'transactions' / 'zz_tz.parquet'}' (FORMAT parquet)")
    src.close()
    con = duckdb.connect(str(tmp_path / f"tz-{tz.replace('/', '_')}.duckdb"))
    con.execute(f"SET TimeZone = '{tz}'")
    load_all(con, minimal_bank)
    got = dict(con.execute("SELECT txn_id, strftime(txn_ts, '%Y-%m-%d %H:%M:%S') FROM raw.transactions "
                           "WHERE txn_id IN ('T4', 'T5', 'T6', 'T7')").fetchall())
    assert got == {"T4": "2026-01-07 09:00:00", "T5": "2026-01-07 22:30:00", "T6": "2026-01-08 10:00:00",
                   "T7": "2026-01-09 10:00:00"}
    # the connection's own setting is set back after the load
    assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == tz
    assert con.execute("SELECT count(*) FROM raw.balance_chain_breaks").fetchone()[0] == 0
    con.close()


@pytest.mark.unit
def test_the_sensor_lists_exactly_the_files_ingestion_reads(minimal_bank):
    from orchestration.lib.ingest import table_files
    from orchestration.lib.landing import landing_files

    (minimal_bank / "transactions" / "archive").mkdir()
    (minimal_bank / "transactions" / "archive" / "transactions.csv").write_text("old copy", encoding="utf-8")
    for name in ("._transactions.csv", "~$transactions.csv", "notes.txt", "more.tsv"):
        (minimal_bank / "transactions" / name).write_bytes(b"x")
    (minimal_bank / "transactions" / "zz.csv.gz").write_bytes(b"")
    (minimal_bank / "transactions" / "_format.json").write_text("{}", encoding="utf-8")
    listed = set(landing_files(minimal_bank))
    read = {str(p.relative_to(minimal_bank)) for t in TABLES for p in table_files(minimal_bank, t)}
    assert listed == read | {"transactions/_format.json"}
    assert {f for f in listed if f.startswith("transactions/")} == {
        "transactions/transactions.csv", "transactions/zz.csv.gz", "transactions/_format.json"}


@pytest.mark.unit
def test_skipped_files_are_listed_every_load_and_change_nothing_else(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    (minimal_bank / "transactions" / "notes.txt").write_text("说明", encoding="utf-8")
    txns = load_table(warehouse, "transactions", minimal_bank)
    assert txns.mode == "unchanged" and txns.skipped == [("transactions/notes.txt", "not a CSV or Parquet file")]
    assert warehouse.execute("SELECT table_name, source_file, reason FROM raw.skipped_files").fetchall() == [
        ("transactions", "transactions/notes.txt", "not a CSV or Parquet file")]
    (minimal_bank / "transactions" / "notes.txt").unlink()
    assert load_table(warehouse, "transactions", minimal_bank).skipped == []
    assert warehouse.execute("SELECT count(*) FROM raw.skipped_files").fetchone()[0] == 0


@pytest.mark.unit
def test_a_changed_format_setting_loads_the_table_in_full(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    (minimal_bank / "accounts" / "_format.json").write_text('{"encoding": "utf-8"}', encoding="utf-8")
    accounts = load_table(warehouse, "accounts", minimal_bank)
    assert accounts.mode == "full" and "format settings" in accounts.plan
    assert load_table(warehouse, "accounts", minimal_bank).mode == "unchanged"


@pytest.mark.unit
def test_a_warehouse_loaded_under_older_rules_loads_in_full_once(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    warehouse.execute("UPDATE raw.load_audit SET rules_version = 1")
    branches = load_table(warehouse, "branches", minimal_bank)
    assert branches.mode == "full" and "rules changed" in branches.plan
    assert load_table(warehouse, "branches", minimal_bank).mode == "unchanged"


def _account_row(account_id="A3", opened="2026-01-01", closed=""):
    return {"account_id": account_id, "customer_id": "C1", "branch_id": "B1", "product_type": "demand_deposit",
            "currency": "CNY", "opened_date": opened, "closed_date": closed, "opening_balance": "0"}


def test_an_account_whose_dates_narrow_reloads_its_transactions_in_full(minimal_bank, warehouse, tmp_path):
    write_csv(minimal_bank, "accounts", [_account_row()], name="accounts_2026-01-01.csv")
    write_csv(minimal_bank, "transactions", [_txn("T7", "A3", "2026-01-20 09:00:00", "credit", "10.00", "10.00")],
              name="transactions_2026-01-20.csv")
    assert load_all(warehouse, minimal_bank)["transactions"].rows_quarantined == 0
    # the bank closes A3 on the 15th in a corrected file: T7 now falls after its closing day
    write_csv(minimal_bank, "accounts", [_account_row(closed="2026-01-15")], name="accounts_2026-01-01.csv")
    results = load_all(warehouse, minimal_bank)
    txns = results["transactions"]
    assert results["accounts"].mode == "full" and txns.mode == "full" and "narrowed" in txns.plan
    assert txns.reasons == {"transaction after the account's closed_date": 1}
    assert _contents(warehouse) == _as_full_load(minimal_bank, tmp_path)
    # corrected again (closed on the 25th): the quarantined transaction is checked again and accepted
    write_csv(minimal_bank, "accounts", [_account_row(closed="2026-01-25")], name="accounts_2026-01-01.csv")
    results = load_all(warehouse, minimal_bank)
    txns = results["transactions"]
    assert txns.mode == "incremental" and (txns.rows_accepted, txns.rows_quarantined) == (4, 0)
    assert _contents(warehouse) == _as_full_load(minimal_bank, tmp_path)


@pytest.mark.unit
def test_a_line_over_the_limit_after_the_sampled_part_names_its_line(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    header = ",".join(TABLES["contact_logs"].column_names)
    good = "".join(f"K{i},C1,S1,2026-01-10 10:00:00,phone,reached\n" for i in range(25_000))
    long_line = "K-1,C1,S1,2026-01-10 10:00:00,phone," + "13812345678" * 200_000 + "\n"
    (minimal_bank / "contact_logs").mkdir()
    (minimal_bank / "contact_logs" / "contact_logs.csv").write_text(header + "\n" + good + long_line + good[:200],
                                                                     encoding="utf-8")
    with pytest.raises(IngestionError) as err:
        load_table(warehouse, "contact_logs", minimal_bank)
    assert str(err.value) == ("contact_logs/contact_logs.csv: cannot be read: line 25002 (counting the header as "
                              "line 1): line too long (over 2000000 bytes)")


class _DiskFullAt:
    """A connection whose statement containing `marker` fails as a full disk does."""

    def __init__(self, con, marker: str):
        self._con, self._marker = con, marker

    def execute(self, sql, *args):
        if self._marker in sql:
            raise duckdb.IOException("IO Error: Could not write file \"/wh/warehouse.duckdb.wal\": No space left on device")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


@pytest.mark.unit
def test_a_full_disk_mid_load_says_so_and_leaves_the_table_as_it_was(minimal_bank, warehouse, tmp_path):
    load_all(warehouse, minimal_bank)
    before = warehouse.execute("SELECT * FROM raw.transactions ORDER BY ALL").fetchall()
    audit = warehouse.execute("SELECT * FROM raw.load_audit WHERE table_name = 'transactions'").fetchall()
    write_csv(minimal_bank, "transactions", [_txn("T4", "A1", "2026-01-07 09:00:00", "credit", "1.00", "1301.00")],
              name="a_early.csv")  # sorts first: a full load, which replaces raw.transactions
    with pytest.raises(IngestionError) as err:
        load_table(_DiskFullAt(warehouse, "CREATE OR REPLACE TABLE raw"), "transactions", minimal_bank)
    assert str(err.value) == (f"out of disk space while loading transactions "
                              f"({(tmp_path / 'warehouse.duckdb').resolve()})")
    assert warehouse.execute("SELECT * FROM raw.transactions ORDER BY ALL").fetchall() == before
    assert warehouse.execute("SELECT * FROM raw.load_audit WHERE table_name = 'transactions'").fetchall() == audit
    # and the next load, with space again, goes through
    assert load_table(warehouse, "transactions", minimal_bank).rows_accepted == 4


@pytest.mark.unit
def test_a_full_disk_while_decoding_a_gbk_file_says_so(minimal_bank, warehouse, monkeypatch):
    import errno

    from orchestration.lib import ingest_files

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ingest_files, "decoded_copy", full)
    load_table(warehouse, "branches", minimal_bank)
    path = minimal_bank / "customers" / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    with pytest.raises(IngestionError, match=r"^out of disk space while loading customers \(.*branch-retention-tmp"):
        load_table(warehouse, "customers", minimal_bank)
    assert not (warehouse_dir(warehouse) / ".branch-retention-tmp").exists()


def warehouse_dir(con):
    from orchestration.lib.ingest_files import warehouse_folder

    return warehouse_folder(con)


@pytest.mark.unit
def test_decoded_copies_stay_in_the_warehouse_folder_and_are_removed(minimal_bank, warehouse, monkeypatch):
    import os
    import subprocess
    import sys

    from orchestration.lib import ingest_files

    tmp_root = warehouse_dir(warehouse) / ".branch-retention-tmp"
    # a killed run's leftovers: the folder of a process that no longer runs
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_root / str(dead.pid) / "x").mkdir(parents=True)
    (tmp_root / str(dead.pid) / "x" / "0-customers.csv.utf8.csv").write_text("张三", encoding="utf-8")
    copies = []
    real = ingest_files.decoded_copy

    def spy(path, label, encoding, workdir, check_plausible):
        copy, share = real(path, label, encoding, workdir, check_plausible)
        copies.append(copy)
        assert copy.exists()
        return copy, share

    monkeypatch.setattr(ingest_files, "decoded_copy", spy)
    path = minimal_bank / "customers" / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    results = load_all(warehouse, minimal_bank)
    assert results["customers"].rows_accepted == 2
    assert len(copies) == 1 and copies[0].parent.parent == tmp_root / str(os.getpid())
    assert not copies[0].exists() and not tmp_root.exists()  # removed, and the dead run's folder with it
    # removed on error too
    write_csv(minimal_bank, "customers", [{"customer_id": "C9", "customer_name": "王五"}], name="zz_bad.csv",
              columns=["customer_id", "customer_name"], encoding="gbk")
    with pytest.raises(IngestionError, match="missing required column"):
        load_table(warehouse, "customers", minimal_bank)  # incremental: only zz_bad.csv is read (and decoded)
    assert len(copies) == 2 and not any(c.exists() for c in copies) and not tmp_root.exists()


@pytest.mark.unit
def test_duckdb_errors_lose_quoted_values(minimal_bank):
    from orchestration.lib.ingest import _safe_reason

    exc = duckdb.ConversionException("Conversion Error: Could not convert string '13812345678' to INT32")
    assert "13812345678" not in _safe_reason(exc)
    exc = duckdb.IOException("IO Error: No files found that match the pattern \"/x/y.csv\"")
    assert _safe_reason(exc, {"/x/y.csv": "t/y.csv"}) == 'IO Error: No files found that match the pattern "t/y.csv"'


@pytest.mark.unit
def test_quarantined_rows_keep_their_record_number_in_a_large_file(minimal_bank, warehouse):
    """A file of many DuckDB row groups, read in parallel: each quarantined row names its own record (counting
    the first record after the header as 1, a quoted newline inside one record), in every file; a record that
    cannot be split into fields takes its place in the numbering."""
    planted = {1: "orphan", 2048: "zero", 4097: "orphan", 60001: "orphan", 99999: "zero", 119999: "orphan"}
    rows = []
    for record in range(1, 120_001):
        kind = planted.get(record)
        rows.append(_txn(f"BIG{record}", "NOPE" if kind == "orphan" else "A2", "2026-01-10 09:00:00", "credit",
                         "0" if kind == "zero" else "1.00", "1.00"))
        if record == 500:
            rows[-1]["memo"] = "a memo\nover two lines"
    write_csv(minimal_bank, "transactions", rows, name="zz_big.csv")
    last = minimal_bank / "transactions" / "zz_last.csv"
    header = ",".join(TABLES["transactions"].column_names)
    good = "L{n},A1,2026-01-11 09:00:00,credit,{amount},1.00,salary,,,,,"
    last.write_text("\n".join([header, good.format(n=1, amount="1.00"), "L2,A1,2026-01-11 09:00:00",
                               good.format(n=3, amount="-5"), good.format(n=4, amount="1.00")]) + "\n")
    result = load_all(warehouse, minimal_bank)["transactions"]
    assert result.reconciles and result.rows_in == 3 + 120_000 + 4
    quarantined = warehouse.execute(
        "SELECT source_file, source_row, reason, record->>'txn_id' FROM raw.quarantine "
        "WHERE table_name = 'transactions' ORDER BY source_file, source_row").fetchall()
    orphan, zero = "orphan account_id: no accepted accounts row", "non-positive amount"
    assert quarantined == [
        *[("transactions/zz_big.csv", n, orphan if kind == "orphan" else zero, f"BIG{n}")
          for n, kind in sorted(planted.items())],
        ("transactions/zz_last.csv", 2, "unparseable CSV row", None),
        ("transactions/zz_last.csv", 3, zero, "L3"),
    ]
    memo = warehouse.execute("SELECT memo FROM raw.transactions WHERE txn_id = 'BIG500'").fetchone()[0]
    assert memo == "a memo\nover two lines"
