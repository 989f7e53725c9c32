"""Ingestion: clear errors for unusable files, quarantine with reasons for bad rows, reconciliation."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.lib.ingest import IngestionError, load_all, load_table
from tests.conftest import write_csv


def _quarantine(con, table):
    return con.execute(
        "SELECT source_row, reason FROM raw.quarantine WHERE table_name = ? ORDER BY source_row", [table]
    ).fetchall()


def test_valid_extract_loads_every_row_typed(minimal_bank, warehouse):
    results = load_all(warehouse, minimal_bank)
    assert {t: r.rows_accepted for t, r in results.items() if r.rows_in} == {
        "branches": 1, "staff": 1, "customers": 2, "accounts": 2, "transactions": 3}
    assert all(r.reconciles and r.rows_quarantined == 0 for r in results.values())
    amount, ts = warehouse.execute("SELECT amount, txn_ts FROM raw.transactions WHERE txn_id = 'T3'").fetchone()
    assert str(amount) == "12.50" and ts.isoformat() == "2026-01-31T00:00:00"
    # A missing optional table is an empty table, not an error.
    assert warehouse.execute("SELECT count(*) FROM raw.complaints").fetchone()[0] == 0


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


def test_children_of_quarantined_parents_are_quarantined_too(minimal_bank, warehouse):
    write_csv(minimal_bank, "accounts", [
        {"account_id": "A1", "customer_id": "C1", "branch_id": "B1", "product_type": "demand_deposit", "currency": "USD",
         "opened_date": "2020-01-01", "opening_balance": "1000.00"},
    ])
    load_all(warehouse, minimal_bank)
    assert _quarantine(warehouse, "accounts") == [(1, "currency USD has no rate in fx_rates")]
    reasons = {r for _, r in _quarantine(warehouse, "transactions")}
    assert reasons == {"orphan account_id: no accepted accounts row"}


def test_missing_required_column_names_file_and_column(minimal_bank, warehouse):
    path = write_csv(minimal_bank, "customers", [{"customer_id": "C1"}], columns=["customer_id", "customer_name"])
    load_table(warehouse, "branches", minimal_bank)
    with pytest.raises(IngestionError) as err:
        load_table(warehouse, "customers", minimal_bank)
    assert "customers/customers.csv" in str(err.value) and "home_branch_id" in str(err.value)
    assert path.exists()


def test_unreadable_file_is_a_clear_error_without_row_content(minimal_bank, warehouse):
    (minimal_bank / "branches" / "branches.csv").write_text(
        'branch_id,branch_name,city,opened_date\nB1,"西湖支行 13812345678,杭州,2001-03-01\n', encoding="utf-8")
    with pytest.raises(IngestionError) as err:
        load_table(warehouse, "branches", minimal_bank)
    assert "branches/branches.csv" in str(err.value)
    assert "13812345678" not in str(err.value)


def test_empty_file_is_an_error_but_header_only_is_an_empty_table(minimal_bank, warehouse):
    load_all(warehouse, minimal_bank)
    write_csv(minimal_bank, "complaints", [])
    assert load_table(warehouse, "complaints", minimal_bank).rows_in == 0
    (minimal_bank / "complaints" / "complaints.csv").write_bytes(b"")
    with pytest.raises(IngestionError, match="complaints.csv: file is empty"):
        load_table(warehouse, "complaints", minimal_bank)


def test_missing_required_table_is_an_error(minimal_bank, warehouse):
    for f in (minimal_bank / "branches").iterdir():
        f.unlink()
    with pytest.raises(IngestionError, match="required table branches"):
        load_table(warehouse, "branches", minimal_bank)


def test_loading_twice_gives_the_same_tables(minimal_bank, warehouse):
    write_csv(minimal_bank, "customers", [{"customer_id": "C3", "home_branch_id": "ZZ", "onboarded_date": "2020-01-01"}],
              name="late.csv")
    load_all(warehouse, minimal_bank)
    first = {t: warehouse.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall() for t in ("customers", "quarantine")}
    load_all(warehouse, minimal_bank)
    second = {t: warehouse.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall() for t in ("customers", "quarantine")}
    assert first == second
    assert len(first["quarantine"]) == 1


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
