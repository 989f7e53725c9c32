"""Shared fixtures: a small landing folder written by hand, and a fresh warehouse per test."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.contract import TABLES

# The generated bank run through the whole pipeline, shared by the end-to-end and operations tests.
pytest_plugins = ["tests.pipeline_fixtures", "tests.engine_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test` runs two workers), each worker's dbt writes its artifacts to a target
    folder of its own, starting from a copy of the prepared manifest: the tests that call dbt directly, and
    `dagster dev`'s re-parse, would otherwise rewrite dbt_project/target/manifest.json while another worker's
    Dagster definitions read it. dagster-dbt makes a unique folder per invocation under DBT_TARGET_PATH."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        # An xdist worker's __main__ is code read from stdin, with no __file__: pyspark (imported by Great
        # Expectations when installed) then takes the process for a doctest run and calls sys.exit(0).
        import __main__
        if not hasattr(__main__, "__file__"):
            __main__.__file__ = "<pytest-xdist worker>"
        prepared = Path(__file__).resolve().parents[1] / "dbt_project" / "target"
        target = prepared / f"xdist-{worker}"
        target.mkdir(parents=True, exist_ok=True)
        for artifact in ("manifest.json", "semantic_manifest.json"):
            if (prepared / artifact).exists():
                shutil.copy2(prepared / artifact, target / artifact)
        os.environ["DBT_TARGET_PATH"] = str(target)
        os.environ["DBT_LOG_PATH"] = str(target)


def write_csv(folder: Path, table: str, rows: list[dict], name: str | None = None, columns: list[str] | None = None,
              encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write rows as a CSV in landing/<table>/, with the contract's columns unless told otherwise."""
    columns = columns or TABLES[table].column_names
    path = folder / table / (name or f"{table}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator=newline, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


@pytest.fixture
def minimal_bank(tmp_path: Path) -> Path:
    """One branch, two customers, two accounts, three transactions: a valid extract."""
    return build_minimal_bank(tmp_path)


def build_minimal_bank(tmp_path: Path) -> Path:
    """The minimal_bank landing folder under tmp_path (callable from fixtures of any scope)."""
    landing = tmp_path / "landing"
    write_csv(landing, "branches", [{"branch_id": "B1", "branch_name": "西湖支行", "city": "杭州", "opened_date": "2001-03-01"}])
    write_csv(landing, "staff", [{"staff_id": "S1", "branch_id": "B1", "staff_name": "王五", "role": "teller",
                                  "hired_date": "2015-01-01"}])
    write_csv(landing, "customers", [
        {"customer_id": "C1", "home_branch_id": "B1", "customer_name": "张三", "mobile_phone": "13812345678",
         "onboarded_date": "2020-01-01"},
        {"customer_id": "C2", "home_branch_id": "B1", "customer_name": "李四", "mobile_phone": "",
         "onboarded_date": "2021-05-01"},
    ])
    write_csv(landing, "accounts", [
        {"account_id": "A1", "customer_id": "C1", "branch_id": "B1", "product_type": "demand_deposit", "currency": "CNY",
         "opened_date": "2020-01-01", "opening_balance": "1000.00"},
        {"account_id": "A2", "customer_id": "C2", "branch_id": "B1", "product_type": "time_deposit", "currency": "CNY",
         "opened_date": "2021-05-01", "maturity_date": "2026-05-01", "interest_rate": "0.0175", "opening_balance": "50000.00"},
    ])
    write_csv(landing, "transactions", [
        {"txn_id": "T1", "account_id": "A1", "txn_ts": "2026-01-05 10:00:00", "direction": "credit", "amount": "500.00",
         "balance_after": "1500.00", "txn_type": "salary", "channel": "online", "memo": "工资"},
        {"txn_id": "T2", "account_id": "A1", "txn_ts": "2026-01-06 11:00:00", "direction": "debit", "amount": "200.00",
         "balance_after": "1300.00", "txn_type": "transfer_out", "channel": "mobile", "counterparty_bank": "招商银行"},
        {"txn_id": "T3", "account_id": "A2", "txn_ts": "2026-01-31 00:00:00", "direction": "credit", "amount": "12.50",
         "balance_after": "50012.50", "txn_type": "interest"},
    ])
    return landing


@pytest.fixture
def warehouse(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()
