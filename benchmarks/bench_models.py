"""Build time of the dbt models at scale, and how it grows with 4x the transactions.

    python benchmarks/bench_models.py --customers 100000 --months 12 [--workdir /tmp/bench-models]

1. generates a sample bank, 2. loads it (ingestion), 3. builds every dbt model (no tests) and times the
balance/tier models and the whole project, 4. splits every transaction into four on the same day (same
accounts, same end-of-day balances, so the same marts), 5. builds again from scratch and prints the
ratio. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import add_calendar, bank_arguments, dbt  # noqa: E402

from orchestration.lib.generator import generate_bank  # noqa: E402
from orchestration.lib.ingest import load_all  # noqa: E402

BALANCE_MODELS = "+fct_customer_months +fct_branch_months"


def quadruple_transactions(db: Path) -> int:
    """Each transaction becomes four on the same day, a quarter of the amount each, chaining the balance."""
    con = duckdb.connect(str(db))
    con.execute("""
        CREATE OR REPLACE TABLE raw.transactions AS
        WITH parts AS (SELECT t.*, k FROM raw.transactions t, range(4) r(k)),
        cents AS (
            SELECT *, CAST(round(amount * 100) AS BIGINT) AS total_cents,
                   CASE WHEN direction = 'credit' THEN 1 ELSE -1 END AS sign
            FROM parts)
        SELECT txn_id || '-' || k AS txn_id, account_id, txn_ts + k * INTERVAL 1 SECOND AS txn_ts, direction,
               CAST((total_cents // 4 + CASE WHEN k = 3 THEN total_cents % 4 ELSE 0 END) / 100.0 AS DECIMAL(18,2)) AS amount,
               CAST((balance_after * 100 - sign * (total_cents - (total_cents // 4) * (k + 1)
                     - CASE WHEN k = 3 THEN total_cents % 4 ELSE 0 END)) / 100.0 AS DECIMAL(18,2)) AS balance_after,
               txn_type, channel, counterparty_name, counterparty_bank, counterparty_account, memo
        FROM cents
        WHERE total_cents >= 4
        UNION ALL
        SELECT txn_id, account_id, txn_ts, direction, amount, balance_after, txn_type, channel, counterparty_name,
               counterparty_bank, counterparty_account, memo
        FROM parts WHERE k = 0 AND round(amount * 100) < 4
    """)
    n = con.execute("SELECT count(*) FROM raw.transactions").fetchone()[0]
    con.close()
    return n


def snapshot(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    out = con.execute("SELECT count(*), sum(monthly_avg_aum), sum(month_end_aum) FROM marts.fct_customer_months").fetchone()
    con.close()
    return out


def main() -> None:
    args = bank_arguments("/tmp/bench-models")
    work = args.workdir
    landing, db = work / "landing", work / "warehouse.duckdb"
    env = {**os.environ, "BRANCH_RETENTION_DUCKDB": str(db)}

    t = time.perf_counter()
    generate_bank(landing, n_customers=args.customers, n_months=args.months, seed=1)
    print(f"generate {args.customers:,} customers x {args.months} months: {time.perf_counter() - t:.1f}s", flush=True)

    t = time.perf_counter()
    con = duckdb.connect(str(db))
    results = load_all(con, landing)
    con.close()
    add_calendar(db)
    n_txn = results["transactions"].rows_accepted
    print(f"ingest: {time.perf_counter() - t:.1f}s ({n_txn:,} transactions)", flush=True)

    dbt(["seed"], env)
    for label in ("1x", "4x"):
        if label == "4x":
            t = time.perf_counter()
            n_txn = quadruple_transactions(db)
            print(f"split into 4: {n_txn:,} transactions ({time.perf_counter() - t:.1f}s)", flush=True)
        balance, _ = dbt(["run", "--full-refresh", "-s", *BALANCE_MODELS.split()], env)
        whole, _ = dbt(["run", "--full-refresh"], env)
        print(f"[{label}] {n_txn:,} transactions: balance and tier models {balance:.1f}s; every model {whole:.1f}s; "
              f"fct_customer_months rows, sum avg AUM, sum month-end AUM = {snapshot(db)}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    print(f"peak RSS of a dbt process: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
