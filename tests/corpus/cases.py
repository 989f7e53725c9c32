"""Bad inputs and what ingestion must do with each: the single list of expected outcomes.

Each case starts from the `minimal_bank` fixture (tests/conftest.py: one branch, one teller, two
customers, two CNY accounts, three transactions whose balance chain holds) and changes it. The outcome is
either an IngestionError whose text contains `error` (file and column or reason, never row content), or
per table: rows in, rows accepted and the quarantine reasons with their counts. Tables a case does not
list must load without quarantine. tests/test_corpus.py runs every case; tests/corpus/README.md is this
list as a table (regenerate it with `.venv/bin/python -m tests.corpus.cases > tests/corpus/README.md`).

Every case loads with latest_valid_date = LATEST_VALID_DATE, so the outcomes do not depend on the clock.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from orchestration.lib.contract import TABLES
from tests.conftest import write_csv

LATEST_VALID_DATE = date(2026, 3, 31)
# Personal data planted in bad rows: it must never show in an error or a warning.
NAME, PHONE, ID_NUMBER = "赵六", "13912345678", "330102199001011234"
BASE_SECRETS = ("张三", "李四", "王五", "13812345678")


@dataclass(frozen=True)
class Outcome:
    rows_in: int
    accepted: int
    quarantined: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        q = sum(self.quarantined.values())
        text = f"{self.rows_in} in = {self.accepted} accepted + {q} quarantined"
        if self.quarantined:
            text += " (" + "; ".join(f"`{r}` x{n}" for r, n in self.quarantined.items()) + ")"
        return text


@dataclass(frozen=True)
class Case:
    name: str
    input: str  # what is wrong with the input, in words
    build: Callable[[Path], None]  # changes the minimal bank's landing folder in place
    tables: dict[str, Outcome] = field(default_factory=dict)
    error: str | None = None  # the IngestionError must contain this text
    warning: str | None = None  # some LoadResult warning must contain this text
    balance_chain_breaks: int = 0
    secrets: tuple[str, ...] = ()  # personal values in the input, never in an error or a warning
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None  # further assertions on the warehouse

    def outcome(self) -> str:
        if self.error:
            return f"IngestionError: `{self.error}`"
        parts = [f"{t}: {o.describe()}" for t, o in self.tables.items()]
        if self.balance_chain_breaks:
            parts.append(f"{self.balance_chain_breaks} balance-chain breaks (warning, rows kept)")
        if self.warning:
            parts.append(f"warning `{self.warning}`")
        return "; ".join(parts)


# ---------------------------------------------------------------- helpers

def _read(landing: Path, table: str, name: str | None = None) -> list[dict]:
    path = landing / table / (name or f"{table}.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _rewrite(landing: Path, table: str, *, columns: list[str] | None = None, encoding: str = "utf-8",
             newline: str = "\n", extra: dict | None = None) -> Path:
    """Write the table's base file again in another shape (columns, encoding, line ending)."""
    rows = _read(landing, table)
    if extra:
        rows = [{**r, **extra} for r in rows]
    return write_csv(landing, table, rows, columns=columns, encoding=encoding, newline=newline)


def _txn(txn_id: str, ts: str, direction: str, amount: str, balance_after: str, account_id: str = "A1", **kw) -> dict:
    return {"txn_id": txn_id, "account_id": account_id, "txn_ts": ts, "direction": direction, "amount": amount,
            "balance_after": balance_after, "txn_type": kw.pop("txn_type", "salary"),
            "channel": kw.pop("channel", "online"), **kw}


def _customer(customer_id: str, **kw) -> dict:
    return {"customer_id": customer_id, "home_branch_id": "B1", "customer_name": NAME, "id_number": ID_NUMBER,
            "mobile_phone": PHONE, "onboarded_date": "2022-01-01", **kw}


def _account(account_id: str, customer_id: str = "C1", **kw) -> dict:
    return {"account_id": account_id, "customer_id": customer_id, "branch_id": "B1", "product_type": "demand_deposit",
            "currency": "CNY", "opened_date": "2022-01-01", "opening_balance": "100.00", **kw}


def _registration(registration_id: str, **kw) -> dict:
    return {"registration_id": registration_id, "customer_id": "C1", "branch_id": "B1",
            "registered_ts": "2026-02-01 10:00:00", "planned_date": "2026-02-05", "amount": "60000.00",
            "stated_purpose": "house", "staff_id": "S1", **kw}


def _add(table: str, rows: list[dict], name: str = "zz_case.csv") -> Callable[[Path], None]:
    return lambda landing: write_csv(landing, table, rows, name=name)


def _all(*builds: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(landing: Path) -> None:
        for b in builds:
            b(landing)
    return build


def _write_text(table: str, text: str, name: str | None = None, encoding: str = "utf-8") -> Callable[[Path], None]:
    def build(landing: Path) -> None:
        path = landing / table / (name or f"{table}.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
    return build


def _write_parquet(table: str, select: str, name: str) -> Callable[[Path], None]:
    def build(landing: Path) -> None:
        path = landing / table / name
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
        con.close()
    return build


def _remove(table: str) -> Callable[[Path], None]:
    return lambda landing: shutil.rmtree(landing / table)


def _header(table: str) -> str:
    return ",".join(TABLES[table].column_names) + "\n"


def _csv_line(values: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _memo_check(expected: dict[str, str]) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def check(con):
        got = dict(con.execute("SELECT txn_id, memo FROM raw.transactions WHERE txn_id IN "
                               f"({', '.join(repr(k) for k in expected)})").fetchall())
        assert got == expected, got
    return check


def _value_check(sql: str, expected) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def check(con):
        got = con.execute(sql).fetchall()
        assert got == expected, got
    return check


BASE_TXNS = Outcome(3, 3)
QUARANTINE_ROWS = ("SELECT source_file, source_row, reason FROM raw.quarantine WHERE table_name = 'transactions' "
                   "ORDER BY ALL")

CASES: list[Case] = [
    Case(
        "missing_required_column",
        "customers.csv without the home_branch_id column",
        lambda landing: write_csv(landing, "customers", [_customer("C1")],
                                  columns=[c for c in TABLES["customers"].column_names if c != "home_branch_id"]),
        error="customers/customers.csv: missing required column(s) home_branch_id for table customers",
        secrets=(NAME, PHONE, ID_NUMBER),
    ),
    Case(
        "missing_optional_column",
        "customers.csv without the landline_phone, email and address columns",
        lambda landing: _rewrite(landing, "customers", columns=[
            c for c in TABLES["customers"].column_names if c not in ("landline_phone", "email", "address")]),
        tables={"customers": Outcome(2, 2)},
        warning="customers/customers.csv: optional column(s) absent, loaded as empty: landline_phone, email, address",
    ),
    Case(
        "extra_column",
        "transactions.csv with an extra column teller_note",
        lambda landing: _rewrite(landing, "transactions", columns=TABLES["transactions"].column_names + ["Teller_Note"],
                                 extra={"Teller_Note": NAME}),
        tables={"transactions": BASE_TXNS},
        warning="transactions/transactions.csv: extra column(s) ignored: teller_note",
        secrets=(NAME,),
    ),
    Case(
        "wrong_type",
        "an amount '12元', an impossible timestamp 2026-02-30, a daily_capacity 'many'; "
        "a thousands separator '1,234.50' is fine",
        _all(
            _add("transactions", [
                _txn("T20", "2026-01-07 09:00:00", "credit", "12元", "1312.00"),
                _txn("T21", "2026-02-30 10:00:00", "credit", "1.00", "1313.00"),
                _txn("T22", "2026-01-07 09:00:00", "credit", "1,234.50", "1,334.50", account_id="A3"),
            ]),
            _add("accounts", [_account("A3")]),
            _add("staff", [{"staff_id": "S2", "branch_id": "B1", "staff_name": NAME, "role": "teller",
                            "daily_capacity": "many"}]),
        ),
        tables={"transactions": Outcome(6, 4, {"bad money in amount": 1, "bad timestamp in txn_ts": 1}),
                "accounts": Outcome(3, 3),
                "staff": Outcome(2, 1, {"bad integer in daily_capacity": 1})},
    ),
    Case(
        "empty_file",
        "complaints.csv of zero bytes (no header row)",
        _write_text("complaints", ""),
        error="complaints/complaints.csv: file is empty (no header row)",
    ),
    Case(
        "header_only_optional_table",
        "complaints.csv with the header row only (the table may be empty)",
        _write_text("complaints", _header("complaints")),
        tables={"complaints": Outcome(0, 0)},
    ),
    Case(
        "header_only_required_table",
        "transactions.csv with the header row only (the table must not be empty)",
        _write_text("transactions", _header("transactions")),
        error="transactions/transactions.csv: no rows (header only) for required table transactions",
    ),
    Case(
        "duplicate_primary_keys",
        "customer C1 again in a second file, C3 twice in it; fx_rates USD 2026-01-31 twice",
        _all(
            _add("customers", [_customer("C1"), _customer("C3"), _customer("C3", customer_name="钱七")]),
            _add("fx_rates", [{"currency": "USD", "rate_date": "2026-01-31", "cny_per_unit": "7.10"},
                              {"currency": "usd", "rate_date": "2026-01-31", "cny_per_unit": "7.20"}]),
        ),
        tables={"customers": Outcome(5, 3, {"duplicate customer_id (first occurrence kept)": 2}),
                "fx_rates": Outcome(2, 1, {"duplicate currency/rate_date (first occurrence kept)": 1})},
        check=_value_check("SELECT customer_name FROM raw.customers WHERE customer_id = 'C1'", [("张三",)]),
    ),
    Case(
        "orphan_foreign_keys",
        "a customer of branch B9 (none), an account of that customer, a transaction on account A404, "
        "a contact by staff S9",
        _all(
            _add("customers", [_customer("C3", home_branch_id="B9")]),
            _add("accounts", [_account("A3", customer_id="C3")]),
            _add("transactions", [_txn("T30", "2026-01-07 09:00:00", "credit", "1.00", "1.00", account_id="A404")]),
            _add("contact_logs", [
                {"contact_id": "K1", "customer_id": "C1", "staff_id": "S1", "contact_ts": "2026-01-10 10:00:00",
                 "channel": "phone", "outcome": "reached"},
                {"contact_id": "K2", "customer_id": "C1", "staff_id": "S9", "contact_ts": "2026-01-10 11:00:00",
                 "channel": "phone", "outcome": "reached"},
            ]),
        ),
        tables={"customers": Outcome(3, 2, {"orphan home_branch_id: no accepted branches row": 1}),
                "accounts": Outcome(3, 2, {"orphan customer_id: no accepted customers row": 1}),
                "transactions": Outcome(4, 3, {"orphan account_id: no accepted accounts row": 1}),
                "contact_logs": Outcome(2, 1, {"orphan staff_id: no accepted staff row": 1})},
    ),
    Case(
        "negative_and_zero_amounts",
        "transaction amounts -5.00 and 0, a withdrawal registration of 0; a negative opening balance (a loan) is fine",
        _all(
            _add("transactions", [_txn("T40", "2026-01-07 09:00:00", "debit", "-5.00", "1305.00"),
                                  _txn("T41", "2026-01-07 10:00:00", "credit", "0", "1305.00")]),
            _add("accounts", [_account("A3", product_type="loan", opening_balance="-200000.00")]),
            _add("withdrawal_registrations", [
                _registration("R1", amount="0"),
                _registration("R2", amount="50000.00"),
            ]),
        ),
        tables={"transactions": Outcome(5, 3, {"non-positive amount": 2}),
                "accounts": Outcome(3, 3),
                "withdrawal_registrations": Outcome(2, 1, {"non-positive amount": 1})},
    ),
    Case(
        "balance_chain_breaks",
        "T2's balance_after 1200.00 (should be 1300.00), T3's 50000.00 (should be 50012.50, the first of its "
        "account: opening balance + amount); two postings at the same second chain in txn_id order",
        _all(
            lambda landing: write_csv(landing, "transactions", [
                {**r, "balance_after": {"T2": "1200.00", "T3": "50000.00"}.get(r["txn_id"], r["balance_after"])}
                for r in _read(landing, "transactions")]),
            _add("transactions", [_txn("T4", "2026-01-07 09:00:00", "credit", "100.00", "1300.00"),
                                  _txn("T5", "2026-01-08 09:00:00", "debit", "100.00", "1200.00", txn_type="fee"),
                                  _txn("T6", "2026-01-08 09:00:00", "credit", "50.00", "1250.00")]),
        ),
        tables={"transactions": Outcome(6, 6)},
        balance_chain_breaks=2,
        warning="transactions: 2 balance-chain break(s)",
        check=_value_check(
            "SELECT txn_id, account_id, expected_balance::VARCHAR, balance_after::VARCHAR "
            "FROM raw.balance_chain_breaks ORDER BY txn_id", [("T2", "A1", "1300.00", "1200.00"), ("T3", "A2", "50012.50", "50000.00")]),
    ),
    Case(
        "future_dates",
        f"a transaction at 2026-04-01 00:00:00 and a customer onboarded 2027-01-01, after the latest valid date "
        f"{LATEST_VALID_DATE}; a transaction at 2026-03-31 23:59:59, a maturity 2026-05-01 and a planned "
        "withdrawal 2026-06-01 are fine",
        _all(
            _add("transactions", [_txn("T50", "2026-04-01 00:00:00", "credit", "1.00", "1301.00"),
                                  _txn("T51", "2026-03-31 23:59:59", "credit", "1.00", "1301.00")]),
            _add("customers", [_customer("C3", onboarded_date="2027-01-01")]),
            _add("withdrawal_registrations", [
                _registration("R1", registered_ts="2026-03-01 10:00:00", planned_date="2026-06-01")]),
        ),
        tables={"transactions": Outcome(5, 4, {"future date in txn_ts": 1}),
                "customers": Outcome(3, 2, {"future date in onboarded_date": 1}),
                "accounts": Outcome(2, 2),
                "withdrawal_registrations": Outcome(1, 1)},
    ),
    Case(
        "dates_before_1900",
        "birth dates 1899-12-31 and 0001-01-01; 1900-01-01 and a maturity 9999-12-31 (a 'no maturity' sentinel) "
        "are fine",
        _all(
            _add("customers", [_customer("C3", birth_date="1899-12-31"), _customer("C4", birth_date="0001-01-01"),
                               _customer("C5", birth_date="1900-01-01")]),
            _add("accounts", [_account("A3", product_type="time_deposit", maturity_date="9999-12-31")]),
        ),
        tables={"customers": Outcome(5, 3, {"date out of range in birth_date": 2}), "accounts": Outcome(3, 3)},
    ),
    Case(
        "currency_without_rate",
        "accounts in USD and EUR; no fx_rates for USD, and EUR's only rate is 0 (itself quarantined); "
        "a transaction on the USD account",
        _all(
            _add("accounts", [_account("A3", currency="USD"), _account("A4", currency="EUR")]),
            _add("fx_rates", [{"currency": "EUR", "rate_date": "2026-01-31", "cny_per_unit": "0"}]),
            _add("transactions", [_txn("T60", "2026-01-07 09:00:00", "credit", "1.00", "101.00", account_id="A3")]),
        ),
        tables={"accounts": Outcome(4, 2, {"currency EUR has no rate in fx_rates": 1,
                                            "currency USD has no rate in fx_rates": 1}),
                "fx_rates": Outcome(1, 0, {"non-positive cny_per_unit": 1}),
                "transactions": Outcome(4, 3, {"orphan account_id: no accepted accounts row": 1})},
    ),
    Case(
        "currency_with_rate",
        "an account in 'usd' (any case) with a USD row in fx_rates, and a transaction on it",
        _all(
            _add("accounts", [_account("A3", currency="usd")]),
            _add("fx_rates", [{"currency": "USD", "rate_date": "2026-01-31", "cny_per_unit": "7.10"}]),
            _add("transactions", [_txn("T61", "2026-01-07 09:00:00", "credit", "10.00", "110.00", account_id="A3")]),
        ),
        tables={"accounts": Outcome(3, 3), "fx_rates": Outcome(1, 1), "transactions": Outcome(4, 4)},
        check=_value_check("SELECT currency FROM raw.accounts WHERE account_id = 'A3'", [("USD",)]),
    ),
    Case(
        "unknown_codes",
        "direction 'sideways', txn_type 'gift', channel 'fax', staff role 'ceo', contact outcome 'maybe'; "
        "' Credit ' (case and spaces) is fine",
        _all(
            _add("transactions", [
                _txn("T70", "2026-01-07 09:00:00", "sideways", "1.00", "1301.00"),
                _txn("T71", "2026-01-07 09:00:00", "credit", "1.00", "1301.00", txn_type="gift"),
                _txn("T72", "2026-01-07 09:00:00", "credit", "1.00", "1301.00", channel="fax"),
                _txn("T73", "2026-01-07 09:00:00", " Credit ", "1.00", "1301.00"),
            ]),
            _add("staff", [{"staff_id": "S2", "branch_id": "B1", "staff_name": NAME, "role": "ceo"}]),
            _add("contact_logs", [{"contact_id": "K1", "customer_id": "C1", "staff_id": "S1",
                                   "contact_ts": "2026-01-10 10:00:00", "channel": "phone", "outcome": "maybe"}]),
        ),
        tables={"transactions": Outcome(7, 4, {"unknown channel code": 1, "unknown direction code": 1,
                                               "unknown txn_type code": 1}),
                "staff": Outcome(2, 1, {"unknown role code": 1}),
                "contact_logs": Outcome(1, 0, {"unknown outcome code": 1})},
    ),
    Case(
        "gbk_encoded_csv",
        "customers.csv in GBK (Chinese Windows default), Chinese names inside",
        lambda landing: _rewrite(landing, "customers", encoding="gbk", newline="\r\n"),
        tables={"customers": Outcome(2, 2)},
        warning="customers/customers.csv: not UTF-8; read as GBK/GB18030",
        check=_value_check("SELECT customer_name FROM raw.customers ORDER BY customer_id", [("张三",), ("李四",)]),
    ),
    Case(
        "not_utf8_nor_gbk",
        "customers.csv in UTF-16 (neither UTF-8 nor GBK)",
        lambda landing: _rewrite(landing, "customers", encoding="utf-16"),
        error="customers/customers.csv: not readable as UTF-8 or GBK/GB18030 text",
    ),
    Case(
        "utf8_bom",
        "branches.csv starting with a UTF-8 byte-order mark (Excel's 'CSV UTF-8')",
        lambda landing: _rewrite(landing, "branches", encoding="utf-8-sig"),
        tables={"branches": Outcome(1, 1), "customers": Outcome(2, 2)},
        check=_value_check("SELECT branch_id, branch_name FROM raw.branches", [("B1", "西湖支行")]),
    ),
    Case(
        "windows_line_endings",
        "transactions.csv with CRLF line endings",
        lambda landing: _rewrite(landing, "transactions", newline="\r\n"),
        tables={"transactions": BASE_TXNS},
        check=_memo_check({"T1": "工资"}),
    ),
    Case(
        "quoted_commas_and_newlines",
        "memos with a quoted comma, a quoted LF and CRLF newline, and doubled quotes",
        _add("transactions", [
            _txn("T80", "2026-01-07 09:00:00", "credit", "1.00", "1301.00", memo="房租, 三月"),
            _txn("T81", "2026-01-07 10:00:00", "credit", "1.00", "1302.00", memo="第一行\n第二行"),
            _txn("T82", "2026-01-07 11:00:00", "credit", "1.00", "1303.00", memo="a\r\nb"),
            _txn("T83", "2026-01-07 12:00:00", "credit", "1.00", "1304.00", memo='他说"好"'),
        ]),
        tables={"transactions": Outcome(7, 7)},
        check=_memo_check({"T80": "房租, 三月", "T81": "第一行\n第二行", "T82": "a\r\nb", "T83": '他说"好"'}),
    ),
    Case(
        "unparseable_rows",
        "a transactions file whose records 2 and 3 have too many and too few fields (record 4 holds a quoted "
        "newline, record 5 an unknown direction)",
        _write_text("transactions", _header("transactions")
                    + _csv_line(["T90", "A1", "2026-01-07 09:00:00", "credit", "1.00", "1301.00", "salary", "online",
                                 "", "", "", "a, b"])
                    + _csv_line(["T91", "A1", "2026-01-07 10:00:00", "credit", "1.00", "1302.00", "salary", "online",
                                 NAME, "", "", "memo", PHONE])
                    + _csv_line(["T92", "A1", "2026-01-07 11:00:00", "credit", NAME])
                    + _csv_line(["T93", "A1", "2026-01-07 12:00:00", "credit", "1.00", "1302.00", "salary", "online",
                                 "", "", "", "line\nbreak"])
                    + _csv_line(["T94", "A1", "2026-01-07 13:00:00", "sideways", "1.00", "1303.00", "salary", "online",
                                 "", "", "", ""]),
                    name="zz_broken.csv"),
        tables={"transactions": Outcome(8, 5, {"unparseable CSV row": 2, "unknown direction code": 1})},
        secrets=(NAME, PHONE),
        check=_value_check(QUARANTINE_ROWS, [("transactions/zz_broken.csv", 2, "unparseable CSV row"),
                                             ("transactions/zz_broken.csv", 3, "unparseable CSV row"),
                                             ("transactions/zz_broken.csv", 5, "unknown direction code")]),
    ),
    Case(
        "unterminated_quote",
        "branches.csv whose branch_name opens a quote that never closes",
        _write_text("branches", _header("branches") + f'B1,"西湖支行 {PHONE},杭州,2001-03-01\n'),
        error="branches/branches.csv: cannot be read: the CSV layout could not be recognised",
        secrets=(PHONE,),
    ),
    Case(
        "csv_and_parquet_mixed",
        "transactions as CSV plus two Parquet files, one typed (TIMESTAMP, DECIMAL), one with an amount 'abc' as text",
        _all(
            _write_parquet("transactions", "SELECT 'T95' AS txn_id, 'A1' AS account_id, "
                           "TIMESTAMP '2026-01-07 09:00:00' AS txn_ts, 'credit' AS direction, 100.00::DECIMAL(18,2) AS amount, "
                           "1400.00::DECIMAL(18,2) AS balance_after, 'salary' AS txn_type", "more.parquet"),
            _write_parquet("transactions", "SELECT 'T96' AS txn_id, 'A1' AS account_id, "
                           "'2026-01-08 09:00:00' AS txn_ts, 'credit' AS direction, 'abc' AS amount, '1500.00' AS balance_after, 'salary' AS txn_type",
                           "more_text.parquet"),
        ),
        tables={"transactions": Outcome(5, 4, {"bad money in amount": 1})},
        warning="transactions/more.parquet: optional column(s) absent, loaded as empty: channel",
        check=_value_check("SELECT amount::VARCHAR, txn_ts::VARCHAR FROM raw.transactions WHERE txn_id = 'T95'",
                           [("100.00", "2026-01-07 09:00:00")]),
    ),
    Case(
        "missing_optional_table",
        "no staff/ folder (staff may be absent; fx_rates, complaints, ... are absent in the base bank too)",
        _remove("staff"),
        tables={"staff": Outcome(0, 0), "complaints": Outcome(0, 0), "fx_rates": Outcome(0, 0)},
        warning="no files for staff in",
    ),
    Case(
        "missing_required_table",
        "no accounts/ folder",
        _remove("accounts"),
        error="no files for required table accounts",
    ),
]


def render_markdown() -> str:
    lines = [
        "# Bad-input corpus",
        "",
        "Generated from `tests/corpus/cases.py` (the one list of expected outcomes; `tests/test_corpus.py` runs it "
        "and checks this file is current). Regenerate: "
        "`.venv/bin/python -m tests.corpus.cases > tests/corpus/README.md`.",
        "",
        "Each case changes the `minimal_bank` fixture (tests/conftest.py: branch B1, staff S1, customers C1-C2, CNY "
        "accounts A1-A2, transactions T1-T3 with an intact balance chain) and loads it with latest valid date "
        f"{LATEST_VALID_DATE}. An error names the file and the column or reason and never quotes row content; "
        "otherwise, per table, rows in = accepted + quarantined, with each quarantine reason and its count. "
        "Tables not named load with no quarantine.",
        "",
        "| case | input | outcome |",
        "|---|---|---|",
    ]
    for c in CASES:
        cell = c.input.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{c.name}` | {cell} | {c.outcome().replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
