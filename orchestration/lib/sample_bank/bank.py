"""`generate_bank`: a realistic, reproducible raw extract of one city's retail-bank branches.

It writes one folder per contract table (docs/rules.md section 9, read from `contract.TABLES`) as CSV or
Parquet, plus `_ground_truth/` with the labels that planted customers must get under docs/rules.md's default
rules (tiers section 3, lifecycle section 4, churn types section 5).

How it is built
- Faker (zh_CN, seeded) only fills small pools once (names.py); every row is then drawn with numpy from a
  `Generator(PCG64)`. Customers are processed in chunks (chunk.py), so the output depends only on the
  arguments, never on time or hash order.
- Money is computed in integer cents; `balance_after` follows exactly from the opening balance
  (transactions.py).
- Background customers (background_customers.py) are mostly stable mass/affluent customers.
- Planted customers (disjoint groups, `scenarios.PLANTS`) follow a scripted path with amounts far from every
  threshold, so that only the planted rule fires. Their labels go to `_ground_truth/` (ground_truth.py).
- Product and service churners show warning signs before their event, and look-alikes show the same signs
  and stay (warning_signs.py, `_ground_truth/warning_signs.csv`).
- Then real mess at realistic low rates (mess.py, on by default, `mess_rate=0` for a clean bank): placeholder
  and malformed contact values, overdrafts, a foreign-currency book with `fx_rates`, rows dated after the
  last transaction day, and a second file per table (`<table>.resent.csv`) with duplicates, conflicting
  rows, orphans, rejected values and late rows. Only background customers get it; it is listed in
  `_ground_truth/mess.csv`. With mess off the output is byte for byte the clean bank.

Conventions
- `OWN_BANK_CODE` ("本行", "this bank") is written in `counterparty_bank` when money moves between a
  customer's own accounts or to another account in this bank; ingestion/dbt should configure the same code.
- gender is "M"/"F"; interest_rate is an annual rate as a fraction (0.012000 = 1.2 %); amounts are in the
  account's currency (CNY but for the foreign-currency book; a clean bank writes no fx_rates table).
  Timestamps are local Asia/Shanghai, written as `YYYY-MM-DD HH:MM:SS`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..contract import TABLES
from . import mess as mess_module
from .accounts import OTHER_BRANCH_SHARE, account_id_column, accounts_table, order_accounts
from .arrow_columns import id_column
from .background_customers import build_background
from .branches_and_staff import build_branches_and_staff
from .calendar import DataWindow
from .chunk import BankContext, CustomerChunk
from .contacts_and_complaints import complaints_table, contact_logs_table, withdrawal_registrations_table
from .customers import customers_table
from .ground_truth import GROUND_TRUTH_COLUMNS, GROUND_TRUTH_DIR, chunk_ground_truth, write_ground_truth
from .mess import DEFAULT_MESS, RESENT_SUFFIX, ChunkMess, MessRates
from .names import CITIES, build_pools
from .scenarios import BUILDERS, PLANT_MAX_TOTAL_SHARE, PLANT_MIN, PLANT_SHARE, PLANTS, SIZE_MULTIPLE
from .transactions import chain_balances, ordered_transactions, transaction_id_column, transactions_table
from .writer import TableWriters, remove_data_files

# Last day of data when none is given: fixed, never today(), so that output is reproducible.
DEFAULT_END_DATE = date(2026, 10, 31)
# Customers per chunk: bounds memory (about 1 GiB of working set per 100k customers).
CHUNK_SIZE = 100_000
# Tables written by default (fx_rates for the foreign-currency book), and by a clean bank (every account
# in CNY: the optional fx_rates is not needed).
OUTPUT_TABLES = list(TABLES)
CLEAN_OUTPUT_TABLES = [t for t in TABLES if t != "fx_rates"]
# Starting segment of customers (mass, affluent, wealth, private), as shares of all customers.
SEGMENT_SHARES = (0.73, 0.205, 0.06, 0.005)
# Share of customers who are leads (no account).
LEAD_SHARE = 0.042
# Branches: one per 4,000 customers, at least 3 and at most 60.
CUSTOMERS_PER_BRANCH, FEWEST_BRANCHES, MOST_BRANCHES = 4000, 3, 60


def _plant_groups(rng, n: int) -> np.ndarray:
    """Per customer: 0 for background, else 1 + the index of its group in PLANTS (disjoint, random members)."""
    per_group = max(PLANT_MIN if n >= 1000 else max(1, n // 50), round(PLANT_SHARE * n))
    sizes = np.array([int(per_group * SIZE_MULTIPLE.get(p, 1)) for p in PLANTS], dtype=np.int64)
    if sizes.sum() > PLANT_MAX_TOTAL_SHARE * n:
        sizes = np.floor(sizes * PLANT_MAX_TOTAL_SHARE * n / sizes.sum()).astype(np.int64)
    group = np.zeros(n, dtype=np.int64)
    members = rng.permutation(n)
    at = 0
    for index, size in enumerate(sizes):
        group[members[at:at + size]] = index + 1
        at += size
    return group


def _chunk_tables(chunk: CustomerChunk, counters: dict, staff_ids, mess: ChunkMess | None = None) -> dict:
    """The chunk's rows as Arrow tables (in the order their random draws are made), plus its labels; with
    mess, its mess applied (from its own random stream) and the second file's rows in out["_resent"]."""
    rng, ctx = chunk.rng, chunk.ctx
    pool_values = chunk.pool.arrow()  # the pool grows while chunks name their memos
    customer_ids = id_column("C", np.arange(chunk.lo + 1, chunk.lo + chunk.n + 1), 9)
    out = {}
    out["customers"], manager = customers_table(chunk, customer_ids, pool_values, staff_ids)
    if mess:
        out["customers"], _ = mess.customers(out["customers"])

    accounts, new_position = order_accounts(chunk.accounts)
    n_accounts = len(accounts["customer"])
    account_ids = account_id_column(counters["accounts"] + 1, n_accounts)
    counters["accounts"] += n_accounts
    elsewhere = rng.random(n_accounts) < OTHER_BRANCH_SHARE
    account_branch = np.where(elsewhere, rng.integers(0, ctx.n_branches, n_accounts),
                              chunk.home_branch[accounts["customer"]])

    txns = ordered_transactions(chunk.transactions, new_position)
    balance, opening, planted_raised = chain_balances(rng, txns, accounts["opening"], accounts["planted"])
    counters["planted_fixups"] += planted_raised
    currency = None
    all_customer_ids = customer_ids
    if mess:  # foreign-currency accounts, the after-as-of leads' accounts, one in a currency without a rate
        extra = mess.extra_accounts(accounts, chunk.n)
        currency = np.concatenate([np.full(n_accounts, "CNY", dtype=object), extra.pop("currency")])
        account_branch = np.concatenate([account_branch, extra.pop("branch")])
        accounts = {k: np.concatenate([v, extra[k]]) for k, v in accounts.items()}
        opening = np.concatenate([opening, extra["opening"]])
        account_ids = pa.concat_arrays([account_ids, mess.extra_ids])
        all_customer_ids = out["customers"]["customer_id"].combine_chunks()
    out["accounts"] = accounts_table(accounts, account_ids, all_customer_ids, ctx.branch_ids, account_branch,
                                     opening, pool_values, currency)
    n_txns = len(txns["account"])
    txn_ids = transaction_id_column(counters["transactions"] + 1, n_txns)
    counters["transactions"] += n_txns
    if mess:  # overdrafts and the foreign-currency accounts' transactions, numbered in their own range
        added, added_balance = mess.transactions(accounts, txns, balance, account_ids, n_accounts)
        if len(added_balance):
            txns = {k: np.concatenate([v, added[k]]) for k, v in txns.items()}
            balance = np.concatenate([balance, added_balance])
            k = len(added_balance)
            txn_ids = pa.concat_arrays([txn_ids, mess_module._ids("T9", mess._next("transactions", k), k, 11)])
    out["transactions"] = transactions_table(txns, txn_ids, balance, account_ids, pool_values)
    counters["check_min_deposit_balance"] = min(counters["check_min_deposit_balance"],
                                                int(balance.min()) if len(balance) else 0)

    out["contact_logs"] = contact_logs_table(chunk, counters["contact_logs"] + 1, customer_ids, staff_ids, manager)
    counters["contact_logs"] += out["contact_logs"].num_rows
    if mess:
        out["transactions"] = mess.resend_transactions(out["transactions"], accounts, txns["account"], n_txns)
        out["contact_logs"] = mess.resend_contacts(out["contact_logs"])
        mess.resend_accounts(out["accounts"], accounts["customer"], n_accounts)
        out["_resent"] = mess.resent_tables()
        out["_mess_truth"] = mess.truth
    out["complaints"] = complaints_table(chunk, counters["complaints"] + 1, customer_ids, pool_values)
    counters["complaints"] += out["complaints"].num_rows
    out["withdrawal_registrations"] = withdrawal_registrations_table(
        chunk, counters["withdrawal_registrations"] + 1, customer_ids, staff_ids)
    counters["withdrawal_registrations"] += out["withdrawal_registrations"].num_rows
    out["_ground_truth"] = chunk_ground_truth(chunk, customer_ids)
    return out


def generate_bank(out_dir: str | Path, n_customers: int = 2000, n_months: int = 12, seed: int = 42,
                  fmt: str = "csv", end_date: date | None = None, n_branches: int | None = None,
                  chunk_size: int | None = None, mess_rate: float = 1.0, mess: MessRates | None = None) -> dict:
    """Write a sample bank to out_dir/<table>/<table>.<fmt> and its planted labels to out_dir/_ground_truth/.

    mess: the rates of each kind of mess (default `mess.DEFAULT_MESS`), all multiplied by mess_rate (0: a clean
    bank, byte for byte what it was before mess existed). Returns {"tables": {table: rows in the main files},
    "resent": {table: rows in <table>.resent.csv}, "files": [paths], "ground_truth": {file: {label: count,
    "rows": n}}, "window": {"start", "end"}, "checks": {...}, "mess": {rate: share}}. Same arguments give
    byte-identical files.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError("fmt must be 'csv' or 'parquet'")
    rates = (mess or DEFAULT_MESS).scaled(mess_rate)
    if n_customers < 1 or n_months < 1:
        raise ValueError("n_customers and n_months must be at least 1")
    end = end_date or DEFAULT_END_DATE
    if n_branches is None:
        n_branches = min(MOST_BRANCHES, max(FEWEST_BRANCHES, n_customers // CUSTOMERS_PER_BRANCH))
    chunk_size = chunk_size or CHUNK_SIZE
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    window = DataWindow(end, n_months)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0])))
    city = CITIES[int(rng.integers(0, len(CITIES)))]
    pool, details = build_pools(seed, city)
    if rates.any:
        mess_module.register_strings(pool)

    # customer skeleton: home branch, starting segment, lead or not, planted group
    n = n_customers
    weights = rng.gamma(3.0, 1.0, n_branches)
    home_branch = rng.choice(n_branches, n, p=weights / weights.sum())
    segment = rng.choice([1, 2, 3, 4], n, p=list(SEGMENT_SHARES))
    prospect = rng.random(n) < LEAD_SHARE
    plant_group = _plant_groups(rng, n)
    prospect[plant_group > 0] = False

    branches, staff, staff_layout = build_branches_and_staff(rng, city, details, pool, n_branches, window,
                                                             home_branch, segment, prospect)
    ctx = BankContext(seed, window, pool, details, city, branches["branch_id"].combine_chunks(), n_branches,
                      plant_group, home_branch, segment, prospect, staff_layout)

    writers = TableWriters(out_dir, fmt)
    resent = TableWriters(out_dir, "csv", stem_suffix=RESENT_SUFFIX, clear_folder=False)
    writers.write("branches", branches)
    writers.write("staff", staff)
    if rates.foreign_currency_share > 0:
        writers.write("fx_rates", mess_module.fx_rates_table(seed, window))
    else:
        remove_data_files(out_dir / "fx_rates")  # a messy bank's rates left in the folder
    mess_counters: dict = {}
    mess_truth: list[tuple] = []
    staff_ids = staff["staff_id"].combine_chunks()
    counters = {"accounts": 0, "transactions": 0, "contact_logs": 0, "complaints": 0, "withdrawal_registrations": 0,
                "planted_fixups": 0, "check_min_deposit_balance": 0}
    truth_parts = {name: [] for name in GROUND_TRUTH_COLUMNS}
    try:
        for index, lo in enumerate(range(0, n, chunk_size)):
            hi = min(n, lo + chunk_size)
            chunk = CustomerChunk(ctx, index, lo, hi)
            for group_index, plant in enumerate(PLANTS):
                ci = np.nonzero(chunk.plant_group == group_index + 1)[0]
                if len(ci) and not BUILDERS[plant](chunk, ci):
                    chunk.plant_group[ci] = 0  # the window is too short for this plant: ordinary customers instead
            build_background(chunk)
            chunk_mess = ChunkMess(chunk, rates, index, mess_counters) if rates.any else None
            out = _chunk_tables(chunk, counters, staff_ids, chunk_mess)
            for table in OUTPUT_TABLES:
                if table in out:
                    writers.write(table, out[table])
            for table, rows in out.get("_resent", {}).items():
                resent.write(table, rows)
            mess_truth.extend(out.get("_mess_truth", []))
            for name, rows in truth_parts.items():
                rows.extend(out["_ground_truth"][name])
            del chunk, out
    finally:
        writers.close()
        resent.close()
    truth = write_ground_truth(out_dir, truth_parts)
    mess_file = out_dir / GROUND_TRUTH_DIR / f"{mess_module.GROUND_TRUTH_FILE}.csv"
    if rates.any:
        truth["summary"]["mess"] = mess_module.write_mess_ground_truth(mess_file, mess_truth)
        truth["files"].append(str(mess_file))
    elif mess_file.exists():
        mess_file.unlink()  # a messy bank's list left in the folder
    written = [t for t in OUTPUT_TABLES if t in writers.paths]
    files = [str(writers.paths[t]) for t in written] + [str(p) for p in resent.paths.values()] + truth["files"]
    result = {
        "tables": {t: writers.rows[t] for t in written},
        "files": files,
        "ground_truth": truth["summary"],
        "window": {"start": window.labels[0], "end": end.isoformat()},
        "checks": {"planted_accounts_topped_up": counters["planted_fixups"],
                   "min_balance_after_cents": counters["check_min_deposit_balance"]},
    }
    if rates.any:
        result["resent"] = dict(resent.rows)
        result["mess"] = asdict(rates)
    return result
