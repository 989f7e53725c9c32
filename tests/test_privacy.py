"""Personal data stays in the warehouse: a distinctive value planted in every personal and free-text field
of a bank with bad input never appears in the run's output, Dagster's event log, the quality results, a
temporary file or anything published for BI (docs/rules.md section 8)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.lib import settings
from tests.conftest import build_minimal_bank, write_csv

pytestmark = pytest.mark.slow

# One distinctive value per field: none of them can occur by chance, and a masked form never holds it whole.
SECRETS = {
    "customer_name": "欧阳隐私甲",
    "id_number": "11010119900307451X",
    "mobile_phone": "13700001111",
    "landline_phone": "0571-88886666",
    "email": "secret.person@example.cn",
    "address": "隐私路七十七号",
    "staff_name": "员工隐私乙",
    "counterparty_name": "隐私丙丁",
    "counterparty_account": "6222020200112233445",
    "memo": "备注隐私戊己",
    "category": "投诉隐私庚辛",
    # not personal, but free text a user typed: a quarantine reason must not quote it either
    "currency": "SECRETCUR",
}


def _plant(landing: Path) -> None:
    people = {k: SECRETS[k] for k in ("customer_name", "id_number", "mobile_phone", "landline_phone", "email",
                                      "address")}
    write_csv(landing, "customers", [
        {"customer_id": "C1", "home_branch_id": "B1", "onboarded_date": "2020-01-01", **people},
        {"customer_id": "C2", "home_branch_id": "B1", "customer_name": "李四", "onboarded_date": "2021-05-01"},
        # bad input: an orphan and a bad date, carrying the same personal data into the quarantine
        {"customer_id": "C8", "home_branch_id": "NO-SUCH-BRANCH", "onboarded_date": "2020-01-01", **people},
        {"customer_id": "C9", "home_branch_id": "B1", "onboarded_date": "not a date", **people},
    ], encoding="gbk")  # read through the GBK fallback, whose decoded copy must stay inside the warehouse folder
    write_csv(landing, "staff", [{"staff_id": "S1", "branch_id": "B1", "staff_name": SECRETS["staff_name"],
                                  "role": "teller", "hired_date": "2015-01-01"}])
    rows = [
        {"txn_id": "T1", "account_id": "A1", "txn_ts": "2026-01-05 10:00:00", "direction": "credit", "amount": "500.00",
         "balance_after": "1500.00", "txn_type": "salary", "channel": "online", "memo": SECRETS["memo"]},
        {"txn_id": "T2", "account_id": "A1", "txn_ts": "2026-01-20 11:00:00", "direction": "debit", "amount": "1200.00",
         "balance_after": "300.00", "txn_type": "transfer_out", "channel": "mobile", "counterparty_bank": "招商银行",
         "counterparty_name": SECRETS["counterparty_name"], "counterparty_account": SECRETS["counterparty_account"],
         "memo": "购房 " + SECRETS["memo"]},
        {"txn_id": "T3", "account_id": "A2", "txn_ts": "2026-01-31 00:00:00", "direction": "credit", "amount": "12.50",
         "balance_after": "50012.50", "txn_type": "interest"},
        # bad: an unknown code, with the free text along
        {"txn_id": "T4", "account_id": "A1", "txn_ts": "2026-01-21 11:00:00", "direction": "sideways", "amount": "1.00",
         "balance_after": "299.00", "txn_type": "fee", "counterparty_name": SECRETS["counterparty_name"],
         "memo": SECRETS["memo"]},
    ]
    write_csv(landing, "transactions", rows)
    write_csv(landing, "accounts", [
        {"account_id": "A1", "customer_id": "C1", "branch_id": "B1", "product_type": "demand_deposit", "currency": "CNY",
         "opened_date": "2020-01-01", "opening_balance": "1000.00"},
        {"account_id": "A2", "customer_id": "C2", "branch_id": "B1", "product_type": "time_deposit", "currency": "CNY",
         "opened_date": "2021-05-01", "maturity_date": "2026-05-01", "interest_rate": "0.0175",
         "opening_balance": "50000.00"},
        {"account_id": "A3", "customer_id": "C2", "branch_id": "B1", "product_type": "demand_deposit",
         "currency": SECRETS["currency"], "opened_date": "2021-05-01", "opening_balance": "10.00"},
    ])
    write_csv(landing, "complaints", [{"complaint_id": "K1", "customer_id": "C1", "branch_id": "B1",
                                       "created_ts": "2026-01-10 09:00:00", "category": SECRETS["category"]}])


def _files_holding(root: Path, since: float, needles: list[bytes], skip: Path | None = None) -> list[str]:
    found = []
    for path in root.rglob("*"):
        try:
            if skip is not None and path.is_relative_to(skip):
                continue  # the test's own folder: the landing files and the warehouse hold them by design
            if not path.is_file() or path.stat().st_mtime < since:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        found += [f"{path}: {n.decode()}" for n in needles if n in data]
    return found


def test_no_personal_value_leaves_the_warehouse(tmp_path):
    started = time.time() - 1
    landing = build_minimal_bank(tmp_path)
    _plant(landing)
    warehouse, published, quality, home = (tmp_path / "wh" / "warehouse.duckdb", tmp_path / "published",
                                           tmp_path / "quality", tmp_path / "dagster_home")
    env = {**os.environ, "BRANCH_RETENTION_LANDING": str(landing), "BRANCH_RETENTION_DUCKDB": str(warehouse),
           "DAGSTER_HOME": str(home), "BRANCH_RETENTION_PUBLISH_DIR": str(published),
           "BRANCH_RETENTION_QUALITY_DIR": str(quality)}
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    needles = {k: v.encode() for k, v in SECRETS.items()}
    needles_gbk = [v.encode("gbk") for k, v in SECRETS.items() if not v.isascii()]

    # the warehouse does hold them (the test plants where it should)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM raw.quarantine WHERE table_name = 'customers'").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM raw.customers WHERE customer_name = ?",
                       [SECRETS["customer_name"]]).fetchone()[0] == 1
    con.close()

    leaks = [f"run output: {k}" for k, v in SECRETS.items() if v in proc.stdout + proc.stderr]
    assert list((warehouse.parent / "logs").glob("run-*.log")), "the run wrote no log to scan"
    # the run's own log (<warehouse dir>/logs), Dagster's home, the quality results, the publication, and
    # dbt's logs and artifacts (compiled SQL, run results)
    dbt_dir = Path(settings.DBT_PROJECT_DIR)
    dbt_target = Path(os.environ.get("DBT_TARGET_PATH", dbt_dir / "target"))
    for root in (warehouse.parent / "logs", home, quality, published, dbt_dir / "logs",
                 dbt_target if dbt_target.is_absolute() else dbt_dir / dbt_target):
        leaks += _files_holding(root, started, list(needles.values()) + needles_gbk)
    leaks += _files_holding(Path(tempfile.gettempdir()), started, list(needles.values()), skip=tmp_path)
    # everything published for BI, read back as BI reads it (compressed files cannot be grepped)
    served = duckdb.connect(str(published / "serving" / "marts.duckdb"), read_only=True)
    for (table,) in served.execute("SELECT table_name FROM information_schema.tables").fetchall():
        text = " ".join(str(v) for row in served.execute(f'SELECT * FROM "{table}"').fetchall() for v in row)
        leaks += [f"published {table}: {k}" for k, v in SECRETS.items() if v in text]
    served.close()
    for parquet in (published / "parquet" / "current").glob("*.parquet"):
        text = " ".join(str(v) for row in duckdb.sql(f"SELECT * FROM '{parquet}'").fetchall() for v in row)
        leaks += [f"{parquet.name}: {k}" for k, v in SECRETS.items() if v in text]
    # no temporary folder is left beside the warehouse
    leftovers = [p for p in warehouse.parent.iterdir() if "tmp" in p.name.lower()]
    assert not leaks, leaks
    assert not leftovers, leftovers
