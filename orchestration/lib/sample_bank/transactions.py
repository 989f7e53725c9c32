"""Transactions: collected per chunk, then sorted, numbered and given an exact balance chain.

`balance_after` is the account's opening balance plus the running signed sum in (txn_ts, txn_id) order, so
the chain holds exactly (docs/rules.md section 9). Background accounts whose random flows would dip below
zero get a larger opening balance; planted accounts are designed never to need that.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import DIRECTIONS, TXN_CHANNELS, TXN_TYPES
from .arrays import broadcast, round_to_yuan
from .arrow_columns import decimal_column, id_column, table_schema, take_or_null, timestamp_column
from .catalogue import CREDIT

# Extra opening balance given to a background account that would otherwise dip below zero, in yuan.
TOPUP_MARGIN_YUAN = (100, 3_000)


class TransactionRows:
    FIELDS = ("account", "ts", "direction", "cents", "txn_type", "channel", "counterparty_name",
              "counterparty_bank", "counterparty_account", "memo")

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, account, ts, direction, cents, txn_type, channel=-1, counterparty_name=-1, counterparty_bank=-1,
            counterparty_account=0, memo=-1) -> None:
        """account: position in the chunk's AccountRows; ts: seconds; direction: CREDIT or DEBIT; cents: amount;
        txn_type/channel: contract code indexes (-1: empty); counterparty_name/bank and memo: pool indexes
        (-1: empty); counterparty_account: an outside account number, 0 for none, or `internal_account(pos)`."""
        account = np.asarray(account, dtype=np.int64)
        k = len(account)
        if k == 0:
            return
        self.parts.append({
            "account": account, "ts": broadcast(ts, k), "direction": broadcast(direction, k, np.int8),
            "cents": broadcast(cents, k), "txn_type": broadcast(txn_type, k, np.int8),
            "channel": broadcast(channel, k, np.int8), "counterparty_name": broadcast(counterparty_name, k),
            "counterparty_bank": broadcast(counterparty_bank, k),
            "counterparty_account": broadcast(counterparty_account, k), "memo": broadcast(memo, k),
        })

    def concat(self) -> dict:
        if not self.parts:
            return {f: np.zeros(0, dtype=np.int64) for f in self.FIELDS}
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.FIELDS}


def internal_account(position) -> np.ndarray:
    """counterparty_account marker for one of this chunk's accounts (resolved to its account_id at the end)."""
    return -(np.asarray(position, dtype=np.int64) + 1)


def ordered_transactions(rows: TransactionRows, new_account_position: np.ndarray) -> dict:
    """Transactions with accounts renumbered to the ordered accounts, sorted by time then account."""
    t = rows.concat()
    t["account"] = new_account_position[t["account"]]
    cpa = t["counterparty_account"]
    internal = cpa < 0
    t["counterparty_account"] = np.where(
        internal, -(new_account_position[np.where(internal, -cpa - 1, 0)] + 1), cpa)
    n = len(t["account"])
    order = np.lexsort((np.arange(n), t["account"], t["ts"]))
    return {k: v[order] for k, v in t.items()}


def chain_balances(rng, t: dict, opening: np.ndarray, planted: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Balance after each transaction, and the opening balances raised where an account would go below zero.

    Returns (balance_after in cents, opening in cents, number of planted accounts that had to be raised)."""
    n = len(t["account"])
    signed = np.where(t["direction"] == CREDIT, t["cents"], -t["cents"])
    by_account = np.argsort(t["account"], kind="stable")
    account_sorted = t["account"][by_account]
    signed_sorted = signed[by_account]
    first = np.r_[True, account_sorted[1:] != account_sorted[:-1]] if n else np.zeros(0, bool)
    group_start = np.nonzero(first)[0]
    group = np.cumsum(first) - 1
    cumulative = np.cumsum(signed_sorted)
    base = (cumulative[group_start] - signed_sorted[group_start]) if n else np.zeros(0, np.int64)
    running = cumulative - base[group] if n else cumulative
    opening = opening.copy()
    planted_raised = 0
    if n:
        account_of_group = account_sorted[group_start]
        lowest = opening[account_of_group] + np.minimum.reduceat(running, group_start)
        short = lowest < 0
        planted_raised = int((short & planted[account_of_group]).sum())
        topup = np.where(short, -lowest + round_to_yuan(rng.uniform(*TOPUP_MARGIN_YUAN, len(account_of_group)), 1), 0)
        opening[account_of_group] += topup
    balance = np.empty(n, dtype=np.int64)
    if n:
        balance[by_account] = opening[account_sorted] + running
    return balance, opening, planted_raised


def transaction_id_column(first_number: int, n: int) -> pa.Array:
    return id_column("T", first_number + np.arange(n), 12)


def transactions_table(t: dict, txn_ids: pa.Array, balance: np.ndarray, account_ids: pa.Array,
                       pool_values: pa.Array) -> pa.Table:
    cpa = t["counterparty_account"]
    outside = cpa > 0
    cpa_text = take_or_null(account_ids, np.where(cpa < 0, -cpa - 1, -1))
    if outside.any():
        outside_text = pa.array(np.where(outside, cpa, 0), pa.int64()).cast(pa.string())
        cpa_text = pc.if_else(pa.array(outside), outside_text, cpa_text)
    return pa.table({
        "txn_id": txn_ids,
        "account_id": take_or_null(account_ids, t["account"]),
        "txn_ts": timestamp_column(t["ts"]),
        "direction": take_or_null(pa.array(list(DIRECTIONS), pa.string()), t["direction"]),
        "amount": decimal_column(t["cents"], 2),
        "balance_after": decimal_column(balance, 2),
        "txn_type": take_or_null(pa.array(list(TXN_TYPES), pa.string()), t["txn_type"]),
        "channel": take_or_null(pa.array(list(TXN_CHANNELS), pa.string()), t["channel"]),
        "counterparty_name": take_or_null(pool_values, t["counterparty_name"]),
        "counterparty_bank": take_or_null(pool_values, t["counterparty_bank"]),
        "counterparty_account": cpa_text,
        "memo": take_or_null(pool_values, t["memo"]),
    }, schema=table_schema("transactions"))
