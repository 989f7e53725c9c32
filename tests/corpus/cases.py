"""Bad inputs and what ingestion must do with each: the single list of expected outcomes.

Each case starts from the `minimal_bank` fixture (tests/conftest.py: one branch, one teller, two
customers, two CNY accounts, three transactions whose balance chain holds) and changes it. The outcome is
either an IngestionError whose text contains `error` (file and column or reason, never row content), or
per table: rows in, rows accepted and the quarantine reasons with their counts. Tables a case does not
list must load without quarantine. tests/test_corpus.py runs every case; tests/corpus/README.md is this
list as a table (regenerate it with `.venv/bin/python -m tests.corpus.cases > tests/corpus/README.md`).

Every case loads with latest_valid_date = LATEST_VALID_DATE, so the outcomes do not depend on the clock.
The rules the cases pin are RULES (rendered into the README too): number formats, format settings
(landing/<table>/_format.json), time zones, which files are read, rows checked against other rows,
encodings, errors and privacy.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
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



def _write_bytes(table: str, name: str, data: bytes) -> Callable[[Path], None]:
    def build(landing: Path) -> None:
        path = landing / table / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return build


def _format_file(table: str, settings: dict | str) -> Callable[[Path], None]:
    """landing/<table>/_format.json with these settings (a str is written as it is)."""
    text = settings if isinstance(settings, str) else json.dumps(settings)
    return _write_bytes(table, "_format.json", text.encode("utf-8"))


def _csv_bytes(table: str, rows: list[dict], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=TABLES[table].column_names, lineterminator="\n", extrasaction="ignore",
                            delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in TABLES[table].column_names})
    return buf.getvalue().encode(encoding)


def _gzip_csv(table: str, rows: list[dict], name: str) -> Callable[[Path], None]:
    return _write_bytes(table, name, gzip.compress(_csv_bytes(table, rows), mtime=0))


def _decimal_comma_base(landing: Path) -> None:
    """The base transactions and accounts files rewritten with a decimal comma (1500,00)."""
    for table, columns in (("transactions", ("amount", "balance_after")),
                           ("accounts", ("opening_balance", "interest_rate"))):
        rows = [{**r, **{c: r[c].replace(".", ",") for c in columns}} for r in _read(landing, table)]
        write_csv(landing, table, rows)


def _latin_customers(encoding: str) -> Callable[[Path], None]:
    """customers.csv with Western European names, in a Windows-1252 / Latin-1 encoding."""
    rows = [_customer("C1", customer_name="Müller", address="Rue de la Paix", id_number=""),
            _customer("C2", customer_name="Françoise", address="Königsallee", id_number="")]
    return _write_bytes("customers", "customers.csv", _csv_bytes("customers", rows, encoding))


def _long_line_file(line_no: int) -> Callable[[Path], None]:
    """A transactions file whose physical line `line_no` (the header is line 1) is over DuckDB's line limit."""
    def build(landing: Path) -> None:
        lines = [_header("transactions")]
        for i in range(2, line_no + 2):
            memo = NAME + "x" * 2_000_001 if i == line_no else ""
            lines.append(_csv_line([f"T{200 + i}", "A1", "2026-01-07 09:00:00", "credit", "1.00", "1301.00",
                                    "salary", "online", "", "", "", memo]))
        path = landing / "transactions" / "zz_long.csv"
        path.write_text("".join(lines), encoding="utf-8")
    return build


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
        "accounts in USD, EUR and a typed-in currency 'SECRETCUR' (the reason never quotes it); no fx_rates for "
        "USD, and EUR's only rate is 0 (itself quarantined); a transaction on the USD account",
        _all(
            _add("accounts", [_account("A3", currency="USD"), _account("A4", currency="EUR"),
                              _account("A5", currency="SECRETCUR")]),
            _add("fx_rates", [{"currency": "EUR", "rate_date": "2026-01-31", "cny_per_unit": "0"}]),
            _add("transactions", [_txn("T60", "2026-01-07 09:00:00", "credit", "1.00", "101.00", account_id="A3")]),
        ),
        tables={"accounts": Outcome(5, 2, {"currency has no rate in fx_rates": 3}),
                "fx_rates": Outcome(1, 0, {"non-positive cny_per_unit": 1}),
                "transactions": Outcome(4, 3, {"orphan account_id: no accepted accounts row": 1})},
        secrets=("SECRETCUR",),
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
    # ---- numbers: an explicit format, never guessed or rounded (orchestration/lib/ingest_values.py) ----------
    Case(
        "number_formats_accepted",
        "amounts 1,234.50 / 1,234 / 1234.5 / ' 12.00 ' / 12. / .5 / +12.00 / 12.3400 (trailing zeros) / 5,061.66 "
        "and a balance_after -1,234.50 on a new account A3, balance chain intact; daily_capacity 12.0; "
        "interest_rate .0175",
        _all(
            _add("accounts", [_account("A3", interest_rate=".0175")]),
            _add("transactions", [
                _txn("T100", "2026-01-07 09:00:00", "credit", "1,234.50", "1,334.50", account_id="A3"),
                _txn("T101", "2026-01-07 09:01:00", "credit", "1,234", "2,568.50", account_id="A3"),
                _txn("T102", "2026-01-07 09:02:00", "credit", "1234.5", "3803.00", account_id="A3"),
                _txn("T103", "2026-01-07 09:03:00", "credit", " 12.00 ", "3815.00", account_id="A3"),
                _txn("T104", "2026-01-07 09:04:00", "credit", "12.", "3827.00", account_id="A3"),
                _txn("T105", "2026-01-07 09:05:00", "credit", ".5", "3827.50", account_id="A3"),
                _txn("T106", "2026-01-07 09:06:00", "credit", "+12.00", "3839.50", account_id="A3"),
                _txn("T107", "2026-01-07 09:07:00", "debit", "12.3400", "3827.16", account_id="A3", txn_type="fee"),
                _txn("T108", "2026-01-07 09:08:00", "debit", "5,061.66", "-1,234.50", account_id="A3",
                     txn_type="transfer_out"),
            ]),
            _add("staff", [{"staff_id": "S2", "branch_id": "B1", "role": "teller", "daily_capacity": "12.0"}]),
        ),
        tables={"accounts": Outcome(3, 3), "transactions": Outcome(12, 12), "staff": Outcome(2, 2)},
        check=_value_check(
            "SELECT string_agg(amount::VARCHAR || '/' || balance_after::VARCHAR, ' ' ORDER BY txn_id) "
            "FROM raw.transactions WHERE account_id = 'A3' UNION ALL "
            "SELECT interest_rate::VARCHAR FROM raw.accounts WHERE account_id = 'A3' UNION ALL "
            "SELECT daily_capacity::VARCHAR FROM raw.staff WHERE staff_id = 'S2'",
            [("1234.50/1334.50 1234.00/2568.50 1234.50/3803.00 12.00/3815.00 12.00/3827.00 0.50/3827.50 "
              "12.00/3839.50 12.34/3827.16 5061.66/-1234.50",), ("0.017500",), ("12",)]),
    ),
    Case(
        "ambiguous_number_formats",
        "amounts 1,2,3,4 / 12,5 / 1.234,50 / 7,8 / 0,0150 / 1.234.567 / 1,234,5678.00 / 01,234.00, an interest_rate "
        "0,0150 and an fx rate 7,8 (no decimal comma declared)",
        _all(
            _add("transactions", [
                _txn(f"T11{i}", "2026-01-07 09:00:00", "credit", amount, "1301.00")
                for i, amount in enumerate(["1,2,3,4", "12,5", "1.234,50", "7,8", "0,0150", "1.234.567",
                                            "1,234,5678.00", "01,234.00"])]),
            _add("accounts", [_account("A3", interest_rate="0,0150")]),
            _add("fx_rates", [{"currency": "USD", "rate_date": "2026-01-31", "cny_per_unit": "7,8"}]),
        ),
        tables={
            "transactions": Outcome(11, 3, {
                "ambiguous number format in amount: a dot for decimals, thousands commas in groups of three": 8}),
            "accounts": Outcome(3, 2, {"ambiguous number format in interest_rate: a dot for decimals, thousands "
                                       "commas in groups of three": 1}),
            "fx_rates": Outcome(1, 0, {"ambiguous number format in cny_per_unit: a dot for decimals, thousands "
                                       "commas in groups of three": 1}),
        },
    ),
    Case(
        "more_decimals_than_the_column_holds",
        "amounts 12.345 and 0.001 (money holds 2 decimals: never rounded, and 0.001 is not 'non-positive'), a "
        "balance_after 1,301.005, an fx rate 7.1234567 (rates hold 6); an fx rate 0.001 and 0.000001 are valid",
        _all(
            _add("transactions", [_txn("T120", "2026-01-07 09:00:00", "credit", "12.345", "1312.35"),
                                  _txn("T121", "2026-01-07 09:00:00", "credit", "0.001", "1300.00"),
                                  _txn("T122", "2026-01-07 09:00:00", "credit", "1.00", "1,301.005")]),
            _add("fx_rates", [{"currency": "USD", "rate_date": "2026-01-31", "cny_per_unit": "7.1234567"},
                              {"currency": "JPY", "rate_date": "2026-01-31", "cny_per_unit": "0.001"},
                              {"currency": "IDR", "rate_date": "2026-01-31", "cny_per_unit": "0.000001"}]),
        ),
        tables={"transactions": Outcome(6, 3, {"more decimals than amount holds": 2,
                                               "more decimals than balance_after holds": 1}),
                "fx_rates": Outcome(3, 2, {"more decimals than cny_per_unit holds": 1})},
        check=_value_check("SELECT currency, cny_per_unit::VARCHAR FROM raw.fx_rates ORDER BY 1",
                           [("IDR", "0.000001"), ("JPY", "0.001000")]),
    ),
    Case(
        "numbers_in_other_notations",
        "amounts 1e3, (12.50), 12.50-, 12 345.00, 12元 and one of 17 integer digits; a daily_capacity 12.5",
        _all(
            _add("transactions", [
                _txn(f"T13{i}", "2026-01-07 09:00:00", "credit", amount, "1301.00")
                for i, amount in enumerate(["1e3", "(12.50)", "12.50-", "12 345.00", "12元"])]
                + [_txn("T139", "2026-01-07 09:00:00", "credit", "12345678901234567.00", "1301.00")]),
            _add("staff", [{"staff_id": "S2", "branch_id": "B1", "role": "teller", "daily_capacity": "12.5"}]),
        ),
        tables={"transactions": Outcome(9, 3, {"bad money in amount": 5, "number too large for amount": 1}),
                "staff": Outcome(2, 1, {"bad integer in daily_capacity": 1})},
    ),
    Case(
        "decimal_comma_declared",
        "transactions/_format.json and accounts/_format.json declare {\"decimal\": \",\"}: the base files written "
        "1500,00, a new row 1.234,50 / 2.534,50; 1,234.50 is then ambiguous; a typed Parquet amount 100.00 reads "
        "100.00",
        _all(
            _decimal_comma_base,
            _format_file("transactions", {"decimal": ","}),
            _format_file("accounts", {"decimal": ","}),
            _add("transactions", [_txn("T140", "2026-01-07 09:00:00", "credit", "1.234,50", "2.534,50"),
                                  _txn("T141", "2026-01-07 10:00:00", "credit", "1,234.50", "3.769,00")]),
            _write_parquet("transactions", "SELECT 'T142' AS txn_id, 'A1' AS account_id, "
                           "TIMESTAMP '2026-01-08 09:00:00' AS txn_ts, 'credit' AS direction, "
                           "100.00::DECIMAL(18,2) AS amount, 2634.50::DECIMAL(18,2) AS balance_after, "
                           "'salary' AS txn_type, 'online' AS channel", "zz_typed.parquet"),
        ),
        tables={"transactions": Outcome(6, 5, {"ambiguous number format in amount: a comma for decimals, thousands "
                                               "dots in groups of three": 1}),
                "accounts": Outcome(2, 2)},
        check=_value_check(
            "SELECT txn_id, amount::VARCHAR, balance_after::VARCHAR FROM raw.transactions WHERE txn_id IN "
            "('T1', 'T140', 'T142') UNION ALL SELECT table_name, source_file, reason FROM raw.skipped_files "
            "UNION ALL SELECT account_id, interest_rate::VARCHAR, opening_balance::VARCHAR FROM raw.accounts "
            "WHERE account_id = 'A2' ORDER BY 1",
            [("A2", "0.017500", "50000.00"), ("T1", "500.00", "1500.00"), ("T140", "1234.50", "2534.50"),
             ("T142", "100.00", "2634.50"),
             ("accounts", "accounts/_format.json", "format settings (read as the table's settings, not as rows)"),
             ("transactions", "transactions/_format.json",
              "format settings (read as the table's settings, not as rows)")]),
    ),
    Case(
        "format_settings_unknown_key",
        "transactions/_format.json {\"decimals\": \",\"} (a typo: never ignored)",
        _format_file("transactions", {"decimals": ","}),
        error="transactions/_format.json: unknown setting(s) 'decimals': only decimal and encoding",
    ),
    Case(
        "format_settings_bad_decimal",
        "transactions/_format.json {\"decimal\": \";\"}",
        _format_file("transactions", {"decimal": ";"}),
        error='transactions/_format.json: decimal must be "." or ","',
    ),
    Case(
        "format_settings_not_json",
        "transactions/_format.json holding decimal=, (not JSON)",
        _format_file("transactions", "decimal=,"),
        error="transactions/_format.json: not a readable JSON object",
    ),
    # ---- time: Asia/Shanghai local time, offsets converted -------------------------------------------------
    Case(
        "timestamps_with_offsets",
        "txn_ts 2026-01-05T02:00:00Z, 2026-01-05 10:00:00+08:00, 2026-01-05 12:00:00+0800, 2026-01-05 05:30:00+00, "
        "2026-01-05 10:00:00-05:00, 2026-01-06T00:30:00.5 UTC, 2026/01/07 10:00 (naive: Shanghai) on a new account "
        "A3; an offset +15:00 is a bad timestamp; 2026-03-31 20:00:00-05:00 is 2026-04-01 09:00 in Shanghai, after "
        "the latest valid date",
        _all(
            _add("accounts", [_account("A3")]),
            _add("transactions", [
                _txn("T150", "2026-01-05T02:00:00Z", "credit", "1.00", "101.00", account_id="A3"),
                _txn("T151", "2026-01-05 10:00:00+08:00", "credit", "1.00", "102.00", account_id="A3"),
                _txn("T152", "2026-01-05 12:00:00+0800", "credit", "1.00", "103.00", account_id="A3"),
                _txn("T153", "2026-01-05 05:30:00+00", "credit", "1.00", "104.00", account_id="A3"),
                _txn("T154", "2026-01-05 10:00:00-05:00", "credit", "1.00", "105.00", account_id="A3"),
                _txn("T155", "2026-01-06T00:30:00.5 UTC", "credit", "1.00", "106.00", account_id="A3"),
                _txn("T156", "2026/01/07 10:00", "credit", "1.00", "107.00", account_id="A3"),
                _txn("T157", "2026-01-05 10:00:00+15:00", "credit", "1.00", "108.00", account_id="A3"),
                _txn("T158", "2026-03-31 20:00:00-05:00", "credit", "1.00", "108.00", account_id="A3"),
            ]),
        ),
        tables={"accounts": Outcome(3, 3),
                "transactions": Outcome(12, 10, {"bad timestamp in txn_ts": 1, "future date in txn_ts": 1})},
        check=_value_check(
            "SELECT txn_id, strftime(txn_ts, '%Y-%m-%d %H:%M:%S.%g') FROM raw.transactions WHERE account_id = 'A3' "
            "ORDER BY txn_id",
            [("T150", "2026-01-05 10:00:00.000"), ("T151", "2026-01-05 10:00:00.000"),
             ("T152", "2026-01-05 12:00:00.000"), ("T153", "2026-01-05 13:30:00.000"),
             ("T154", "2026-01-05 23:00:00.000"), ("T155", "2026-01-06 08:30:00.500"),
             ("T156", "2026-01-07 10:00:00.000")]),
    ),
    Case(
        "parquet_timestamps_with_time_zone",
        "a Parquet file with a time-zone-aware txn_ts 2026-01-07 01:00:00+00 (09:00 in Shanghai) and one with a "
        "naive TIMESTAMP 2026-01-08 09:00:00 (Shanghai local time)",
        _all(
            _write_parquet("transactions", "SELECT 'T160' AS txn_id, 'A1' AS account_id, "
                           "TIMESTAMPTZ '2026-01-07 01:00:00+00' AS txn_ts, 'credit' AS direction, '1.00' AS amount, "
                           "'1301.00' AS balance_after, 'salary' AS txn_type", "zz_aware.parquet"),
            _write_parquet("transactions", "SELECT 'T161' AS txn_id, 'A1' AS account_id, "
                           "TIMESTAMP '2026-01-08 09:00:00' AS txn_ts, 'credit' AS direction, '1.00' AS amount, "
                           "'1302.00' AS balance_after, 'salary' AS txn_type", "zz_naive.parquet"),
        ),
        tables={"transactions": Outcome(5, 5)},
        warning="transactions/zz_aware.parquet: optional column(s) absent, loaded as empty: channel",
        check=_value_check("SELECT txn_id, txn_ts::VARCHAR FROM raw.transactions WHERE txn_id IN ('T160', 'T161') "
                           "ORDER BY 1", [("T160", "2026-01-07 09:00:00"), ("T161", "2026-01-08 09:00:00")]),
    ),
    # ---- files: each read or listed as skipped with its reason ---------------------------------------------
    Case(
        "gzip_compressed_csv",
        "transactions in zz_a.csv.gz and zz_b.csv.gzip (gzip-compressed CSV) beside transactions.csv",
        _all(
            _gzip_csv("transactions", [_txn("T170", "2026-01-07 09:00:00", "credit", "1.00", "1301.00")], "zz_a.csv.gz"),
            _gzip_csv("transactions", [_txn("T171", "2026-01-07 10:00:00", "credit", "1.00", "1302.00")],
                      "zz_b.csv.gzip"),
        ),
        tables={"transactions": Outcome(5, 5)},
        check=_value_check("SELECT source_file FROM raw.load_files WHERE table_name = 'transactions' ORDER BY 1",
                           [("transactions/transactions.csv",), ("transactions/zz_a.csv.gz",),
                            ("transactions/zz_b.csv.gzip",)]),
    ),
    Case(
        "archive_subfolder_older_copy",
        "transactions/archive/transactions.csv: an older copy (T1 at 400.00, a T9 since corrected away) and "
        "transactions/2025/old.parquet: files in a subfolder are never read, so an older copy cannot win",
        _all(
            lambda landing: write_csv(landing, "transactions", [
                {**r, "amount": "400.00"} if r["txn_id"] == "T1" else r for r in _read(landing, "transactions")]
                + [_txn("T9", "2026-01-08 09:00:00", "credit", "1.00", "1.00")], name="archive/transactions.csv"),
            _write_parquet("transactions", "SELECT 'T8' AS txn_id", "2025/old.parquet"),
        ),
        tables={"transactions": BASE_TXNS},
        warning="transactions: 2 file(s) not read (listed in raw.skipped_files): in a subfolder: not read (archive "
                "copies): transactions/2025/old.parquet, transactions/archive/transactions.csv",
        check=_value_check(
            "SELECT source_file, reason FROM raw.skipped_files UNION ALL "
            "SELECT txn_id, amount::VARCHAR FROM raw.transactions WHERE txn_id IN ('T1', 'T8', 'T9') ORDER BY 1",
            [("T1", "500.00"), ("transactions/2025/old.parquet", "in a subfolder: not read (archive copies)"),
             ("transactions/archive/transactions.csv", "in a subfolder: not read (archive copies)")]),
    ),
    Case(
        "hidden_and_office_lock_files",
        "transactions/._transactions.csv (a macOS AppleDouble companion: binary), .DS_Store and ~$transactions.csv "
        "(Excel's lock file) beside transactions.csv",
        _all(
            _write_bytes("transactions", "._transactions.csv", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X \xff\xfe"),
            _write_bytes("transactions", ".DS_Store", b"\x00\x00\x00\x01Bud1\x00"),
            _write_bytes("transactions", "~$transactions.csv", b"\x08" + NAME.encode("utf-16-le") + b"\x00" * 40),
        ),
        tables={"transactions": BASE_TXNS},
        warning="transactions: 3 file(s) not read (listed in raw.skipped_files): hidden file (its name starts with a "
                "dot): transactions/.DS_Store, transactions/._transactions.csv; Office lock file (~$...): "
                "transactions/~$transactions.csv",
        secrets=(NAME,),
    ),
    Case(
        "tsv_and_txt_files",
        "transactions/zz_more.tsv (tab-separated) and transactions/readme.txt beside transactions.csv: not the "
        "contract's CSV, skipped (convert them to CSV)",
        _all(
            _write_bytes("transactions", "zz_more.tsv", _csv_bytes("transactions", [
                _txn("T180", "2026-01-07 09:00:00", "credit", "1.00", "1301.00")], delimiter="\t")),
            _write_bytes("transactions", "readme.txt", "交易明细 2026-01".encode()),
        ),
        tables={"transactions": BASE_TXNS},
        warning="transactions: 2 file(s) not read (listed in raw.skipped_files): not a CSV or Parquet file: "
                "transactions/readme.txt, transactions/zz_more.tsv",
    ),
    Case(
        "only_skipped_files_for_a_required_table",
        "accounts/ holding only accounts.tsv and an archive/ copy",
        _all(
            lambda landing: (landing / "accounts" / "archive").mkdir(),
            lambda landing: (landing / "accounts" / "accounts.csv").rename(landing / "accounts" / "archive" / "a.csv"),
            _write_bytes("accounts", "accounts.tsv", _csv_bytes("accounts", [_account("A1")], delimiter="\t")),
        ),
        error="no files for required table accounts: expected CSV or Parquet in",
    ),
    # ---- rows checked against other rows -------------------------------------------------------------------
    Case(
        "transactions_outside_the_account_dates",
        "account A3 opened 2026-01-10, closed 2026-01-20: transactions at 2026-01-09 23:59:59 and 2026-01-21 "
        "00:00:00 are outside; at 2026-01-10 00:00:00 (opening day) and 2026-01-20 23:59:59 (closing day, the "
        "closing transaction) inside; account A4 closed before it opened, and its transaction",
        _all(
            _add("accounts", [_account("A3", opened_date="2026-01-10", closed_date="2026-01-20"),
                              _account("A4", opened_date="2026-01-10", closed_date="2026-01-09")]),
            _add("transactions", [
                _txn("T190", "2026-01-09 23:59:59", "credit", "1.00", "101.00", account_id="A3"),
                _txn("T191", "2026-01-10 00:00:00", "credit", "10.00", "110.00", account_id="A3"),
                _txn("T192", "2026-01-20 23:59:59", "debit", "110.00", "0.00", account_id="A3",
                     txn_type="cash_withdrawal"),
                _txn("T193", "2026-01-21 00:00:00", "credit", "1.00", "1.00", account_id="A3", txn_type="interest"),
                _txn("T194", "2026-01-10 09:00:00", "credit", "1.00", "101.00", account_id="A4"),
            ]),
        ),
        tables={"accounts": Outcome(4, 3, {"closed_date before opened_date": 1}),
                "transactions": Outcome(8, 5, {"orphan account_id: no accepted accounts row": 1,
                                               "transaction after the account's closed_date": 1,
                                               "transaction before the account's opened_date": 1})},
    ),
    Case(
        "staff_left_before_hired",
        "staff S2 hired 2020-01-01 and left 2019-12-31; S3 hired and left on 2020-01-01 (fine)",
        _add("staff", [
            {"staff_id": "S2", "branch_id": "B1", "staff_name": NAME, "role": "teller", "hired_date": "2020-01-01",
             "left_date": "2019-12-31"},
            {"staff_id": "S3", "branch_id": "B1", "role": "teller", "hired_date": "2020-01-01",
             "left_date": "2020-01-01"},
        ]),
        tables={"staff": Outcome(3, 2, {"left_date before hired_date": 1})},
    ),
    Case(
        "fx_rate_needed_before_its_first_rate",
        "USD's first rate is dated 2026-01-31; a USD account opened 2025-12-15 needs December 2025 (kept, "
        "converted at the first rate, counted in a warning); one opened 2026-01-05 ends its month on that rate",
        _all(
            _add("fx_rates", [{"currency": "USD", "rate_date": "2026-01-31", "cny_per_unit": "7.10"},
                              {"currency": "USD", "rate_date": "2026-02-27", "cny_per_unit": "7.12"}]),
            _add("accounts", [_account("A3", currency="USD", opened_date="2025-12-15"),
                              _account("A4", currency="USD", opened_date="2026-01-05")]),
        ),
        tables={"fx_rates": Outcome(2, 2), "accounts": Outcome(4, 4)},
        warning="accounts: fx rate used for months before its first rate_date: 1 account(s)",
        check=_value_check("SELECT warning_counts FROM raw.load_audit WHERE table_name = 'accounts'",
                           [('{"fx rate used for months before its first rate_date": 1}',)]),
    ),
    # ---- encodings -----------------------------------------------------------------------------------------
    Case(
        "cp1252_file_without_a_setting",
        "customers.csv in Windows-1252 (Müller, Françoise, Königsallee): it is not UTF-8, and its bytes decode as "
        "GBK into rare Chinese characters: an error asking for the encoding, not a warning",
        _latin_customers("cp1252"),
        error="customers/customers.csv: not UTF-8, and read as GBK/GB18030 100% of its non-ASCII characters are not "
              "common Chinese characters: most likely another encoding (Windows-1252, Latin-1?); set its encoding in "
              "customers/_format.json",
        secrets=("Müller", "Françoise", "Königsallee", PHONE),
    ),
    Case(
        "cp1252_file_declared",
        "the same customers.csv with customers/_format.json {\"encoding\": \"cp1252\"}",
        _all(_latin_customers("cp1252"), _format_file("customers", {"encoding": "cp1252"})),
        tables={"customers": Outcome(2, 2)},
        check=_value_check("SELECT customer_name, address FROM raw.customers ORDER BY customer_id",
                           [("Müller", "Rue de la Paix"), ("Françoise", "Königsallee")]),
    ),
    Case(
        "latin1_file_declared",
        "customers.csv in Latin-1 with customers/_format.json {\"encoding\": \"latin-1\"}",
        _all(_latin_customers("latin-1"), _format_file("customers", {"encoding": "latin-1"})),
        tables={"customers": Outcome(2, 2)},
        check=_value_check("SELECT customer_name FROM raw.customers ORDER BY customer_id",
                           [("Müller",), ("Françoise",)]),
    ),
    Case(
        "gbk_file_declared",
        "customers.csv in GBK with customers/_format.json {\"encoding\": \"gbk\"}: read as GB18030, no warning",
        _all(lambda landing: _rewrite(landing, "customers", encoding="gbk"), _format_file("customers", {"encoding": "gbk"})),
        tables={"customers": Outcome(2, 2)},
        check=_value_check("SELECT customer_name FROM raw.customers ORDER BY customer_id", [("张三",), ("李四",)]),
    ),
    Case(
        "declared_utf8_but_gbk",
        "customers.csv in GBK while customers/_format.json declares {\"encoding\": \"utf-8\"}",
        _all(lambda landing: _rewrite(landing, "customers", encoding="gbk"),
             _format_file("customers", {"encoding": "utf-8"})),
        error="customers/customers.csv: not valid UTF-8 (byte offset",
    ),
    Case(
        "unknown_encoding_declared",
        "customers/_format.json declares {\"encoding\": \"klingon\"}",
        _format_file("customers", {"encoding": "klingon"}),
        error="customers/_format.json: unknown encoding 'klingon'",
    ),
    # ---- errors that say what happened ---------------------------------------------------------------------
    Case(
        "line_over_the_size_limit",
        "a transactions file whose line 3 (a memo) is over DuckDB's 2,000,000-byte line limit, inside the part "
        "DuckDB samples (where it reports 'line 1')",
        _long_line_file(3),
        error="transactions/zz_long.csv: cannot be read: line 3 (counting the header as line 1): line too long "
              "(over 2000000 bytes)",
        secrets=(NAME,),
    ),
]


# The rules the corpus pins, in words (rendered into tests/corpus/README.md; the code is in
# orchestration/lib/ingest.py, ingest_values.py and ingest_files.py, whose docstrings say the same).
RULES = [
    "- **Numbers** (money `DECIMAL(18,2)`, rates `DECIMAL(18,6)`): an optional sign, digits, a dot for decimals; "
    "thousands commas only in complete groups of three after a first group of 1-3 digits not starting with 0 "
    "(`1,234.50`, `1,234`, `-1,234.50`, `+12.00`, `.5`, `12.`; spaces around are trimmed). Other text of digits, "
    "dots and commas is quarantined `ambiguous number format in <col>: a dot for decimals, thousands commas in "
    "groups of three`; more significant decimals than the column holds (money 2, rates 6; trailing zeros do not "
    "count) `more decimals than <col> holds`, never rounded; too many integer digits `number too large for "
    "<col>`; anything else (`1e3`, `(12.50)`, `12元`) `bad money in <col>` / `bad decimal in <col>`. Integers: "
    "digits, optionally `.0`; `12.5` is `bad integer`.",
    "- **Format settings**: a table whose files differ from the contract declares it in "
    "`landing/<table>/_format.json`, e.g. `{\"decimal\": \",\", \"encoding\": \"gbk\"}` (both optional, "
    "any other key is an error). Under `\"decimal\": \",\"` `1.234,50` reads 1234.50 (thousands dots in groups "
    "of three) and `1,234.50` is ambiguous; a typed Parquet number is read as the number it is. A change of the "
    "file loads the table in full.",
    "- **Time**: timestamps are Asia/Shanghai local time; an offset after the time (`Z`, `UTC`, `+08:00`, "
    "`-05:00`, `+0800`, `+08`) converts to Shanghai, beyond +-14:00 it is `bad timestamp`; a time-zone-aware "
    "Parquet timestamp converts to Shanghai, a naive one is Shanghai time. Neither the machine's TZ nor the "
    "connection's TimeZone (set to Asia/Shanghai during a load, then set back) changes a result.",
    "- **Files**: read are `.csv`, `.csv.gz`, `.csv.gzip`, `.parquet`, `.pq` directly in the table's folder. "
    "Every other file is listed in `raw.skipped_files` (and `LoadResult.skipped`, and a warning) with its "
    "reason, and never stops the load: `in a subfolder: not read (archive copies)` (any subfolder, so an older "
    "copy can never win), `hidden file (its name starts with a dot)` (`.DS_Store`, `._x.csv`), `Office lock "
    "file (~$...)`, `not a CSV or Parquet file` (`.tsv`, `.txt`, ...), and `_format.json` as the table's "
    "settings. The landing sensor lists files by the same rule.",
    "- **Rows checked against other rows**: a transaction whose day is after its account's closed_date is "
    "quarantined `transaction after the account's closed_date` (the closing day itself holds the closing "
    "transaction and is accepted); before its opened_date `transaction before the account's opened_date` (the "
    "opening day is accepted); an account closed before it opened `closed_date before opened_date`; staff "
    "`left_date before hired_date` (the same day is fine). An account in a currency whose first rate is dated "
    "after the end of the account's opening month is kept (those months convert at the first rate) and counted: "
    "warning `accounts: fx rate used for months before its first rate_date: N account(s) ...` and "
    "`raw.load_audit.warning_counts`.",
    "- **Encodings**: without a setting a CSV is UTF-8, else read as GBK/GB18030 with a warning; when more than a "
    "quarter of the non-ASCII characters that decoding gives are not common Chinese characters (GB2312), the "
    "file is most likely Windows-1252 / Latin-1 and the load stops asking for its encoding in `_format.json`. "
    "A declared encoding (`cp1252`, `latin-1`, `gbk`, ...) is read as declared; bytes it cannot decode are an "
    "error naming the file and the byte offset.",
    "- **Errors**: a CSV line over 2,000,000 bytes stops the load naming its real line in the file (`line N "
    "(counting the header as line 1): line too long (over 2000000 bytes)`); a full disk is `out of disk space "
    "while loading <table> (<path>)` and the table stays as it was.",
    "- **Privacy**: no reason, warning, log line or error quotes a value (`currency has no rate in fx_rates`, "
    "not the currency); decoded copies live in `<warehouse folder>/.branch-retention-tmp/<pid>/`, are removed "
    "after each table's load even on error, and a killed run's folders are removed by the next load.",
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
        "## The rules the cases pin",
        "",
        *RULES,
        "",
        "## Cases",
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
