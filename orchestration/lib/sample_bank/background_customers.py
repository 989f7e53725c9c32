"""Background customers: mostly stable mass/affluent customers with salary, bills, card spending, transfers,
interest, fees, maturities that roll over inside the bank, fund instalments and loan repayments.

Their assets are kept clear of the tier floors (docs/rules.md section 3) so that ordinary drift rarely
changes their tier; they carry no label. The steps run in a fixed order and each draws from the chunk's
generator, so the order is part of the output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..contract import STATED_PURPOSES
from .arrays import broadcast, log_uniform, round_to_yuan, seconds_into_day, to_cents
from .calendar import NO_DAY, NO_TIME, SECONDS_PER_DAY
from .catalogue import (
    CONTACT_CHANNEL,
    CREDIT,
    DEBIT,
    DEMAND_DEPOSIT_RATE,
    OUTCOME,
    OWN_BANK_CODE,
    PRODUCT,
    ROLE,
    TIER_ROLE,
    TIME_DEPOSIT_PRODUCTS,
    TXN_CHANNEL,
    TXN_TYPE,
    WEALTH_PRODUCTS,
)
from .chunk import CustomerChunk
from .names import UTILITY_BILLS
from .transactions import internal_account

# Share of background customers onboarded inside the window (their first deposit is in the window).
NEW_CUSTOMER_SHARE = 0.06
# Share of background customers with no income and little activity.
DORMANT_SHARE = 0.08
# Share of background customers who complain once in the window.
COMPLAINT_SHARE = 0.015


@dataclass
class Background:
    """The background customers of a chunk and what their accounts hold (indexes into `customers`)."""
    customers: np.ndarray  # chunk customer index
    segment: np.ndarray  # tier index 1-4
    new: np.ndarray  # onboarded inside the window
    onboarded: np.ndarray  # day number
    total_assets: np.ndarray  # yuan
    shares: dict  # product -> share of total assets held in it
    demand_level: np.ndarray  # cents held in the demand account
    own_name: np.ndarray  # pool index of the customer's name
    own_bank: int  # pool index of OWN_BANK_CODE
    demand: np.ndarray  # position of the main demand-deposit account
    income_kind: np.ndarray = None  # 0 none, 1 salary, 2 pension
    income: np.ndarray = None  # cents a month
    payday: np.ndarray = None  # day of month
    wealth_factor: np.ndarray = None  # spending scale by segment
    activity: np.ndarray = None  # 1, or low for dormant customers

    @property
    def n(self) -> int:
        return len(self.customers)

    @property
    def held_before(self) -> np.ndarray:
        return ~self.new


def build_background(chunk: CustomerChunk) -> None:
    """Accounts, transactions, contacts and complaints of the chunk's background customers and leads."""
    bg = _open_books(chunk)
    if bg is None:
        return
    _income(chunk, bg)
    _own_bank_products(chunk, bg)
    _funds(chunk, bg)
    _insurance(chunk, bg)
    loan_cells = _loans(chunk, bg)
    _second_demand_account(chunk, bg)
    _monthly_activity(chunk, bg, loan_cells)
    _large_cash_withdrawals(chunk, bg)
    _contacts(chunk, bg)
    _leads(chunk)
    _complaints(chunk, bg)


def _open_books(chunk: CustomerChunk) -> Background | None:
    rng, window, pool, tx = chunk.rng, chunk.window, chunk.pool, chunk.transactions
    ci = np.nonzero((chunk.plant_group == 0) & ~chunk.prospect)[0]
    n = len(ci)
    if n == 0:
        return None
    segment = chunk.segment[ci].astype(np.int64)
    new = rng.random(n) < NEW_CUSTOMER_SHARE
    onboarded = np.where(new, rng.integers(window.start_day, max(window.end_day - 20, window.start_day) + 1, n),
                         chunk.onboarded[ci])
    chunk.onboarded[ci] = onboarded
    # total assets by segment, kept clear of the tier floors so that ordinary drift rarely changes the tier
    total_assets = np.select(
        [segment == 1, segment == 2, segment == 3, segment == 4],
        [np.clip(np.exp(rng.normal(math.log(12_000), 0.9, n)), 300, 38_000), log_uniform(rng, 70_000, 440_000, n),
         log_uniform(rng, 600_000, 5_000_000, n), log_uniform(rng, 7_000_000, 30_000_000, n)])
    held_before = ~new
    shares = {}
    # product, chance of holding it by segment (none..private), share of assets when held (from, to)
    for name, chance, lo, hi in (("td", (0, .2, .5, .6, .6), .2, .6), ("wm", (0, .05, .35, .7, .8), .1, .4),
                                 ("fund", (0, .05, .25, .4, .5), .05, .2), ("ins", (0, .03, .15, .3, .4), .05, .15)):
        has = (rng.random(n) < np.array(chance)[segment]) & held_before
        shares[name] = np.where(has, rng.uniform(lo, hi, n), 0.0)
    total_share = sum(shares.values())
    scale = np.where(total_share > 0.85, 0.85 / np.maximum(total_share, 1e-9), 1.0)
    for name, share in shares.items():
        shares[name] = share * scale
    demand_level = to_cents(total_assets * (1 - sum(shares.values())))
    demand_level = np.maximum(demand_level, 10_000)
    own = chunk.own_name(ci)
    own_bank = pool.id(OWN_BANK_CODE)
    demand = chunk.accounts.add(ci, PRODUCT["demand_deposit"], pool.id("DD-I"), onboarded, rate=DEMAND_DEPOSIT_RATE,
                                opening=np.where(new, 0, demand_level))
    if new.any():
        k = int(new.sum())
        cash = rng.random(k) < 0.6
        tx.add(demand[new], onboarded[new] * SECONDS_PER_DAY + seconds_into_day(rng, k, 9.5, 11.5), CREDIT,
               demand_level[new], np.where(cash, TXN_TYPE["cash_deposit"], TXN_TYPE["transfer_in"]),
               np.where(cash, TXN_CHANNEL["counter"], TXN_CHANNEL["mobile"]),
               np.where(cash, -1, own[new]), np.where(cash, -1, chunk.other_bank(k)),
               np.where(cash, 0, chunk.card[ci[new]]), np.where(cash, pool.id("开户存入"), pool.id("他行转入")))
    return Background(ci, segment, new, onboarded, total_assets, shares, demand_level, own, own_bank, demand)


def _income(chunk: CustomerChunk, bg: Background) -> None:
    """Salary or pension by segment; a few dormant customers have none and little activity."""
    rng, n, segment = chunk.rng, bg.n, bg.segment
    u = rng.random(n)
    p_salary = np.array([0, .65, .6, .5, .4])[segment]
    p_pension = np.array([0, .15, .2, .1, .1])[segment]
    dormant = rng.random(n) < DORMANT_SHARE
    bg.income_kind = np.where(dormant, 0, np.where(u < p_salary, 1, np.where(u < p_salary + p_pension, 2, 0)))
    salary_median = np.array([0, 7_000, 15_000, 40_000, 80_000])[segment]
    pension_median = np.array([0, 3_500, 6_000, 9_000, 12_000])[segment]
    income = np.where(bg.income_kind == 1, np.clip(salary_median * np.exp(rng.normal(0, 0.35, n)), 2_500, 300_000),
                      np.where(bg.income_kind == 2, pension_median * np.exp(rng.normal(0, 0.2, n)), 0))
    bg.income = round_to_yuan(income, 1)
    bg.payday = rng.choice([5, 8, 10, 15, 20, 25], n)
    bg.wealth_factor = np.array([0, 1.0, 1.8, 3.0, 5.0])[segment]
    bg.activity = np.where(dormant, 0.08, 1.0)


def _own_bank_products(chunk: CustomerChunk, bg: Background) -> None:
    """Time deposits and wealth products bought before the window; maturities inside the window pay out to the
    demand account and mostly roll over into a new product (the money stays in the bank)."""
    rng, window, pool, tx = chunk.rng, chunk.window, chunk.pool, chunk.transactions
    ci, onboarded, own, own_bank, demand = bg.customers, bg.onboarded, bg.own_name, bg.own_bank, bg.demand

    def bought_before_window(name, product, catalogue):
        c = np.nonzero(bg.shares[name] > 0)[0]
        k = len(c)
        codes = list(catalogue)
        pick = rng.integers(0, len(codes), k)
        term = np.array([catalogue[x][0] for x in codes])[pick]
        rate = np.array([catalogue[x][1] for x in codes])[pick]
        code = np.array([pool.id(x) for x in codes])[pick]
        earliest = np.maximum(onboarded[c], window.start_day - term + 1)
        opened = earliest + (rng.random(k) * (window.start_day - earliest)).astype(np.int64)
        maturity = opened + term
        principal = round_to_yuan(bg.total_assets[c] * bg.shares[name][c], 100)
        position = chunk.accounts.add(ci[c], product, code, opened, maturity,
                                      np.where(maturity <= window.end_day, maturity, NO_DAY), rate, principal)
        return c, position, principal, rate, maturity, np.full(k, product == PRODUCT["wealth_product"]), opened

    held = [bought_before_window("td", PRODUCT["time_deposit"], TIME_DEPOSIT_PRODUCTS),
            bought_before_window("wm", PRODUCT["wealth_product"], WEALTH_PRODUCTS)]
    c, position, principal, rate, maturity, is_wealth, opened = (
        np.concatenate([h[i] for h in held]) for i in range(7))
    for _round in range(8):
        due = maturity <= window.end_day
        if not due.any():
            break
        c, position, principal, rate, maturity, is_wealth, opened = (
            x[due] for x in (c, position, principal, rate, maturity, is_wealth, opened))
        k = len(c)
        interest = np.maximum(np.round(principal * rate / 1e6 * (maturity - opened) / 365), 1).astype(np.int64)
        total = chunk.product_matures(ci[c], position, demand[c], maturity, principal, interest, is_wealth)
        roll_day = maturity + rng.integers(0, 9, k)
        rolls = (rng.random(k) < 0.7) & (roll_day <= window.end_day)
        if not rolls.any():
            break
        c, total, roll_day, is_wealth = c[rolls], total[rolls], roll_day[rolls], is_wealth[rolls]
        k = len(c)
        amount = (total // 10_000) * 10_000
        deposit_codes, wealth_codes = list(TIME_DEPOSIT_PRODUCTS), list(WEALTH_PRODUCTS)
        pick_deposit = rng.integers(0, len(deposit_codes), k)
        pick_wealth = rng.integers(0, len(wealth_codes), k)
        term = np.where(is_wealth, np.array([WEALTH_PRODUCTS[x][0] for x in wealth_codes])[pick_wealth],
                        np.array([TIME_DEPOSIT_PRODUCTS[x][0] for x in deposit_codes])[pick_deposit])
        rate = np.where(is_wealth, np.array([WEALTH_PRODUCTS[x][1] for x in wealth_codes])[pick_wealth],
                        np.array([TIME_DEPOSIT_PRODUCTS[x][1] for x in deposit_codes])[pick_deposit])
        code = np.where(is_wealth, np.array([pool.id(x) for x in wealth_codes])[pick_wealth],
                        np.array([pool.id(x) for x in deposit_codes])[pick_deposit])
        maturity = roll_day + term
        position = chunk.accounts.add(ci[c], np.where(is_wealth, PRODUCT["wealth_product"], PRODUCT["time_deposit"]),
                                      code, roll_day, maturity, np.where(maturity <= window.end_day, maturity, NO_DAY),
                                      rate, 0)
        ts = roll_day * SECONDS_PER_DAY + seconds_into_day(rng, k, 9.5, 16)
        memo = np.where(is_wealth, pool.id("购买理财"), pool.id("转存定期"))
        channel = np.where(rng.random(k) < 0.5, TXN_CHANNEL["counter"], TXN_CHANNEL["mobile"])
        tx.add(demand[c], ts, DEBIT, amount, TXN_TYPE["product_purchase"], channel, own[c], own_bank,
               internal_account(position), memo)
        tx.add(position, ts + 1, CREDIT, amount, TXN_TYPE["product_purchase"], channel, own[c], own_bank,
               internal_account(demand[c]), memo)
        principal, opened = amount, roll_day


def _internal_move(chunk, from_account, to_account, ts, cents, txn_type, channel, own, own_bank, memo):
    """Money moved between two of a customer's own accounts: one debit and one credit at the same time."""
    chunk.transactions.add(from_account, ts, DEBIT, cents, txn_type, channel, own, own_bank,
                           internal_account(to_account), memo)
    chunk.transactions.add(to_account, ts, CREDIT, cents, txn_type, channel, own, own_bank,
                           internal_account(from_account), memo)


def _funds(chunk: CustomerChunk, bg: Background) -> None:
    """Funds opened before the window, some with a monthly instalment (定投), a few redeemed."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    ci, own, own_bank, demand = bg.customers, bg.own_name, bg.own_bank, bg.demand
    fc = np.nonzero(bg.shares["fund"] > 0)[0]
    k = len(fc)
    opened = bg.onboarded[fc] + (rng.random(k) * (window.start_day - bg.onboarded[fc])).astype(np.int64)
    holding = round_to_yuan(bg.total_assets[fc] * bg.shares["fund"][fc], 1)
    kind = rng.random(k)
    full_redeem = kind < 0.05
    closed = np.where(full_redeem, rng.integers(window.start_day + 1, window.end_day + 1, k), NO_DAY)
    fund = chunk.accounts.add(ci[fc], PRODUCT["fund"], pool.pick(rng, "fund_codes", k), opened, closed=closed,
                              opening=holding)
    instalments = (kind > 0.5) & (bg.income_kind[fc] > 0)
    partial = (kind >= 0.05) & (kind < 0.15)
    if full_redeem.any():
        s = full_redeem
        ts = closed[s] * SECONDS_PER_DAY + seconds_into_day(rng, int(s.sum()), 9.5, 15)
        _internal_move(chunk, fund[s], demand[fc[s]], ts, holding[s], TXN_TYPE["product_redemption"],
                       TXN_CHANNEL["mobile"], own[fc[s]], own_bank, pool.id("基金赎回"))
    if partial.any():
        s = partial
        kk = int(s.sum())
        day = rng.integers(window.start_day + 1, window.end_day + 1, kk)
        amount = np.round(holding[s] * rng.uniform(0.1, 0.3, kk)).astype(np.int64)
        ts = day * SECONDS_PER_DAY + seconds_into_day(rng, kk, 9.5, 15)
        _internal_move(chunk, fund[s], demand[fc[s]], ts, amount, TXN_TYPE["product_redemption"],
                       TXN_CHANNEL["mobile"], own[fc[s]], own_bank, pool.id("基金赎回"))
    if instalments.any():
        s = np.nonzero(instalments)[0]
        amount = round_to_yuan(np.minimum(rng.uniform(300, 3_000, len(s)) * bg.wealth_factor[fc[s]],
                                          bg.income[fc[s]] / 100 * 0.2), 100)
        ok = amount > 0
        s, amount = s[ok], amount[ok]
        day_of_month = rng.integers(1, 29, len(s))
        r = np.repeat(np.arange(len(s)), window.n_months)
        m = np.tile(np.arange(window.n_months), len(s))
        day = window.day(m, day_of_month[r])
        keep = day <= window.end_day
        r, day = r[keep], day[keep]
        ts = day * SECONDS_PER_DAY + 7 * 3600 + rng.integers(0, 1800, len(r))
        j = fc[s[r]]
        _internal_move(chunk, demand[j], fund[s[r]], ts, amount[r], TXN_TYPE["product_purchase"], -1, own[j],
                       own_bank, pool.id("基金定投"))


def _insurance(chunk: CustomerChunk, bg: Background) -> None:
    """Insurance sold through the bank (its cash value is AUM); some pay an annual premium."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    ci, own, own_bank, demand = bg.customers, bg.own_name, bg.own_bank, bg.demand
    ic = np.nonzero(bg.shares["ins"] > 0)[0]
    k = len(ic)
    opened = bg.onboarded[ic] + (rng.random(k) * (window.start_day - bg.onboarded[ic])).astype(np.int64)
    policy = chunk.accounts.add(ci[ic], PRODUCT["insurance"], pool.pick(rng, "ins_codes", k), opened,
                                opening=round_to_yuan(bg.total_assets[ic] * bg.shares["ins"][ic], 1))
    premium = rng.random(k) < 0.3
    if premium.any():
        s = premium
        kk = int(s.sum())
        day = rng.integers(window.start_day + 1, window.end_day + 1, kk)
        amount = round_to_yuan(rng.uniform(3_000, 20_000, kk) * bg.wealth_factor[ic[s]], 100)
        ts = day * SECONDS_PER_DAY + 6 * 3600 + rng.integers(0, 3600, kk)
        _internal_move(chunk, demand[ic[s]], policy[s], ts, amount, TXN_TYPE["product_purchase"], -1, own[ic[s]],
                       own_bank, pool.id("保费"))


def _loans(chunk: CustomerChunk, bg: Background) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loans (not AUM): a monthly repayment from the demand account, at most 45 % of income.

    Returns the repayments as (background customer, month, cents), for the monthly budget."""
    rng, window, pool, tx = chunk.rng, chunk.window, chunk.pool, chunk.transactions
    ci, own, own_bank, demand, n = bg.customers, bg.own_name, bg.own_bank, bg.demand, bg.n
    p_loan = np.array([0, .08, .15, .10, .05])[bg.segment]
    lc = np.nonzero((rng.random(n) < p_loan) & bg.held_before & (bg.income_kind > 0))[0]
    k = len(lc)
    if not k:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    loan_kind = rng.choice(3, k, p=[0.6, 0.3, 0.1])  # mortgage, consumer, auto
    outstanding = np.select([loan_kind == 0, loan_kind == 1, loan_kind == 2],
                            [rng.uniform(200_000, 1_500_000, k), rng.uniform(20_000, 200_000, k),
                             rng.uniform(50_000, 300_000, k)])
    months_left = np.where(loan_kind == 0, rng.integers(max(window.n_months + 2, 24), 301, k),
                           rng.integers(window.n_months + 2, window.n_months + 61, k))
    repayment = round_to_yuan(np.minimum(outstanding / months_left, 0.45 * bg.income[lc] / 100), 1)
    ok = repayment > 0
    lc, loan_kind, months_left, repayment = lc[ok], loan_kind[ok], months_left[ok], repayment[ok]
    k = len(lc)
    outstanding_cents = repayment * months_left + round_to_yuan(rng.uniform(0, 1000, k), 1)
    opened = bg.onboarded[lc] + (rng.random(k) * (window.start_day - bg.onboarded[lc])).astype(np.int64)
    codes = np.array([pool.id("LN-MORT"), pool.id("LN-CONS"), pool.id("LN-AUTO")])[loan_kind]
    loan_rate = np.array([30_500, 34_500, 35_000])[loan_kind]
    loan = chunk.accounts.add(ci[lc], PRODUCT["loan"], codes, opened, opened + months_left * 30 + 365, NO_DAY,
                              loan_rate, outstanding_cents)
    day_of_month = rng.integers(1, 29, k)
    r = np.repeat(np.arange(k), window.n_months)
    m = np.tile(np.arange(window.n_months), k)
    day = window.day(m, day_of_month[r])
    keep = day <= window.end_day
    r, day = r[keep], day[keep]
    ts = day * SECONDS_PER_DAY + 6 * 3600 + rng.integers(0, 600, len(r))
    j = lc[r]
    # both legs are debits: the demand account pays, the loan's outstanding balance falls
    tx.add(demand[j], ts, DEBIT, repayment[r], TXN_TYPE["loan_repayment"], -1, own[j], own_bank,
           internal_account(loan[r]), pool.id("贷款还款"))
    tx.add(loan[r], ts, DEBIT, repayment[r], TXN_TYPE["loan_repayment"], -1, own[j], own_bank,
           internal_account(demand[j]), pool.id("贷款还款"))
    return j, m[keep], repayment[r]


def _second_demand_account(chunk: CustomerChunk, bg: Background) -> None:
    """A second demand account closed during the window (its balance moved to the main one)."""
    rng, window, pool, tx = chunk.rng, chunk.window, chunk.pool, chunk.transactions
    ci, own, own_bank, demand = bg.customers, bg.own_name, bg.own_bank, bg.demand
    sc = np.nonzero((rng.random(bg.n) < 0.03) & bg.held_before)[0]
    k = len(sc)
    if not k:
        return
    opened = bg.onboarded[sc] + (rng.random(k) * (window.start_day - bg.onboarded[sc])).astype(np.int64)
    closed = rng.integers(window.start_day + 1, window.end_day + 1, k)
    balance = round_to_yuan(log_uniform(rng, 100, 20_000, k), 0.01)
    second = chunk.accounts.add(ci[sc], PRODUCT["demand_deposit"], pool.id("DD-II"), opened, closed=closed,
                                rate=DEMAND_DEPOSIT_RATE, opening=balance)
    ts = closed * SECONDS_PER_DAY + seconds_into_day(rng, k, 9.5, 16)
    tx.add(second, ts, DEBIT, balance, TXN_TYPE["transfer_out"], TXN_CHANNEL["counter"], own[sc], own_bank,
           internal_account(demand[sc]), pool.id("销户转出"))
    tx.add(demand[sc], ts, CREDIT, balance, TXN_TYPE["transfer_in"], TXN_CHANNEL["counter"], own[sc], own_bank,
           internal_account(second), pool.id("销户转入"))


class _MonthCells:
    """The (background customer, month) cells after onboarding, with the month's credits and debits so far."""

    def __init__(self, chunk: CustomerChunk, bg: Background):
        window = chunk.window
        self.chunk, self.bg, self.rng, self.window = chunk, bg, chunk.rng, window
        r = np.repeat(np.arange(bg.n), window.n_months)
        m = np.tile(np.arange(window.n_months), bg.n)
        active = bg.onboarded[r] < window.month_last[m]
        self.customer, self.month = r[active], m[active]
        self.n = len(self.customer)
        self.credits = np.zeros(self.n, dtype=np.int64)
        self.debits = np.zeros(self.n, dtype=np.int64)
        self.after_day = bg.onboarded[self.customer]  # activity strictly after the opening day

    def spread(self, counts, from_hour, to_hour, day_of_month=None):
        """counts[cell] events per cell, on a random day of the month (or on day_of_month), after opening."""
        window, rng, m = self.window, self.rng, self.month
        cell = np.repeat(np.arange(self.n), counts)
        if day_of_month is None:
            day = window.month_start[m[cell]] + (rng.random(len(cell)) * window.month_days[m[cell]]).astype(np.int64)
        else:
            day = window.day(m[cell], day_of_month[cell] if np.ndim(day_of_month) else day_of_month)
        keep = day > self.after_day[cell]
        cell, day = cell[keep], day[keep]
        return cell, day * SECONDS_PER_DAY + seconds_into_day(rng, len(cell), from_hour, to_hour)

    def post(self, cell, ts, direction, cents, txn_type, channel=-1, counterparty_name=-1, counterparty_bank=-1,
             counterparty_account=0, memo=-1):
        j = self.customer[cell]
        cents = broadcast(cents, len(cell))
        self.chunk.transactions.add(self.bg.demand[j], ts, direction, cents, txn_type, channel, counterparty_name,
                                    counterparty_bank, counterparty_account, memo)
        target = self.credits if direction == CREDIT else self.debits
        target += np.round(np.bincount(cell, weights=cents, minlength=self.n)).astype(np.int64)


def _monthly_activity(chunk: CustomerChunk, bg: Background, loan_cells) -> None:
    """Monthly activity on the main demand account, per (customer, month): income, card purchases, bills, ATM
    cash, counter deposits, person-to-person transfers, fees, quarterly interest, and a credit-card bill that
    takes what is left of the month's income."""
    rng, window, pool, tx = chunk.rng, chunk.window, chunk.pool, chunk.transactions
    ci, own, own_bank, demand = bg.customers, bg.own_name, bg.own_bank, bg.demand
    wealth_factor, activity, income_kind = bg.wealth_factor, bg.activity, bg.income_kind
    cells = _MonthCells(chunk, bg)
    r, m = cells.customer, cells.month
    # salary and pension
    cell, ts = cells.spread((income_kind[r] > 0).astype(np.int64), 8.5, 11.5, bg.payday[r])
    j = r[cell]
    salaried = income_kind[j] == 1
    amount = np.where(salaried & (rng.random(len(cell)) < 0.5),
                      np.round(bg.income[j] * rng.normal(1, 0.03, len(cell))), bg.income[j])
    bonus = salaried & np.isin(window.calendar_month[m[cell]], (1, 2)) & (rng.random(len(cell)) < 0.3)
    amount = np.where(bonus, amount * 2, amount).astype(np.int64)
    cells.post(cell, ts, CREDIT, amount, np.where(salaried, TXN_TYPE["salary"], TXN_TYPE["transfer_in"]), -1,
               np.where(salaried, chunk.employer[ci[j]], pool.groups["pension_payer"][0]),
               np.where(salaried, chunk.other_bank(len(cell)), own_bank),
               np.where(salaried, chunk.ctx.details.company_accounts[chunk.employer[ci[j]]], 0),
               np.where(salaried, np.where(bonus, pool.id("年终奖"), pool.id("代发工资")), pool.id("养老金")))
    # card purchases
    cell, ts = cells.spread(rng.poisson(3.2 * activity[r]), 10, 22)
    j = r[cell]
    amount = to_cents(np.clip(np.exp(rng.normal(math.log(60), 0.9, len(cell))) * wealth_factor[j], 1, 20_000))
    cells.post(cell, ts, DEBIT, amount, TXN_TYPE["transfer_out"], TXN_CHANNEL["pos"],
               pool.pick(rng, "merchants", len(cell)), memo=np.where(rng.random(len(cell)) < 0.4, pool.id("消费"), -1))
    # bills
    cell, ts = cells.spread(rng.poisson(1.1 * activity[r]), 8, 23)
    j = r[cell]
    kk = len(cell)
    bill = rng.choice(5, kk, p=[0.35, 0.2, 0.15, 0.1, 0.2])  # index into UTILITY_BILLS
    lo = np.array([80, 30, 30, 150, 30])[bill]
    hi = np.array([400, 120, 200, 800, 200])[bill]
    amount = to_cents(rng.uniform(lo, hi) * np.sqrt(wealth_factor[j]))
    payee = np.empty(kk, dtype=np.int64)
    for q, name in enumerate(UTILITY_BILLS):
        sel = bill == q
        payee[sel] = pool.pick(rng, f"utility_{name}", int(sel.sum()))
    cells.post(cell, ts, DEBIT, amount, TXN_TYPE["transfer_out"],
               np.where(rng.random(kk) < 0.8, TXN_CHANNEL["mobile"], TXN_CHANNEL["online"]), payee,
               memo=np.array([pool.id(x) for x in UTILITY_BILLS])[bill])
    # ATM cash
    cell, ts = cells.spread(rng.poisson(0.35 * activity[r]), 7, 23)
    j = r[cell]
    amount = np.array([200, 300, 500, 800, 1000, 1500, 2000, 3000])[rng.integers(0, 8, len(cell))] * 100
    amount = amount * np.where(wealth_factor[j] > 1, 2, 1)
    cells.post(cell, ts, DEBIT, amount.astype(np.int64), TXN_TYPE["cash_withdrawal"], TXN_CHANNEL["atm"])
    # counter cash deposits
    cell, ts = cells.spread(rng.poisson(0.08 * activity[r]), 9, 16.5)
    cells.post(cell, ts, CREDIT, round_to_yuan(rng.uniform(500, 20_000, len(cell)), 100), TXN_TYPE["cash_deposit"],
               TXN_CHANNEL["counter"], memo=np.where(rng.random(len(cell)) < 0.5, pool.id("现金存入"), -1))
    # person-to-person transfers
    for direction, rate, txn_type, memo_group in ((DEBIT, 0.35, "transfer_out", "memo_p2p_out"),
                                                  (CREDIT, 0.25, "transfer_in", "memo_p2p_in")):
        cell, ts = cells.spread(rng.poisson(rate * activity[r]), 7, 23.9)
        kk = len(cell)
        j = r[cell]
        amount = round_to_yuan(log_uniform(rng, 100, 5_000, kk) * wealth_factor[j], 1)
        here = rng.random(kk) < 0.25
        cells.post(cell, ts, direction, amount, TXN_TYPE[txn_type],
                   np.where(rng.random(kk) < 0.85, TXN_CHANNEL["mobile"], TXN_CHANNEL["online"]),
                   pool.pick(rng, "names", kk), np.where(here, own_bank, chunk.other_bank(kk)),
                   rng.integers(6_210_000_000_000_000, 6_299_999_999_999_999, kk),
                   np.where(rng.random(kk) < 0.3, -1, pool.pick(rng, memo_group, kk)))
    # fees: SMS notice monthly for some (2 yuan), an annual fee (10 yuan) once for a few
    sms = rng.random(bg.n) < 0.3
    cell, ts = cells.spread(sms[r].astype(np.int64), 1, 1.5, 25)
    cells.post(cell, ts, DEBIT, np.full(len(cell), 200), TXN_TYPE["fee"], memo=pool.id("短信服务费"))
    fee_month = rng.integers(0, window.n_months, bg.n)
    annual = rng.random(bg.n) < 0.15
    cell, ts = cells.spread((annual[r] & (m == fee_month[r])).astype(np.int64), 1, 1.5, 15)
    cells.post(cell, ts, DEBIT, np.full(len(cell), 1000), TXN_TYPE["fee"], memo=pool.id("年费"))
    # quarterly interest on the 21st (结息)
    quarter_end = np.isin(window.calendar_month[m], (3, 6, 9, 12))
    cell, ts = cells.spread(quarter_end.astype(np.int64), 0.5, 0.6, 21)
    j = r[cell]
    cells.post(cell, ts, CREDIT, np.maximum(np.round(bg.demand_level[j] * 0.0005 / 4), 1).astype(np.int64),
               TXN_TYPE["interest"], memo=pool.id("结息"))
    # loan repayments count in the monthly budget
    if len(loan_cells[0]):
        key = loan_cells[0] * window.n_months + loan_cells[1]
        cell_key = r * window.n_months + m
        idx = np.searchsorted(cell_key, key)
        np.add.at(cells.debits, idx, loan_cells[2])
    # what is left of the month's income goes to a credit-card bill (own bank or another bank's card)
    left_over = cells.credits - cells.debits
    pays = (left_over > 10_000) & (income_kind[r] > 0)
    cell, ts = cells.spread(pays.astype(np.int64), 8, 22, rng.integers(18, 29, cells.n))
    kk = len(cell)
    j = r[cell]
    amount = np.round(left_over[cell] * rng.uniform(0.8, 1.0, kk)).astype(np.int64)
    here = rng.random(kk) < 0.5
    tx.add(demand[j], ts, DEBIT, amount, TXN_TYPE["transfer_out"], TXN_CHANNEL["mobile"], own[j],
           np.where(here, own_bank, chunk.other_bank(kk)), chunk.card[ci[j]], pool.id("信用卡还款"))


def _large_cash_withdrawals(chunk: CustomerChunk, bg: Background) -> None:
    """Large cash withdrawals with a registration (wealthy customers, well under 30 % of assets)."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    wc = np.nonzero((bg.segment >= 3) & bg.held_before & (rng.random(bg.n) < 0.12))[0]
    amount = round_to_yuan(np.minimum(rng.uniform(50_000, 120_000, len(wc)), bg.total_assets[wc] * 0.08), 1000)
    ok = amount >= 5_000_000  # 50,000 yuan: the registration threshold
    wc, amount = wc[ok], amount[ok]
    if not len(wc):
        return
    k = len(wc)
    day = rng.integers(window.start_day + 3, window.end_day + 1, k)
    chunk.transactions.add(bg.demand[wc], day * SECONDS_PER_DAY + seconds_into_day(rng, k, 9.5, 16), DEBIT, amount,
                           TXN_TYPE["cash_withdrawal"], TXN_CHANNEL["counter"],
                           memo=np.where(rng.random(k) < 0.5, pool.id("备用金"), -1))
    purpose = rng.choice(len(STATED_PURPOSES), k, p=[0.1, 0.1, 0.05, 0.1, 0.25, 0.4])
    chunk.register_withdrawal(bg.customers[wc], day, amount, purpose)


def _contacts(chunk: CustomerChunk, bg: Background) -> None:
    """Contacts by tier: private 4, wealth 2 a month, affluent most months, mass now and then."""
    rng, window = chunk.rng, chunk.window
    segment = bg.segment
    r = np.repeat(np.arange(bg.n), window.n_months)
    m = np.tile(np.arange(window.n_months), bg.n)
    alive = bg.onboarded[r] <= window.month_last[m]
    r, m = r[alive], m[alive]
    cell_segment = segment[r]
    count = np.select([cell_segment == 4, cell_segment == 3, cell_segment == 2],
                      [rng.poisson(3.5, len(r)), rng.poisson(1.8, len(r)), (rng.random(len(r)) < 0.7).astype(np.int64)],
                      (rng.random(len(r)) < 0.2).astype(np.int64))
    cell = np.repeat(np.arange(len(r)), count)
    kk = len(cell)
    day = window.month_start[m[cell]] + (rng.random(kk) * window.month_days[m[cell]]).astype(np.int64)
    ts = day * SECONDS_PER_DAY + seconds_into_day(rng, kk, 9, 18)
    j = r[cell]
    reach = np.where(segment[j] >= 3, 0.8, np.where(segment[j] == 2, 0.65, 0.5))
    u = rng.random(kk)
    outcome = np.select([u < reach, u < reach + 0.25, u < reach + 0.32],
                        [OUTCOME["reached"], OUTCOME["no_answer"], OUTCOME["refused"]], OUTCOME["wrong_number"])
    channels = np.array([CONTACT_CHANNEL["phone"], CONTACT_CHANNEL["wechat"], CONTACT_CHANNEL["visit"],
                         CONTACT_CHANNEL["sms"]])
    channel = channels[rng.choice(4, kk, p=[0.6, 0.2, 0.15, 0.05])]
    chunk.contact(bg.customers[j], TIER_ROLE[segment[j]], ts, channel, outcome)


def _leads(chunk: CustomerChunk) -> None:
    """Leads: many are recent (onboarded inside the window); some get a marketing call."""
    rng, window = chunk.rng, chunk.window
    lead = np.nonzero((chunk.plant_group == 0) & chunk.prospect)[0]
    recent = rng.random(len(lead)) < 0.4
    chunk.onboarded[lead[recent]] = rng.integers(window.start_day, window.end_day + 1, int(recent.sum()))
    lead = lead[rng.random(len(lead)) < 0.3]
    if not len(lead):
        return
    k = len(lead)
    day = np.maximum(rng.integers(window.start_day, window.end_day + 1, k), chunk.onboarded[lead])
    day = np.minimum(day, window.end_day)
    u = rng.random(k)
    chunk.contact(lead, ROLE["lobby_manager"], day * SECONDS_PER_DAY + seconds_into_day(rng, k, 9, 18),
                  CONTACT_CHANNEL["phone"],
                  np.where(u < 0.4, OUTCOME["reached"], np.where(u < 0.8, OUTCOME["no_answer"], OUTCOME["refused"])))


def _complaints(chunk: CustomerChunk, bg: Background) -> None:
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    cc = bg.customers[rng.random(bg.n) < COMPLAINT_SHARE]
    if not len(cc):
        return
    k = len(cc)
    lo = np.maximum(chunk.onboarded[cc] + 1, window.start_day)
    day = lo + (rng.random(k) * (window.end_day + 1 - lo)).astype(np.int64)
    day = np.minimum(day, window.end_day)
    created = day * SECONDS_PER_DAY + seconds_into_day(rng, k, 9, 20)
    resolved = np.where(rng.random(k) < 0.8, created + rng.integers(1, 20, k) * SECONDS_PER_DAY, NO_TIME)
    resolved = np.where(resolved > window.end_ts, NO_TIME, resolved)
    chunk.complaints.append((cc, created, pool.pick(rng, "complaint_all", k), resolved))
