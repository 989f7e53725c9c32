"""A chunk of customers being built, and the routines the scenarios share (docs/rules.md sections 3-6).

Customers are processed in chunks; chunk k draws from `SeedSequence([seed, k + 1])`, so the output depends
only on the arguments, never on time or hash order. A chunk collects rows as integer arrays (customer index
in the chunk, account position, pool index, day numbers, cents) and turns them into tables at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from .accounts import AccountRows
from .arrays import broadcast, seconds_into_day
from .branches_and_staff import StaffLayout
from .calendar import SECONDS_PER_DAY, DataWindow, day_number
from .catalogue import (
    CONTACT_CHANNEL,
    CREDIT,
    DEBIT,
    DEMAND_DEPOSIT_RATE,
    OUTCOME,
    OWN_BANK_CODE,
    PRODUCT,
    TXN_CHANNEL,
    TXN_TYPE,
)
from .names import FUND_FIRMS, CustomerDetails, StringPool
from .transactions import TransactionRows, internal_account


@dataclass
class BankContext:
    """What every chunk shares: the window, the pools, the branches and staff, and the customer skeleton."""
    seed: int
    window: DataWindow
    pool: StringPool
    details: CustomerDetails
    city: tuple
    branch_ids: pa.Array
    n_branches: int
    plant_group: np.ndarray  # per customer: 0 background, else 1 + index into scenarios.PLANTS
    home_branch: np.ndarray
    segment: np.ndarray  # starting tier index (1 mass .. 4 private)
    prospect: np.ndarray  # a lead without an account
    staff: StaffLayout


class CustomerChunk:
    """Rows for customers [lo, hi): customers, their accounts, transactions, contacts, complaints, registrations."""

    def __init__(self, ctx: BankContext, index: int, lo: int, hi: int):
        self.ctx, self.window, self.pool = ctx, ctx.window, ctx.pool
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([ctx.seed, index + 1])))
        self.lo, self.n = lo, hi - lo
        self.plant_group = ctx.plant_group[lo:hi].copy()
        self.home_branch = ctx.home_branch[lo:hi]
        self.segment = ctx.segment[lo:hi]
        self.prospect = ctx.prospect[lo:hi]
        self.accounts, self.transactions = AccountRows(), TransactionRows()
        self.contacts: list[tuple] = []  # (customer, role, ts, channel, outcome)
        self.complaints: list[tuple] = []  # (customer, created ts, category, resolved ts)
        self.registrations: list[tuple] = []  # (customer, ts, planned day, cents, purpose)
        self.truth_churn: list[tuple] = []  # (customer, month, type, mismatch)
        self.truth_lifecycle: list[tuple] = []  # (customer, month, stage)
        self.truth_tier_moves: list[tuple] = []  # (customer, month, movement, before, after)
        self.truth_plants: list[tuple] = []  # (customer, plant, variant)
        self.truth_signs: list[tuple] = []  # (customer, month, sign, churns)
        rng, window, n = self.rng, self.window, self.n
        self.starting_tier = self.segment.astype(np.int64).copy()
        self.starting_tier[self.prospect] = 0
        self.name = self.pool.pick(rng, "names", n)
        self.employer = self.pool.pick(rng, "companies", n)
        # the customer's own card number at another bank (where money they move out goes)
        self.card = rng.integers(6_210_000_000_000_000, 6_299_999_999_999_999, n)
        # age on the first day of the window, then onboarding before the window by default
        age_years = rng.uniform(20, 80, n) + 5 * (self.segment >= 3)
        self.birth = (window.start_day - age_years * 365.25).astype(np.int64)
        adult = self.birth + int(18 * 365.25)
        earliest = np.maximum(adult, day_number(date(2003, 1, 1)))
        self.onboarded = earliest + (rng.random(n) * np.maximum(window.start_day - 400 - earliest, 1)).astype(np.int64)

    # ---------------------------------------------------------------- ground truth
    def label_churn(self, ci, month, churn_type: str, mismatch: bool) -> None:
        ci = np.asarray(ci)
        self.truth_churn.append((ci, broadcast(month, len(ci)), churn_type, mismatch))

    def label_stage(self, ci, month, stage: str) -> None:
        ci = np.asarray(ci)
        self.truth_lifecycle.append((ci, broadcast(month, len(ci)), stage))

    def label_tier_move(self, ci, month, movement, before, after) -> None:
        ci = np.asarray(ci)
        self.truth_tier_moves.append((ci, broadcast(month, len(ci)), movement, before, after))

    def record_plant(self, ci, plant: str, variant) -> None:
        self.truth_plants.append((np.asarray(ci), plant, np.asarray(variant, dtype=object)))

    def record_sign(self, ci, month, sign: str, churns: bool) -> None:
        """A warning sign planted on customers ci, first visible at the end of `month` (a window month index);
        `sign` is its reason code (seed risk_reasons), `churns` whether a planted churn event follows."""
        ci = np.asarray(ci)
        self.truth_signs.append((ci, broadcast(month, len(ci)), sign, churns))

    # ---------------------------------------------------------------- shared routines
    def pick_months(self, n, lo, hi):
        """A window month in [lo, hi] per customer, or None when the window is too short."""
        return self.rng.integers(lo, hi + 1, n) if lo <= hi else None

    def other_bank(self, n):
        return self.pool.pick(self.rng, "banks", n)

    def own_name(self, ci):
        return self.name[ci]

    def contact(self, ci, role, ts, channel, outcome) -> None:
        self.contacts.append((np.asarray(ci), broadcast(role, len(ci)), np.asarray(ts), broadcast(channel, len(ci)),
                              broadcast(outcome, len(ci))))

    def regular_contacts(self, ci, role, first_month, last_month, per_month=2, reached=True) -> None:
        """Successful contacts every half month (or only failed attempts when reached is False)."""
        rng, window = self.rng, self.window
        ci = np.asarray(ci)
        months = np.arange(window.n_months)
        first_month, last_month = broadcast(first_month, len(ci)), broadcast(last_month, len(ci))
        r, m = np.nonzero((months[None, :] >= first_month[:, None]) & (months[None, :] <= last_month[:, None]))
        role = broadcast(role, len(ci))[r]
        for k in range(per_month):
            dom = (3 + k * 14 if per_month > 1 else 8) + rng.integers(0, 9, len(r))
            ts = window.day(m, dom) * SECONDS_PER_DAY + seconds_into_day(rng, len(r), 9, 18)
            channel = rng.choice(3, len(r), p=[0.7, 0.2, 0.1])  # phone, wechat, visit
            channel = np.array([CONTACT_CHANNEL["phone"], CONTACT_CHANNEL["wechat"], CONTACT_CHANNEL["visit"]])[channel]
            if reached:
                outcome = np.full(len(r), OUTCOME["reached"])
            else:
                channel = np.full(len(r), CONTACT_CHANNEL["phone"])
                outcome = np.where(rng.random(len(r)) < 0.75, OUTCOME["no_answer"], OUTCOME["wrong_number"])
            self.contact(ci[r], role, ts, channel, outcome)

    def quiet_routine(self, ci, demand_account, first_month, last_month, salary_cents) -> None:
        """A routine that nets to zero each month: salary on the 5th; bill, card purchase, ATM cash later."""
        rng, window, pool = self.rng, self.window, self.pool
        ci = np.asarray(ci)
        months = np.arange(window.n_months)
        first_month, last_month = broadcast(first_month, len(ci)), broadcast(last_month, len(ci))
        r, m = np.nonzero((months[None, :] >= first_month[:, None]) & (months[None, :] <= last_month[:, None]))
        k = len(r)
        if k == 0:
            return
        c, account, salary = ci[r], demand_account[r], salary_cents[r]
        bill = np.round(salary * rng.uniform(0.04, 0.10, k)).astype(np.int64)
        atm = (salary // 2 // 10_000) * 10_000
        card = salary - bill - atm
        tx = self.transactions
        tx.add(account, window.day(m, 5) * SECONDS_PER_DAY + seconds_into_day(rng, k, 8.5, 11), CREDIT, salary,
               TXN_TYPE["salary"], counterparty_name=self.employer[c], counterparty_bank=self.other_bank(k),
               counterparty_account=self.ctx.details.company_accounts[self.employer[c]], memo=pool.id("代发工资"))
        bills = ("电费", "水费", "燃气费", "话费")
        category = rng.choice(list(bills), k)
        payee = np.empty(k, dtype=np.int64)
        for name in bills:
            sel = category == name
            payee[sel] = pool.pick(rng, f"utility_{name}", int(sel.sum()))
        memo = np.array([pool.id(x) for x in category], dtype=np.int64)
        tx.add(account, window.day(m, 12) * SECONDS_PER_DAY + seconds_into_day(rng, k, 19, 22), DEBIT, bill,
               TXN_TYPE["transfer_out"], TXN_CHANNEL["mobile"], counterparty_name=payee, memo=memo)
        tx.add(account, window.day(m, 18) * SECONDS_PER_DAY + seconds_into_day(rng, k, 11, 21), DEBIT, card,
               TXN_TYPE["transfer_out"], TXN_CHANNEL["pos"], counterparty_name=pool.pick(rng, "merchants", k),
               memo=pool.id("消费"))
        tx.add(account, window.day(m, 24) * SECONDS_PER_DAY + seconds_into_day(rng, k, 9, 20), DEBIT, atm,
               TXN_TYPE["cash_withdrawal"], TXN_CHANNEL["atm"])

    def planted_demand_account(self, ci, opening_cents, opened=None):
        return self.accounts.add(ci, PRODUCT["demand_deposit"], self.pool.id("DD-I"),
                                 self.onboarded[ci] if opened is None else opened, rate=DEMAND_DEPOSIT_RATE,
                                 opening=opening_cents, planted=True)

    def money_leaves(self, ci, account, day, cents, hours=(9, 17), to_firm_share=0.4, memo_null_share=0.5):
        """Money leaving to the customer's account at another bank, or to a securities / fund firm."""
        rng, pool = self.rng, self.pool
        k = len(ci)
        ts = day * SECONDS_PER_DAY + seconds_into_day(rng, k, *hours)
        kind = rng.random(k)
        firm = kind < to_firm_share
        securities = firm & (rng.random(k) < 0.6)
        fund = firm & ~securities
        payee = self.own_name(ci).copy()
        bank = self.other_bank(k)
        payee_account = self.card[ci].copy()
        bank[securities] = pool.pick(rng, "sec_firms", int(securities.sum()))
        firm_index = rng.integers(0, len(FUND_FIRMS), int(fund.sum()))
        bank[fund] = pool.groups["fund_firm_banks"][firm_index]
        payee[fund] = pool.groups["fund_firm_names"][firm_index]
        payee_account[fund] = self.ctx.details.company_accounts[payee[fund]]
        memo = pool.pick(rng, "memo_leave", k)
        memo[securities] = pool.id("银证转账")
        memo[fund] = pool.id("基金申购")
        memo[rng.random(k) < memo_null_share] = -1
        channel = np.array([TXN_CHANNEL["mobile"], TXN_CHANNEL["online"], TXN_CHANNEL["counter"]])[
            rng.choice(3, k, p=[0.5, 0.2, 0.3])]
        self.transactions.add(account, ts, DEBIT, cents, TXN_TYPE["transfer_out"], channel, payee, bank,
                              payee_account, memo)
        return ts

    def product_matures(self, ci, product_account, demand_account, day, principal, interest, is_wealth):
        """Own-bank product matures: interest/yield posting, payout to the demand account (money stays here)."""
        rng, pool = self.rng, self.pool
        k = len(ci)
        t0 = day * SECONDS_PER_DAY + 1200 + rng.integers(0, 600, k)
        own = self.own_name(ci)
        self.transactions.add(product_account, t0, CREDIT, interest, TXN_TYPE["interest"], memo=pool.id("到期结息"))
        total = principal + interest
        memo = np.where(is_wealth, pool.id("理财到期"), pool.id("定期到期"))
        self.transactions.add(product_account, t0 + 30, DEBIT, total, TXN_TYPE["maturity_payout"],
                              counterparty_name=own, counterparty_bank=pool.id(OWN_BANK_CODE),
                              counterparty_account=internal_account(demand_account), memo=memo)
        self.transactions.add(demand_account, t0 + 30, CREDIT, total, TXN_TYPE["maturity_payout"],
                              counterparty_name=own, counterparty_bank=pool.id(OWN_BANK_CODE),
                              counterparty_account=internal_account(product_account), memo=memo)
        return total

    def register_withdrawal(self, ci, out_day, cents, purpose, days_before=(0, 2)):
        """A large-withdrawal registration (大额取现登记) taken days_before (from, to, in days) before the money
        leaves on out_day (or was planned to); returns the day it was taken."""
        rng = self.rng
        k = len(ci)
        registered_day = out_day - rng.integers(days_before[0], days_before[1] + 1, k)
        ts = registered_day * SECONDS_PER_DAY + seconds_into_day(rng, k, 9, 16.5)
        self.registrations.append((np.asarray(ci), ts, np.asarray(out_day), np.asarray(cents), broadcast(purpose, k)))
        return registered_day
