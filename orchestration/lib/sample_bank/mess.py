"""Real mess at realistic low rates, so a first run shows the quarantine and the warnings working
(docs/rules.md sections 3, 8 and 9).

What is planted, and what the pipeline should make of it (each instance is listed in
`_ground_truth/mess.csv`: table, key, column, kind, outcome, reason; never a value):
- placeholder contact values (无, -, n/a, spaces, 00000000000 ...) in mobile_phone, email and address: NULL from
  staging on, counted as missing in contact quality (dbt var `contact_placeholders`);
- malformed contact values (a mobile of the wrong length, an e-mail without a usable @ or domain): kept, a
  warning of the raw contact-quality suite;
- overdrafts: demand accounts that dip below zero mid-month and are repaid a few days later, and some that
  stay below zero to the window end: AUM clamps each account at 0 and reports the overdraft beside it;
- a foreign-currency book: demand accounts in USD, HKD, EUR, JPY and GBP with an `fx_rates` table of working-day
  rates over the window; GBP's first rate comes after its accounts opened (months before it convert at the
  first rate, and the accounts load warns); one account in AUD, which has no rate (quarantined);
- customers onboarded, and accounts opened, in the days after the last transaction day: kept, not part of
  that as-of's marts, counted as a data-window warning;
- a second file of the same delivery, `<table>/<table>.resent.csv` (always CSV): rows sent again unchanged
  and rows sent again with the same key and a changed value (both quarantined as duplicates, the first
  occurrence kept), orphans (transactions of an unknown account, accounts of an unknown customer), rows with
  a value the contract rejects (a timestamp that is no date, an unknown channel code), and late rows held back
  from the main file (accepted). The file name sorts after `<table>.csv` and before dated daily files
  (`<table>_YYYY-MM-DD.csv`), and it holds no row of the window's last `RESENT_CLEAR_DAYS` days, so a daily
  delivery split off the last day (daily_delivery.py) stays that day's only source.

Mess touches only background customers (never a planted one, whose labels must stay exact) and draws from
its own random stream, so the rest of the bank is the same with or without it; rows it adds have their own
id ranges (customers C9..., accounts A9..., transactions T9..., contacts K9...; unknown references A8..., C8...).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrays import ascii_digits, log_uniform, round_to_yuan, seconds_into_day
from .arrow_columns import date_column, decimal_column, fixed_width_strings, table_schema
from .calendar import NO_DAY, SECONDS_PER_DAY, DataWindow
from .catalogue import CREDIT, DEBIT, DEMAND_DEPOSIT_RATE, PRODUCT, TXN_CHANNEL, TXN_TYPE

RESENT_SUFFIX = ".resent"  # landing/<table>/<table>.resent.csv
# No resent row (duplicate, late, orphan, bad value) is dated in the window's last days (days).
RESENT_CLEAR_DAYS = 3
# A separate random stream per chunk: SeedSequence([seed, chunk + 1, MESS_STREAM]) (and [seed, 0, ...] for fx).
MESS_STREAM = 99


@dataclass(frozen=True)
class MessRates:
    """How much mess to plant. Every share is of the background (unplanted) rows it names, 0-1; a kind with a
    share above 0 gets at least one instance per chunk where it has candidates. 0 everywhere: a clean bank."""

    # customers with a placeholder (无, -, n/a, spaces, 00000000000...), per field (mobile_phone, email,
    # address): banks see ~1 % of filled-in-to-pass-validation values
    contact_placeholder_share: float = 0.01
    # customers with a malformed value, per field (mobile_phone: wrong length; email: no usable @ or domain),
    # on top of the clean bank's 1.5 % malformed mobiles
    contact_malformed_share: float = 0.005
    # customers whose main demand account dips below zero mid-month and is repaid within a week
    overdraft_share: float = 0.005
    # customers whose main demand account goes below zero in the last full month and stays there
    overdraft_staying_share: float = 0.002
    # customers with a foreign-currency demand account (USD, HKD, EUR, JPY, GBP); plus one AUD account
    # per bank, a currency with no rate
    foreign_currency_share: float = 0.01
    # customers onboarded 1-5 days after the last transaction day (half open an account the same day)
    after_as_of_share: float = 0.003
    # transactions and contact logs sent again unchanged in the second file
    exact_duplicate_share: float = 0.001
    # transactions (amount changed) and customers (mobile/address changed) sent again with the same key
    conflicting_duplicate_share: float = 0.0005
    # transactions sent again under an account_id the extract does not hold
    orphan_transaction_share: float = 0.0002
    # accounts sent again under a customer_id the extract does not hold
    orphan_account_share: float = 0.001
    # transactions with a timestamp that is no date, contact logs with an unknown channel code
    bad_value_share: float = 0.0002
    # transactions and contact logs held back from the main file and delivered in the second file
    late_row_share: float = 0.001

    def scaled(self, factor: float) -> MessRates:
        if factor < 0:
            raise ValueError("mess_rate must be 0 or more")
        return replace(self, **{f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)})

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) > 0 for f in fields(self))


DEFAULT_MESS = MessRates()
NO_MESS = MessRates(**{f.name: 0.0 for f in fields(MessRates)})

PLACEHOLDERS = ("无", "-", "n/a", "  ", "00000000000", "不详", "暂无", "NULL")
# currency, share of foreign-currency accounts, CNY per unit at the window start, daily volatility (share)
FX_CURRENCIES = (("USD", 0.5, 7.12, 0.002), ("HKD", 0.25, 0.915, 0.002), ("EUR", 0.13, 7.75, 0.003),
                 ("JPY", 0.07, 0.0475, 0.004), ("GBP", 0.05, 9.05, 0.003))
CURRENCY_WITHOUT_RATE = "AUD"
GBP_FIRST_RATE_MONTH = 3  # GBP rates start at this window month (0 = first): earlier months use the first rate
FOREIGN_BANKS = ("汇丰银行(香港)", "渣打银行(香港)", "花旗银行(纽约)", "德意志银行(法兰克福)", "三菱日联银行(东京)")
MESS_STRINGS = ("DD-FX", "境外汇款", "结息", "转账", "还款", "透支消费") + FOREIGN_BANKS

GROUND_TRUTH_FILE = "mess"
GROUND_TRUTH_COLUMNS = ["table", "key", "column", "kind", "outcome", "reason"]
DUPLICATE_REASON = "duplicate {key} (first occurrence kept)"


def register_strings(pool) -> None:
    for s in MESS_STRINGS:
        pool.id(s)
    pool.add_group("foreign_banks", list(FOREIGN_BANKS))


def _count(share: float, n: int) -> int:
    if share <= 0 or n <= 0:
        return 0
    return int(min(n, max(1, round(share * n))))


def _ids(prefix: str, start: int, n: int, width: int) -> pa.Array:
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    mat = np.concatenate([np.broadcast_to(p, (n, len(p))), ascii_digits(start + np.arange(n), width)], axis=1)
    return fixed_width_strings(mat)


def fx_rates_table(seed: int, window: DataWindow) -> pa.Table:
    """Working-day rates (CNY per unit, six decimals) from shortly before the window to its last day."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0, MESS_STREAM])))
    days = np.arange(window.start_day - 10, window.end_day + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday: 0 = Monday
    days = days[weekday < 5]
    currency, rate_day, units = [], [], []
    for code, _share, base, vol in FX_CURRENCIES:
        d = days if code != "GBP" else days[days >= window.month_start[min(GBP_FIRST_RATE_MONTH,
                                                                             window.n_months - 1)]]
        walk = base * np.exp(np.cumsum(rng.normal(0, vol, len(d))))
        currency += [code] * len(d)
        rate_day.append(d)
        units.append(np.round(walk * 1_000_000).astype(np.int64))
    return pa.table({
        "currency": pa.array(currency, pa.string()),
        "rate_date": date_column(np.concatenate(rate_day)),
        "cny_per_unit": decimal_column(np.concatenate(units), 6),
    }, schema=table_schema("fx_rates"))


def as_text(table: pa.Table) -> pa.Table:
    """Every column as text, as the CSV writer renders it (the second file holds values no type can)."""
    return pa.table({name: table[name].cast(pa.string()) for name in table.column_names})


class ChunkMess:
    """The mess of one chunk: applied to its arrays and tables in the order bank._chunk_tables builds them."""

    def __init__(self, chunk, rates: MessRates, index: int, counters: dict):
        self.chunk, self.rates, self.counters = chunk, rates, counters
        self.window, self.pool = chunk.window, chunk.pool
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([chunk.ctx.seed, index + 1,
                                                                               MESS_STREAM])))
        self.background = chunk.plant_group == 0
        self.truth: list[tuple] = []  # (table, key, column, kind, outcome, reason)
        self.resent: dict[str, list[pa.Table]] = {}
        self.last_clear_ts = (self.window.end_day + 1 - RESENT_CLEAR_DAYS) * SECONDS_PER_DAY  # resent rows before

    def _next(self, name: str, n: int) -> int:
        start = self.counters.get(name, 0) + 1
        self.counters[name] = start - 1 + n
        return start

    def _note(self, table, keys, column, kind, outcome, reason="") -> None:
        for key in keys:
            self.truth.append((table, str(key), column, kind, outcome, reason))

    def _resend(self, table: str, rows: pa.Table) -> None:
        if rows.num_rows:
            self.resent.setdefault(table, []).append(as_text(rows))

    def _pick(self, candidates: np.ndarray, share: float, exclude=None, of: int | None = None) -> np.ndarray:
        """round(share * of) of the candidates (of: how many rows the share is of; default the candidates),
        at least one when the share is above 0, at most all of them."""
        if exclude is not None and len(exclude):
            candidates = np.setdiff1d(candidates, exclude)
        k = min(len(candidates), _count(share, len(candidates) if of is None else of))
        return np.sort(self.rng.choice(candidates, k, replace=False)) if k else np.zeros(0, np.int64)

    # ------------------------------------------------------------------ customers (main file, in place)
    def customers(self, table: pa.Table) -> tuple[pa.Table, int]:
        """Placeholders and malformed values in contact fields; walk-in leads onboarded after the last day.
        Returns the table and the number of leads appended (their chunk indexes follow the chunk's)."""
        rng, rates = self.rng, self.rates
        background = np.nonzero(self.background)[0]
        ids = table["customer_id"].to_numpy(zero_copy_only=False)
        columns = {c: table[c].to_numpy(zero_copy_only=False).astype(object) for c in ("mobile_phone", "email",
                                                                                       "address")}
        touched = np.zeros(0, np.int64)
        for column, values in columns.items():
            chosen = self._pick(background, rates.contact_placeholder_share)
            touched = np.union1d(touched, chosen)
            values[chosen] = np.array(PLACEHOLDERS, dtype=object)[rng.integers(0, len(PLACEHOLDERS),
                                                                                      len(chosen))]
            self._note("customers", ids[chosen], column, "placeholder", "missing",
                       "placeholder: NULL from staging on")
            if column == "address":
                continue
            malformed = self._pick(background, rates.contact_malformed_share, exclude=chosen)
            touched = np.union1d(touched, malformed)
            values[malformed] = self._malformed(column, len(malformed))
            self._note("customers", ids[malformed], column, "malformed", "warning",
                       "does not match the raw contact-quality pattern")
        for column, values in columns.items():
            table = table.set_column(table.column_names.index(column), column,
                                     pa.array(values.tolist(), pa.string()))
        # a changed copy sent again under the same key: the first occurrence (main file) is kept
        conflicting = self._pick(background, rates.conflicting_duplicate_share)
        if len(conflicting):
            copy = table.take(pa.array(conflicting))
            changed = self._malformed("mobile_phone", len(conflicting))  # re-keyed by hand at a branch
            copy = copy.set_column(copy.column_names.index("mobile_phone"), "mobile_phone",
                                   pa.array(changed.tolist(), pa.string()))
            self._resend("customers", copy)
            self._note("customers", ids[conflicting], "", "conflicting_duplicate", "quarantined",
                       DUPLICATE_REASON.format(key="customer_id"))
        # walk-in leads onboarded after the last transaction day: each column from another random customer
        k = _count(rates.after_as_of_share, len(background))
        donors = np.setdiff1d(background, touched)
        self.after_as_of = k = min(k, len(donors))
        if not k:
            return table, 0
        new_ids = _ids("C9", self._next("customers", k), k, 8)
        rows = {}
        for name in table.column_names:  # each column from another customer: nobody's details are copied whole
            rows[name] = table[name].take(pa.array(rng.choice(donors, k)))
        branch_donor = rng.choice(donors, k)
        self.after_as_of_branch = self.chunk.home_branch[branch_donor]
        rows["home_branch_id"] = table["home_branch_id"].take(pa.array(branch_donor))
        rows["customer_id"] = new_ids
        self.after_as_of_days = self.window.end_day + rng.integers(1, 6, k)
        rows["onboarded_date"] = date_column(self.after_as_of_days)
        rows["relationship_manager_id"] = pa.nulls(k, pa.string())
        leads = pa.table(rows, schema=table.schema)
        self._note("customers", new_ids.to_pylist(), "onboarded_date", "after_as_of", "warning",
                   "dated after the last transaction day: not part of that as-of's marts")
        return pa.concat_tables([table, leads]), k

    def _malformed(self, column: str, n: int) -> np.ndarray:
        rng = self.rng
        if column == "mobile_phone":
            digits = rng.integers(3, 10, n).astype(str)  # 13x..19x
            body = [f"1{d}{rng.integers(10**8, 10**9)}" for d in digits]  # 11 digits
            cut = rng.random(n) < 0.5
            return np.array([b[:9] if c else b + str(rng.integers(0, 10)) for b, c in zip(body, cut)], dtype=object)
        users = [f"user{rng.integers(1000, 99999)}" for _ in range(n)]
        forms = ("{u}#qq.com", "{u}@163", "{u}@@126.com", "{u} @sina.com", "{u}.qq.com")
        return np.array([forms[rng.integers(0, len(forms))].format(u=u) for u in users], dtype=object)

    # ------------------------------------------------------------------ accounts (numpy, before the chain)
    def extra_accounts(self, accounts: dict, n_customers: int) -> dict:
        """Foreign-currency accounts, the after-as-of leads' accounts and the account in a currency with no
        rate, as AccountRows-style arrays (customer = chunk index; leads follow the chunk's customers)."""
        rng, window, pool, rates = self.rng, self.window, self.pool, self.rates
        chunk = self.chunk
        funded = np.unique(accounts["customer"][accounts["product"] == PRODUCT["demand_deposit"]])
        holders = np.intersect1d(funded, np.nonzero(self.background & (chunk.onboarded < window.start_day - 60))[0])
        fx = self._pick(holders, rates.foreign_currency_share)
        codes = [c for c, *_ in FX_CURRENCIES]
        shares = np.array([s for _, s, *_ in FX_CURRENCIES])
        currency = list(np.array(codes, dtype=object)[rng.choice(len(codes), len(fx), p=shares / shares.sum())])
        if len(fx) >= 3 and "GBP" not in currency:
            currency[-1] = "GBP"  # the currency whose rates start late, so its warning shows
        no_rate = np.zeros(0, np.int64)
        others = np.setdiff1d(holders, fx)
        if self.counters.get("no_rate_accounts", 0) == 0 and rates.foreign_currency_share > 0 and len(others):
            no_rate = others[rng.integers(0, len(others), 1)]  # one per bank
            self.counters["no_rate_accounts"] = 1
        k_fx, k_none = len(fx), len(no_rate)
        # the book opens in the window's first weeks, after each currency's first rate (the rates start 10
        # days before the window), but GBP's accounts open before GBP's late first rate
        gbp_first = window.month_start[min(GBP_FIRST_RATE_MONTH, window.n_months - 1)]
        lo = np.full(k_fx + k_none, window.start_day)
        hi = np.where(np.array(currency + [CURRENCY_WITHOUT_RATE] * k_none) == "GBP", gbp_first,
                      np.minimum(window.start_day + 60, window.end_day))
        opened = lo + (rng.random(k_fx + k_none) * np.maximum(hi - lo, 1)).astype(np.int64)
        units = round_to_yuan(log_uniform(rng, 500, 50_000, k_fx + k_none), 0.01)
        units = np.where(np.array(currency + [CURRENCY_WITHOUT_RATE] * k_none) == "JPY", units * 100, units)
        lead_count = getattr(self, "after_as_of", 0)
        opens = np.nonzero(rng.random(lead_count) < 0.5)[0]
        lead_customer = n_customers + opens
        lead_day = self.after_as_of_days[opens] if lead_count else np.zeros(0, np.int64)
        k_lead = len(opens)
        k = k_fx + k_none + k_lead
        extra = {
            "customer": np.concatenate([fx, no_rate, lead_customer]).astype(np.int64),
            "product": np.full(k, PRODUCT["demand_deposit"], np.int8),
            "code": np.concatenate([np.full(k_fx + k_none, pool.id("DD-FX")), np.full(k_lead, pool.id("DD-I"))]),
            "opened": np.concatenate([opened, lead_day]).astype(np.int64),
            "maturity": np.full(k, NO_DAY), "closed": np.full(k, NO_DAY),
            "rate": np.full(k, DEMAND_DEPOSIT_RATE),
            "opening": np.concatenate([units, np.zeros(k_lead, np.int64)]).astype(np.int64),
            "planted": np.zeros(k, bool),
            "currency": np.array(currency + [CURRENCY_WITHOUT_RATE] * k_none + ["CNY"] * k_lead, dtype=object),
            "branch": np.concatenate([chunk.home_branch[fx], chunk.home_branch[no_rate],
                                      self.after_as_of_branch[opens] if lead_count else np.zeros(0, np.int64)]),
        }
        self.fx_currency = currency
        self.extra_ids = _ids("A9", self._next("accounts", k), k, 9)
        ids = self.extra_ids.to_pylist()
        self.fx_accounts = np.arange(k_fx)  # positions within the extra accounts
        for i, cur in enumerate(currency):
            self._note("accounts", [ids[i]], "currency", "foreign_currency" if cur != "GBP" else
                       "fx_before_first_rate", "accepted" if cur != "GBP" else "warning",
                       "converted at the latest fx rate on or before each month end" if cur != "GBP" else
                       "fx rate used for months before its first rate_date")
        self._note("accounts", ids[k_fx:k_fx + k_none], "currency", "currency_without_rate", "quarantined",
                   "currency has no rate in fx_rates")
        self._note("accounts", ids[k_fx + k_none:], "opened_date", "after_as_of", "warning",
                   "dated after the last transaction day: not part of that as-of's marts")
        return extra

    # ------------------------------------------------------------------ transactions (numpy, after the chain)
    def transactions(self, accounts: dict, txns: dict, balance: np.ndarray, account_ids: pa.Array,
                     n_clean_accounts: int) -> tuple[dict, np.ndarray]:
        """Overdrafts (debits that take a main demand account below zero, mostly repaid within a week) and the
        foreign-currency accounts' transactions. Returns the rows to append, with their balance_after;
        `balance` is changed in place for the rows an overdraft moves."""
        rng, window, pool, rates = self.rng, self.window, self.pool, self.rates
        chunk = self.chunk
        by_account = np.argsort(txns["account"], kind="stable")
        sorted_account = txns["account"][by_account]
        main = np.nonzero((accounts["product"][:n_clean_accounts] == PRODUCT["demand_deposit"])
                          & (accounts["code"][:n_clean_accounts] == pool.id("DD-I"))
                          & (accounts["closed"][:n_clean_accounts] == NO_DAY)
                          & ~accounts["planted"][:n_clean_accounts]
                          & (accounts["opened"][:n_clean_accounts] < window.start_day))[0]
        owner = accounts["customer"][main]
        # mass customers: an overdraft of a few thousand yuan on an everyday account
        main = main[self.background[owner] & (chunk.starting_tier[owner] == 1)]
        counts = np.searchsorted(sorted_account, main, side="right") - np.searchsorted(sorted_account, main)
        main = main[counts >= 20]  # active accounts: an overdraft on a dormant one would be odd
        n_background = int(self.background.sum())
        dips = self._pick(main, rates.overdraft_share, of=n_background)
        staying = self._pick(main, rates.overdraft_staying_share, exclude=dips, of=n_background)
        added = {f: [] for f in txns}
        added_balance = []
        own_bank_card = chunk.card
        for account, stays in [(a, False) for a in dips] + [(a, True) for a in staying]:
            lo, hi = np.searchsorted(sorted_account, account), np.searchsorted(sorted_account, account, "right")
            rows = by_account[lo:hi]  # this account's transactions in time order
            month = (window.full_months - 1) if stays else rng.integers(1, max(window.full_months - 1, 2))
            t = window.day(month, rng.integers(8, 16)) * SECONDS_PER_DAY + 12 * 3600 + 7
            before = rows[txns["ts"][rows] <= t]
            start = balance[before[-1]] if len(before) else accounts["opening"][account]
            depth = round_to_yuan(rng.uniform(300, 5_000), 1)
            later = rows[txns["ts"][rows] > t]
            if stays:
                t_back = None
                rise = max(0, int(balance[later].max() - start)) if len(later) else 0
                debit = int(start + depth + rise)
                balance[later] -= debit
            else:
                t_back = t + int(rng.integers(2, 7)) * SECONDS_PER_DAY + 3600
                debit = int(start + depth)
                between = later[txns["ts"][later] <= t_back]
                balance[between] -= debit
            customer = accounts["customer"][account]
            new_rows = [(t, DEBIT, debit, TXN_TYPE["transfer_out"], TXN_CHANNEL["pos"],
                         pool.pick(rng, "merchants", 1)[0], -1, 0, pool.id("透支消费"), start - debit)]
            if t_back is not None:
                back_before = rows[txns["ts"][rows] <= t_back]
                level = balance[back_before[-1]] if len(back_before) and txns["ts"][back_before[-1]] > t else \
                    start - debit
                new_rows.append((t_back, CREDIT, debit, TXN_TYPE["transfer_in"], TXN_CHANNEL["mobile"],
                                 chunk.name[customer], pool.pick(rng, "banks", 1)[0], own_bank_card[customer],
                                 pool.id("还款"), level + debit))
            for ts, direction, cents, ttype, chan, cpn, cpb, cpa, memo, bal in new_rows:
                for f, v in zip(("account", "ts", "direction", "cents", "txn_type", "channel", "counterparty_name",
                                 "counterparty_bank", "counterparty_account", "memo"),
                                (account, ts, direction, cents, ttype, chan, cpn, cpb, cpa, memo)):
                    added[f].append(v)
                added_balance.append(bal)
            self._note("accounts", [account_ids[int(account)].as_py()], "", "overdraft_to_window_end" if stays else
                       "overdraft_repaid", "accepted", "AUM clamps the account at 0 and reports the overdraft")
        # foreign-currency accounts: an inward remittance and the quarterly interest (结息), never below zero
        for position in getattr(self, "fx_accounts", []):
            account = n_clean_accounts + position
            unit = 100 if self.fx_currency[position] == "JPY" else 1  # yen amounts run 100 times larger
            customer = accounts["customer"][account]
            level = int(accounts["opening"][account])
            events = []
            opened = int(accounts["opened"][account])
            day = opened + 1 + int(rng.integers(0, max(window.end_day - RESENT_CLEAR_DAYS - opened, 1)))
            events.append((day * SECONDS_PER_DAY + int(seconds_into_day(rng, 1, 9, 16)[0]),
                           CREDIT, int(round_to_yuan(log_uniform(rng, 200, 5_000, 1), 1)[0]) * unit,
                           TXN_TYPE["transfer_in"], TXN_CHANNEL["counter"], chunk.name[customer],
                           pool.pick(rng, "foreign_banks", 1)[0], int(rng.integers(10**9, 10**12)),
                           pool.id("境外汇款")))
            for q in np.nonzero(np.isin(window.calendar_month, (3, 6, 9, 12))
                                & (window.month_start + 20 <= window.end_day)
                                & (window.month_start + 20 > opened))[0]:
                events.append((window.day(q, 21) * SECONDS_PER_DAY + 1800, CREDIT, None, TXN_TYPE["interest"], -1, -1,
                               -1, 0, pool.id("结息")))
            events.sort(key=lambda e: e[0])
            for ts, direction, cents, ttype, chan, cpn, cpb, cpa, memo in events:
                if cents is None:
                    cents = max(1, level * 5 // 10_000 // 4)  # 0.05 % a year, paid quarterly
                level += cents
                for f, v in zip(("account", "ts", "direction", "cents", "txn_type", "channel", "counterparty_name",
                                 "counterparty_bank", "counterparty_account", "memo"),
                                (account, ts, direction, cents, ttype, chan, cpn, cpb, cpa, memo)):
                    added[f].append(v)
                added_balance.append(level)
        dtypes = {f: txns[f].dtype for f in txns}
        added = {f: np.array(v, dtype=dtypes[f]) for f, v in added.items()}
        return added, np.array(added_balance, dtype=np.int64)

    # ------------------------------------------------------------------ second file
    def resend_transactions(self, table: pa.Table, accounts: dict, account_of_row: np.ndarray,
                            n_clean_rows: int) -> pa.Table:
        """Duplicates, conflicting copies, orphans and unparseable timestamps to the second file, and late rows
        moved there from the main table (returned without them)."""
        rates = self.rates
        ts = table["txn_ts"].cast(pa.int64()).to_numpy()[:n_clean_rows]
        customer = accounts["customer"][account_of_row[:n_clean_rows]]
        eligible = np.nonzero((ts < self.last_clear_ts) & self.background[np.minimum(customer, self.chunk.n - 1)]
                              & (customer < self.chunk.n))[0]
        ids = table["txn_id"].to_numpy(zero_copy_only=False)
        taken = np.zeros(0, np.int64)

        def pick(share):
            nonlocal taken
            rows = self._pick(eligible, share, exclude=taken)
            taken = np.union1d(taken, rows)
            return rows

        exact = pick(rates.exact_duplicate_share)
        self._resend("transactions", table.take(pa.array(exact)))
        self._note("transactions", ids[exact], "", "exact_duplicate", "quarantined",
                   DUPLICATE_REASON.format(key="txn_id"))
        conflicting = pick(rates.conflicting_duplicate_share)
        if len(conflicting):
            copy = as_text(table.take(pa.array(conflicting)))
            amount = pc.add(table["amount"].take(pa.array(conflicting)).cast(pa.decimal128(18, 2)),
                            pa.scalar(100, pa.decimal128(18, 2)))  # the amount corrected by 100 yuan
            copy = copy.set_column(copy.column_names.index("amount"), "amount", amount.cast(pa.string()))
            self._resend("transactions", copy)
        self._note("transactions", ids[conflicting], "", "conflicting_duplicate", "quarantined",
                   DUPLICATE_REASON.format(key="txn_id"))
        orphans = pick(rates.orphan_transaction_share)
        if len(orphans):
            copy = as_text(table.take(pa.array(orphans)))
            new_ids = _ids("T9", self._next("transactions", len(orphans)), len(orphans), 11)
            unknown = _ids("A8", self._next("unknown_accounts", len(orphans)), len(orphans), 9)
            copy = copy.set_column(0, "txn_id", new_ids).set_column(1, "account_id", unknown)
            self._resend("transactions", copy)
            self._note("transactions", new_ids.to_pylist(), "account_id", "orphan", "quarantined",
                       "orphan account_id: no accepted accounts row")
        bad = pick(rates.bad_value_share)
        if len(bad):
            copy = as_text(table.take(pa.array(bad)))
            new_ids = _ids("T9", self._next("transactions", len(bad)), len(bad), 11)
            text = copy["txn_ts"].to_pylist()
            broken = [f"{s[:4]}-02-30{s[10:]}" for s in text]  # 30 February: no such day
            copy = copy.set_column(0, "txn_id", new_ids).set_column(2, "txn_ts", pa.array(broken, pa.string()))
            self._resend("transactions", copy)
            self._note("transactions", new_ids.to_pylist(), "txn_ts", "bad_value", "quarantined",
                       "bad timestamp in txn_ts")
        late = pick(rates.late_row_share)
        if len(late):
            self._resend("transactions", table.take(pa.array(late)))
            self._note("transactions", ids[late], "", "late_arrival", "accepted",
                       "held back from the main file, delivered in the second file")
            keep = np.ones(table.num_rows, bool)
            keep[late] = False
            table = table.filter(pa.array(keep))
        return table

    def _customer_index(self, customer_ids: pa.Array) -> np.ndarray:
        """Chunk index of each customer id (C000000123 -> 122 - chunk start)."""
        text = pc.utf8_slice_codeunits(customer_ids, 1)
        return pc.cast(text, pa.int64()).to_numpy() - 1 - self.chunk.lo

    def resend_contacts(self, table: pa.Table) -> pa.Table:
        rates = self.rates
        ts = table["contact_ts"].cast(pa.int64()).to_numpy()
        customer = self._customer_index(table["customer_id"].combine_chunks())
        eligible = np.nonzero((ts < self.last_clear_ts) & self.background[customer])[0]
        ids = table["contact_id"].to_numpy(zero_copy_only=False)
        exact = self._pick(eligible, rates.exact_duplicate_share)
        self._resend("contact_logs", table.take(pa.array(exact)))
        self._note("contact_logs", ids[exact], "", "exact_duplicate", "quarantined",
                   DUPLICATE_REASON.format(key="contact_id"))
        bad = self._pick(eligible, rates.bad_value_share, exclude=exact)
        if len(bad):
            copy = as_text(table.take(pa.array(bad)))
            new_ids = _ids("K9", self._next("contact_logs", len(bad)), len(bad), 9)
            copy = copy.set_column(0, "contact_id", new_ids).set_column(
                copy.column_names.index("channel"), "channel", pa.array(["微信"] * len(bad), pa.string()))
            self._resend("contact_logs", copy)
            self._note("contact_logs", new_ids.to_pylist(), "channel", "bad_value", "quarantined",
                       "unknown channel code")
        late = self._pick(eligible, rates.late_row_share, exclude=np.union1d(exact, bad))
        if len(late):
            self._resend("contact_logs", table.take(pa.array(late)))
            self._note("contact_logs", ids[late], "", "late_arrival", "accepted",
                       "held back from the main file, delivered in the second file")
            keep = np.ones(table.num_rows, bool)
            keep[late] = False
            table = table.filter(pa.array(keep))
        return table

    def resend_accounts(self, table: pa.Table, customer: np.ndarray, n_clean: int) -> None:
        """Accounts sent again under a customer the extract does not hold (new account ids, no transactions)."""
        candidates = np.nonzero(self.background[customer[:n_clean]])[0]
        orphans = self._pick(candidates, self.rates.orphan_account_share)
        if not len(orphans):
            return
        k = len(orphans)
        copy = as_text(table.take(pa.array(orphans)))
        new_ids = _ids("A9", self._next("accounts", k), k, 9)
        unknown = _ids("C8", self._next("unknown_customers", k), k, 8)
        copy = copy.set_column(0, "account_id", new_ids).set_column(1, "customer_id", unknown)
        self._resend("accounts", copy)
        self._note("accounts", new_ids.to_pylist(), "customer_id", "orphan", "quarantined",
                   "orphan customer_id: no accepted customers row")

    def resent_tables(self) -> dict[str, pa.Table]:
        return {t: pa.concat_tables(parts) for t, parts in self.resent.items()}


def write_mess_ground_truth(path, parts: list[tuple]) -> dict:
    """`_ground_truth/mess.csv`; returns {kind: count, "rows": n}."""
    import pandas as pd

    df = pd.DataFrame(parts, columns=GROUND_TRUTH_COLUMNS)
    df = df.sort_values(["table", "kind", "key", "column"], kind="stable").reset_index(drop=True)
    df.to_csv(path, index=False, lineterminator="\n")
    summary = {str(k): int(v) for k, v in sorted(df["kind"].value_counts().items())}
    summary["rows"] = len(df)
    return summary
