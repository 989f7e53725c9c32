"""Accounts: collected per chunk while the scenarios run, then numbered and written as the accounts table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..contract import BASE_CURRENCY, PRODUCT_TYPES
from .arrays import broadcast
from .arrow_columns import date_column, decimal_column, id_column, table_schema, take_or_null
from .calendar import NO_DAY

# Share of accounts booked at another branch than the customer's home branch.
OTHER_BRANCH_SHARE = 0.05


class AccountRows:
    """Accounts of one chunk. `add` returns their positions, which transactions refer to."""

    FIELDS = ("customer", "product", "code", "opened", "maturity", "closed", "rate", "opening", "planted")

    def __init__(self):
        self.parts: list[dict] = []
        self.n = 0

    def add(self, customer, product, code, opened, maturity=NO_DAY, closed=NO_DAY, rate=-1, opening=0,
            planted=False) -> np.ndarray:
        """customer: chunk customer index; product: index into contract.PRODUCT_TYPES; code: pool index;
        opened/maturity/closed: day numbers (NO_DAY for none); rate: annual rate in millionths (-1 for none);
        opening: opening balance in cents; planted: part of a planted scenario (never topped up)."""
        customer = np.asarray(customer, dtype=np.int64)
        k = len(customer)
        self.parts.append({
            "customer": customer, "product": broadcast(product, k, np.int8), "code": broadcast(code, k),
            "opened": broadcast(opened, k), "maturity": broadcast(maturity, k), "closed": broadcast(closed, k),
            "rate": broadcast(rate, k), "opening": broadcast(opening, k), "planted": broadcast(planted, k, bool),
        })
        positions = np.arange(self.n, self.n + k, dtype=np.int64)
        self.n += k
        return positions

    def concat(self) -> dict:
        if not self.parts:
            return {f: np.zeros(0, dtype=np.int64) for f in self.FIELDS}
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.FIELDS}


def order_accounts(rows: AccountRows) -> tuple[dict, np.ndarray]:
    """Accounts ordered by customer, opening day and product; returns (columns, new position of each old one)."""
    a = rows.concat()
    n = len(a["customer"])
    order = np.lexsort((np.arange(n), a["product"], a["opened"], a["customer"]))
    new_position = np.empty(n, dtype=np.int64)
    new_position[order] = np.arange(n)
    return {k: v[order] for k, v in a.items()}, new_position


def accounts_table(a: dict, account_ids: pa.Array, customer_ids: pa.Array, branch_ids: pa.Array,
                   account_branch: np.ndarray, opening: np.ndarray, pool_values: pa.Array,
                   currency: np.ndarray | None = None) -> pa.Table:
    """currency: per account (None: all in the base currency)."""
    n = len(a["customer"])
    currency = np.full(n, BASE_CURRENCY) if currency is None else currency.astype(str)
    return pa.table({
        "account_id": account_ids,
        "customer_id": take_or_null(customer_ids, a["customer"]),
        "branch_id": take_or_null(branch_ids, account_branch),
        "product_type": take_or_null(pa.array(list(PRODUCT_TYPES), pa.string()), a["product"]),
        "product_code": take_or_null(pool_values, a["code"]),
        "currency": pa.array(currency, pa.string()),
        "opened_date": date_column(a["opened"]),
        "maturity_date": date_column(a["maturity"]),
        "closed_date": date_column(a["closed"]),
        "interest_rate": decimal_column(a["rate"], 6, a["rate"] < 0),
        "opening_balance": decimal_column(opening, 2),
    }, schema=table_schema("accounts"))


def account_id_column(first_number: int, n: int) -> pa.Array:
    return id_column("A", first_number + np.arange(n), 10)
