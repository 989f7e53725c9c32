"""Whole extracts for tests/test_extracts.py: small landing folders, each aimed at one kind of real-world bank data.

Every extract is built by a function here from a `Bank`: rows written by hand on top of a small deterministic
population (random.Random(seed)). Transactions are added in time order per account and `Bank.txn` computes
`balance_after` from the previous balance (or the account's opening_balance) and the amount, so the balance
chain follows the contract (DOMAIN.md section 9). `Bank.daily_balances` replays the same rows into end-of-day
balances (DOMAIN.md section 3) so a test can compute the expected daily averages by hand.

Each builder returns an `Extract`: the landing folder, the bank it was written from and `facts`, the ids and
numbers the test asserts on.
"""

from __future__ import annotations

import random
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from orchestration.lib.contract import TABLES
from tests.conftest import write_csv

CENT = Decimal("0.01")
AUM_PRODUCTS = ("demand_deposit", "time_deposit", "wealth_product", "fund", "insurance")

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]
EMPLOYERS = ["杭州云帆科技有限公司", "浙江远景物流有限公司", "西湖区人民政府", "杭州青禾餐饮管理有限公司"]
SHOPS = ["联华超市", "美团", "中国石化加油站", "盒马鲜生", "滴滴出行", "永辉超市"]
OTHER_BANKS = ["招商银行", "工商银行", "建设银行"]


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def month_starts(first: date, n: int) -> list[date]:
    out, y, m = [], first.year, first.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_end(day: date) -> date:
    return date(day.year, day.month, monthrange(day.year, day.month)[1])


@dataclass
class Extract:
    name: str
    landing: Path
    bank: Bank
    facts: dict = field(default_factory=dict)


class Bank:
    """Raw rows of every table, in the contract's columns (tests/conftest.py write_csv writes them)."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.rows: dict[str, list[dict]] = {t: [] for t in TABLES}
        self._accounts: dict[str, dict] = {}
        self._balance: dict[str, Decimal] = {}
        self._last_ts: dict[str, datetime] = {}
        self._txns_by_account: dict[str, list[dict]] = {}
        self._n_txn = 0
        self._n_phone = 0

    # --- rows -------------------------------------------------------------------------------------
    def branch(self, branch_id: str, name: str, city: str = "杭州", opened: str = "2001-03-01") -> str:
        self.rows["branches"].append({"branch_id": branch_id, "branch_name": name, "city": city, "opened_date": opened})
        return branch_id

    def staff(self, staff_id: str, branch_id: str, role: str, hired: str = "2015-01-01", left: str = "",
              capacity: int | str = "") -> str:
        self.rows["staff"].append({"staff_id": staff_id, "branch_id": branch_id, "staff_name": self.person_name(),
                                   "role": role, "hired_date": hired, "left_date": left,
                                   "daily_capacity": capacity})
        return staff_id

    def person_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        self._n_phone += 1
        return f"13{self.rng.randint(5, 9)}{self._n_phone:08d}"

    def customer(self, customer_id: str, branch_id: str, onboarded: str, **fields) -> str:
        row = {
            "customer_id": customer_id,
            "home_branch_id": branch_id,
            "customer_name": self.person_name(),
            "id_number": f"33010619{self.rng.randint(60, 99)}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
                         f"{self.rng.randint(0, 9999):04d}",
            "birth_date": f"19{self.rng.randint(55, 99)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}",
            "gender": self.rng.choice(["M", "F"]),
            "mobile_phone": self.phone(),
            "landline_phone": f"0571-{self.rng.randint(80000000, 89999999)}",
            "email": f"{customer_id.lower()}@example.com",
            "address": f"杭州市西湖区文三路{self.rng.randint(1, 999)}号",
            "onboarded_date": onboarded,
            "relationship_manager_id": "",
        }
        row.update(fields)
        self.rows["customers"].append(row)
        return customer_id

    def account(self, account_id: str, customer_id: str, branch_id: str, product_type: str, opened: str,
                opening_balance, currency: str = "CNY", maturity: str = "", closed: str = "",
                interest_rate: str = "", product_code: str = "") -> str:
        row = {"account_id": account_id, "customer_id": customer_id, "branch_id": branch_id,
               "product_type": product_type, "product_code": product_code, "currency": currency,
               "opened_date": opened, "maturity_date": maturity, "closed_date": closed,
               "interest_rate": interest_rate, "opening_balance": f"{money(opening_balance):.2f}"}
        self.rows["accounts"].append(row)
        self._accounts[account_id] = row
        self._balance[account_id] = money(opening_balance)
        self._txns_by_account[account_id] = []
        return account_id

    def balance(self, account_id: str) -> Decimal:
        return self._balance[account_id]

    def txn(self, account_id: str, ts: datetime | str, direction: str, amount, txn_type: str, channel: str = "",
            counterparty_name: str = "", counterparty_bank: str = "", counterparty_account: str = "",
            memo: str = "", txn_id: str | None = None) -> dict:
        """One posted transaction; balance_after follows from the account's previous balance."""
        ts = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
        last = self._last_ts.get(account_id)
        assert last is None or ts >= last, f"{account_id}: transactions must be added in time order"
        amount = money(amount)
        assert amount > 0
        self._n_txn += 1
        balance = self._balance[account_id] + (amount if direction == "credit" else -amount)
        self._balance[account_id] = balance
        self._last_ts[account_id] = ts
        row = {"txn_id": txn_id or f"T{self._n_txn:07d}", "account_id": account_id,
               "txn_ts": ts.strftime("%Y-%m-%d %H:%M:%S"), "direction": direction, "amount": f"{amount:.2f}",
               "balance_after": f"{balance:.2f}", "txn_type": txn_type, "channel": channel,
               "counterparty_name": counterparty_name, "counterparty_bank": counterparty_bank,
               "counterparty_account": counterparty_account, "memo": memo}
        self.rows["transactions"].append(row)
        self._txns_by_account[account_id].append(row)
        return row

    def contact(self, contact_id: str, customer_id: str, staff_id: str, ts: str, outcome: str = "reached",
                channel: str = "phone") -> None:
        self.rows["contact_logs"].append({"contact_id": contact_id, "customer_id": customer_id, "staff_id": staff_id,
                                          "contact_ts": ts, "channel": channel, "outcome": outcome})

    # --- replay ------------------------------------------------------------------------------------
    def account_row(self, account_id: str) -> dict:
        return self._accounts[account_id]

    def accounts_of(self, customer_id: str) -> list[dict]:
        return [a for a in self.rows["accounts"] if a["customer_id"] == customer_id]

    def daily_balances(self, account_id: str, first: date, last: date) -> dict[date, Decimal]:
        """End-of-day balance of one account on every day first..last, in its own currency (DOMAIN section 3):
        the last transaction's balance_after that day, else the day before's; opening_balance from the
        opening day until the first transaction; 0 before opening and from the closing day."""
        acc = self._accounts[account_id]
        opened = date.fromisoformat(acc["opened_date"])
        closed = date.fromisoformat(acc["closed_date"]) if acc["closed_date"] else None
        end_of_day: dict[date, Decimal] = {}
        for row in self._txns_by_account[account_id]:
            end_of_day[datetime.fromisoformat(row["txn_ts"]).date()] = Decimal(row["balance_after"])
        balance = Decimal(acc["opening_balance"])
        for day in sorted(d for d in end_of_day if d < first):
            balance = end_of_day[day]
        out, day = {}, first
        while day <= last:
            balance = end_of_day.get(day, balance)
            live = day >= opened and (closed is None or day < closed)
            out[day] = balance if live else Decimal(0)
            day += timedelta(days=1)
        return out

    def month_average(self, account_id: str, month: date, period_end: date | None = None,
                      part: str = "asset") -> Decimal:
        """Daily average over the month (up to period_end) of max(balance, 0) ('asset') or max(-balance, 0)
        ('overdraft'), unrounded, in the account's currency."""
        last = period_end or month_end(month)
        days = self.daily_balances(account_id, month, last)
        sign = 1 if part == "asset" else -1
        return sum((max(sign * b, Decimal(0)) for b in days.values()), Decimal(0)) / len(days)

    # --- files -------------------------------------------------------------------------------------
    def write(self, landing: Path, header_only: tuple[str, ...] = (), absent: tuple[str, ...] = ()) -> Path:
        """One CSV per table; header_only tables get their header row only, absent tables no folder."""
        for table, rows in self.rows.items():
            if table in absent:
                continue
            if table == "fx_rates" and not rows and table not in header_only:
                continue  # optional: no folder unless the extract is about it
            write_csv(landing, table, [] if table in header_only else rows)
        return landing


# --- a small population ------------------------------------------------------------------------------------
PROFILES = (("mass", 0.55), ("affluent", 0.25), ("wealth", 0.13), ("private", 0.02), ("prospect", 0.05))


def standard_staff(bank: Bank, branch_ids: list[str], hired: str = "2015-01-01") -> dict[str, dict[str, list[str]]]:
    """One private banker, wealth manager and lobby manager and two tellers per branch."""
    by_branch: dict[str, dict[str, list[str]]] = {}
    for b in branch_ids:
        by_branch[b] = {}
        for role, n in (("private_banker", 1), ("wealth_manager", 1), ("lobby_manager", 1), ("teller", 2)):
            for k in range(n):
                sid = bank.staff(f"S{b}{role[:2].upper()}{k + 1}", b, role, hired=hired)
                by_branch[b].setdefault(role, []).append(sid)
    return by_branch


def _ts(rng: random.Random, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59))


def _days_in(month: date, last_day: date) -> list[date]:
    end = min(month_end(month), last_day)
    return [month + timedelta(days=i) for i in range((end - month).days + 1)]


def populate(bank: Bank, branch_ids: list[str], n_customers: int, first_month: date, n_months: int,
             last_day: date | None = None, prefix: str = "C", onboard_years: tuple[int, int] = (2015, 2023),
             staff: dict | None = None, contacts: bool = True) -> list[str]:
    """n_customers ordinary customers over the branches: a demand account with salary and daily spending
    every month (never overdrawn), and by profile a time deposit, wealth product or fund held through the
    window. Every month's spending leaves the balance positive. last_day: no transaction after it."""
    rng = bank.rng
    months = month_starts(first_month, n_months)
    last_day = last_day or month_end(months[-1])
    ids = []
    for i in range(n_customers):
        cid = f"{prefix}{i + 1:04d}"
        branch = branch_ids[i % len(branch_ids)]
        profile = rng.choices([p for p, _ in PROFILES], [w for _, w in PROFILES])[0]
        y = rng.randint(*onboard_years)
        onboarded = date(y, rng.randint(1, 12), rng.randint(1, 28))
        rm = ""
        if staff and profile in ("affluent", "wealth", "private") and rng.random() < 0.6:
            role = {"affluent": "lobby_manager", "wealth": "wealth_manager", "private": "private_banker"}[profile]
            rm = rng.choice(staff[branch][role])
        bank.customer(cid, branch, onboarded.isoformat(), relationship_manager_id=rm)
        ids.append(cid)
        if profile == "prospect":
            continue
        opened = onboarded.isoformat()
        opening = {"mass": rng.randint(2_000, 30_000), "affluent": rng.randint(20_000, 60_000),
                   "wealth": rng.randint(60_000, 200_000), "private": rng.randint(200_000, 500_000)}[profile]
        demand = bank.account(f"A{cid}D", cid, branch, "demand_deposit", opened, opening)
        maturity = date(last_day.year + 2, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        if profile == "affluent":
            bank.account(f"A{cid}T", cid, branch, "time_deposit", opened, rng.randint(60_000, 300_000),
                         maturity=maturity, interest_rate="0.017500")
        elif profile == "wealth":
            bank.account(f"A{cid}W", cid, branch, "wealth_product", opened, rng.randint(500_000, 1_500_000),
                         maturity=maturity, product_code="WM-365")
            if rng.random() < 0.5:
                bank.account(f"A{cid}F", cid, branch, "fund", opened, rng.randint(50_000, 300_000), product_code="F001")
        elif profile == "private":
            bank.account(f"A{cid}T", cid, branch, "time_deposit", opened, rng.randint(6_500_000, 9_000_000),
                         maturity=maturity, interest_rate="0.020000")
        salary = {"mass": rng.randint(4_000, 9_000), "affluent": rng.randint(10_000, 20_000),
                  "wealth": rng.randint(20_000, 40_000), "private": rng.randint(40_000, 80_000)}[profile]
        employer = rng.choice(EMPLOYERS)
        for month in months:
            days = _days_in(month, last_day)
            events = []
            payday = month + timedelta(days=9)
            if payday <= days[-1]:
                events.append((_ts(rng, payday), "salary"))
            for _ in range(rng.randint(2, 5)):
                events.append((_ts(rng, rng.choice(days)), "spend"))
            for ts, kind in sorted(events):
                if kind == "salary":
                    bank.txn(demand, ts, "credit", salary, "salary", "online", counterparty_name=employer,
                             counterparty_bank=rng.choice(OTHER_BANKS), memo="工资")
                else:
                    room = bank.balance(demand) - 500
                    if room < 50:
                        continue
                    base = min(room * Decimal("0.3"), rng.randint(50, 3_000))
                    amount = money(base + Decimal(rng.randint(0, 99)) / 100)
                    if amount <= 0:
                        continue
                    if rng.random() < 0.3:
                        bank.txn(demand, ts, "debit", amount, "cash_withdrawal", "atm", memo="取现")
                    else:
                        bank.txn(demand, ts, "debit", amount, "transfer_out", "pos",
                                 counterparty_name=rng.choice(SHOPS), counterparty_bank="银联", memo="消费")
            if contacts and staff and profile != "mass" and rng.random() < 0.7:
                role = {"affluent": "lobby_manager", "wealth": "wealth_manager", "private": "private_banker"}[profile]
                day = rng.choice(days)
                bank.contact(f"K{len(bank.rows['contact_logs']) + 1:06d}", cid, staff[branch][role][0],
                             _ts(rng, day).strftime("%Y-%m-%d %H:%M:%S"),
                             outcome=rng.choice(["reached", "reached", "no_answer"]))
    return ids


def _standard_bank(seed: int, first_month: date, n_months: int, n_customers: int, n_branches: int = 2,
                   last_day: date | None = None, **kwargs) -> tuple[Bank, dict]:
    bank = Bank(seed)
    branch_ids = [bank.branch(f"B{k + 1}", ["西湖支行", "滨江支行", "拱墅支行"][k]) for k in range(n_branches)]
    staff = standard_staff(bank, branch_ids)
    ids = populate(bank, branch_ids, n_customers, first_month, n_months, last_day=last_day, staff=staff, **kwargs)
    last_day = last_day or month_end(month_starts(first_month, n_months)[-1])
    close_window(bank, last_day)
    # a few complaints and a large-withdrawal registration, so those tables are delivered
    funded = [c for c in ids if bank.accounts_of(c)]
    for k, cid in enumerate(funded[:2]):
        branch = next(r["home_branch_id"] for r in bank.rows["customers"] if r["customer_id"] == cid)
        bank.rows["complaints"].append({"complaint_id": f"Q{k + 1:04d}", "customer_id": cid, "branch_id": branch,
                                        "created_ts": f"{first_month.isoformat()} 10:1{k}:00", "category": "排队时间长",
                                        "resolved_ts": ""})
    cid = funded[2]
    branch = next(r["home_branch_id"] for r in bank.rows["customers"] if r["customer_id"] == cid)
    bank.rows["withdrawal_registrations"].append({
        "registration_id": "R0001", "customer_id": cid, "branch_id": branch,
        "registered_ts": f"{first_month.isoformat()} 09:00:00", "planned_date": first_month.isoformat(),
        "amount": "60000.00", "stated_purpose": "other", "staff_id": staff[branch]["teller"][0]})
    return bank, staff


def close_window(bank: Bank, last_day: date) -> None:
    """Make last_day the data's last transaction day: an interest posting that evening on the first demand
    account (the as-of date defaults to the latest transaction date)."""
    account = next(a["account_id"] for a in bank.rows["accounts"]
                   if a["product_type"] == "demand_deposit" and a["currency"] == "CNY")
    bank.txn(account, datetime(last_day.year, last_day.month, last_day.day, 23, 0, 0), "credit", "1.23", "interest")


# --- 1. placeholder contacts -----------------------------------------------------------------------------
PLACEHOLDERS = ("无", "-", "n/a", "  ", "NULL", "不详", "0")
MALFORMED_PHONE = "138123456789"  # 12 digits


def placeholder_contacts(root: Path) -> Extract:
    """Customers whose name, ID number, phones, email and address hold placeholders ('无', '-', 'n/a', spaces,
    'NULL', '不详', '0') instead of being empty, and one with a 12-digit mobile number. All hold money."""
    first = date(2026, 7, 1)
    bank, staff = _standard_bank(11, first, 3, 50)
    placeholder_ids = []
    for k, value in enumerate(PLACEHOLDERS):
        cid = f"P{k + 1:02d}"
        branch = "B1" if k % 2 == 0 else "B2"
        bank.customer(cid, branch, "2021-03-01", customer_name=value, id_number=value, mobile_phone=value,
                      landline_phone=value, email=value, address=value)
        acc = bank.account(f"A{cid}", cid, branch, "demand_deposit", "2021-03-01", 10_000 + 1_000 * k)
        bank.txn(acc, "2026-07-12 10:00:00", "credit", 3_000, "salary", "online", memo="工资")
        bank.txn(acc, "2026-08-12 10:00:00", "debit", 500, "cash_withdrawal", "atm")
        bank.txn(acc, "2026-09-12 10:00:00", "credit", 3_000, "salary", "online", memo="工资")
        placeholder_ids.append(cid)
    bank.customer("P90", "B1", "2020-05-01", mobile_phone=MALFORMED_PHONE)
    acc = bank.account("AP90", "P90", "B1", "demand_deposit", "2020-05-01", 25_000)
    bank.txn(acc, "2026-08-03 09:30:00", "credit", 1_000, "cash_deposit", "counter")
    landing = bank.write(root / "landing")
    return Extract("placeholder_contacts", landing, bank,
                   {"placeholder_ids": placeholder_ids, "malformed_id": "P90", "months": month_starts(first, 3)})


# --- 2. overdrafts ---------------------------------------------------------------------------------------
def overdrafts(root: Path) -> Extract:
    """Demand accounts overdrawn below zero for some days and back (the chain stays consistent):
    O1 holds a 150,000 time deposit too (affluent), dips in July and ends August overdrawn;
    O2 holds only the demand account (mass) and dips in August; O3 holds only a demand account, overdrawn from
    2026-08-03 to 2026-09-09 (netted against nothing, its August average and month end would be negative)."""
    first = date(2026, 7, 1)
    bank, staff = _standard_bank(22, first, 3, 50)
    bank.customer("O1", "B1", "2019-04-01")
    d1 = bank.account("AO1D", "O1", "B1", "demand_deposit", "2019-04-01", 20_000)
    bank.account("AO1T", "O1", "B1", "time_deposit", "2019-04-01", 150_000, maturity="2028-04-01",
                 interest_rate="0.017500")
    bank.txn(d1, "2026-07-10 11:00:00", "debit", 26_000, "transfer_out", "mobile", counterparty_name="李明",
             counterparty_bank="本行", memo="转账")             # 20,000 -> -6,000
    bank.txn(d1, "2026-07-18 09:00:00", "credit", 9_000, "salary", "online", memo="工资")      # -> 3,000
    bank.txn(d1, "2026-08-05 09:00:00", "credit", 9_000, "salary", "online", memo="工资")      # -> 12,000
    bank.txn(d1, "2026-08-27 15:00:00", "debit", 14_500, "cash_withdrawal", "counter")          # -> -2,500
    bank.txn(d1, "2026-09-04 09:00:00", "credit", 9_000, "salary", "online", memo="工资")      # -> 6,500
    bank.txn(d1, "2026-09-20 16:00:00", "debit", 800, "transfer_out", "pos", counterparty_name="联华超市",
             counterparty_bank="银联")                           # -> 5,700
    bank.customer("O2", "B2", "2022-02-01")
    d2 = bank.account("AO2D", "O2", "B2", "demand_deposit", "2022-02-01", 3_000)
    bank.txn(d2, "2026-07-15 10:00:00", "credit", 2_000, "salary", "online", memo="工资")      # -> 5,000
    bank.txn(d2, "2026-08-10 20:00:00", "debit", 9_000, "transfer_out", "pos", counterparty_name="中国石化加油站",
             counterparty_bank="银联")                           # -> -4,000
    bank.txn(d2, "2026-08-20 10:00:00", "credit", 6_000, "salary", "online", memo="工资")      # -> 2,000
    bank.txn(d2, "2026-09-15 10:00:00", "credit", 2_000, "salary", "online", memo="工资")      # -> 4,000
    bank.customer("O3", "B2", "2023-05-01")
    d3 = bank.account("AO3D", "O3", "B2", "demand_deposit", "2023-05-01", 1_000)
    bank.txn(d3, "2026-07-22 10:00:00", "credit", 500, "cash_deposit", "counter")             # -> 1,500
    bank.txn(d3, "2026-08-03 12:00:00", "debit", 6_500, "cash_withdrawal", "counter")          # -> -5,000
    bank.txn(d3, "2026-09-10 10:00:00", "credit", 8_000, "salary", "online", memo="工资")      # -> 3,000
    landing = bank.write(root / "landing")
    return Extract("overdrafts", landing, bank, {"overdraft_ids": ["O1", "O2", "O3"], "months": month_starts(first, 3),
                                                 "ends_negative": ("O1", date(2026, 8, 1), Decimal("2500.00"))})


# --- 3. a bank whose history is 1993-1994 -----------------------------------------------------------------
def old_years(root: Path) -> Extract:
    """The whole history is 1993-01 .. 1994-12: accounts opened 1990-1993, staff hired from 1985."""
    first = date(1993, 1, 1)
    bank = Bank(33)
    branch_ids = [bank.branch("B1", "西湖支行", opened="1984-06-01"), bank.branch("B2", "滨江支行", opened="1988-09-01")]
    staff: dict[str, dict[str, list[str]]] = {}
    for b in branch_ids:
        staff[b] = {}
        for role, n in (("private_banker", 1), ("wealth_manager", 1), ("lobby_manager", 1), ("teller", 2)):
            for k in range(n):
                sid = bank.staff(f"S{b}{role[:2].upper()}{k + 1}", b, role, hired=f"19{85 + k}-0{3 + k}-01")
                staff[b].setdefault(role, []).append(sid)
    populate(bank, branch_ids, 45, first, 24, staff=staff, onboard_years=(1990, 1992))
    close_window(bank, date(1994, 12, 31))
    landing = bank.write(root / "landing")
    return Extract("old_years", landing, bank, {"first_month": first, "last_month": date(1994, 12, 1)})


# --- 4. data ending mid-month ----------------------------------------------------------------------------
AS_OF_MID_MONTH = date(2026, 10, 14)  # a Wednesday


def mid_month_as_of(root: Path) -> Extract:
    """Data from 2026-08-01 to 2026-10-14 (a Wednesday). M1's balance is 10,000 on Oct 1-6, 24,000 on Oct 7-13
    and 23,900 on Oct 14, so its October average over the 14 days is 251,900 / 14 = 17,992.86 (over 31 days it
    would be 8,125.81). F1-F3 are onboarded and their accounts opened on
    2026-10-20, after the last transaction day, with money in them."""
    first = date(2026, 8, 1)
    bank, staff = _standard_bank(44, first, 3, 60, last_day=AS_OF_MID_MONTH)
    bank.customer("M1", "B1", "2020-01-10")
    m1 = bank.account("AM1D", "M1", "B1", "demand_deposit", "2020-01-10", 10_000)
    bank.txn(m1, "2026-10-07 10:00:00", "credit", 14_000, "transfer_in", "online", counterparty_bank="工商银行",
             counterparty_name="张伟")
    # the last transaction day of the data
    bank.txn(m1, "2026-10-14 18:30:00", "debit", 100, "transfer_out", "pos", counterparty_name="联华超市",
             counterparty_bank="银联")
    future = []
    for k in range(3):
        cid = f"F{k + 1}"
        bank.customer(cid, "B1", "2026-10-20")
        bank.account(f"A{cid}D", cid, "B1", "demand_deposit", "2026-10-20", 80_000 * (k + 1))
        future.append(cid)
    landing = bank.write(root / "landing")
    return Extract("mid_month_as_of", landing, bank, {"as_of": AS_OF_MID_MONTH, "future_ids": future,
                                                      "m1_october_avg": Decimal("17992.86"),
                                                      "future_customers": 3, "future_accounts": 3})


# --- 5. no contact logs, no complaints -------------------------------------------------------------------
def no_contacts_no_complaints(root: Path, absent: bool = False) -> Extract:
    """contact_logs and complaints delivered as header-only CSVs (absent=True: no folders at all), with churn
    planted: X1 (affluent) moves 170,000 of 230,000 to 招商银行 in August; X2 (affluent) 120,000 of 180,000
    in September. Neither is near a maturity nor a consumption keyword."""
    first = date(2026, 7, 1)
    bank, staff = _standard_bank(55, first, 3, 50, contacts=False)
    bank.customer("X1", "B1", "2018-06-01", relationship_manager_id=staff["B1"]["lobby_manager"][0])
    x1 = bank.account("AX1D", "X1", "B1", "demand_deposit", "2018-06-01", 230_000)
    bank.txn(x1, "2026-07-10 10:00:00", "credit", 12_000, "salary", "online", memo="工资")
    bank.txn(x1, "2026-08-14 14:20:00", "debit", 170_000, "transfer_out", "mobile", counterparty_name="王芳",
             counterparty_bank="招商银行", counterparty_account="6225880000001234", memo="转账")
    bank.txn(x1, "2026-09-10 10:00:00", "credit", 12_000, "salary", "online", memo="工资")
    bank.customer("X2", "B2", "2017-03-01")
    x2 = bank.account("AX2D", "X2", "B2", "demand_deposit", "2017-03-01", 180_000)
    bank.txn(x2, "2026-07-20 10:00:00", "debit", 2_000, "cash_withdrawal", "atm")
    bank.txn(x2, "2026-09-03 11:00:00", "debit", 120_000, "transfer_out", "online", counterparty_name="赵强",
             counterparty_bank="招商银行", counterparty_account="6225880000005678", memo="转账")
    quiet = ("contact_logs", "complaints")
    for table in quiet:
        bank.rows[table] = []
    landing = bank.write(root / "landing", header_only=() if absent else quiet, absent=quiet if absent else ())
    return Extract("no_contacts_no_complaints" + ("_absent" if absent else ""), landing, bank,
                   {"churn": {"X1": date(2026, 8, 1), "X2": date(2026, 9, 1)}})


# --- 6. no staff -----------------------------------------------------------------------------------------
def no_staff(root: Path) -> Extract:
    """The staff extract holds its header only (and so no contact can be logged); some customers still name a
    relationship manager who is not in it."""
    first = date(2026, 7, 1)
    bank = Bank(66)
    branch_ids = [bank.branch("B1", "西湖支行"), bank.branch("B2", "滨江支行")]
    populate(bank, branch_ids, 50, first, 3)
    close_window(bank, date(2026, 9, 30))
    for row in bank.rows["customers"][::5]:
        row["relationship_manager_id"] = "S404"
    landing = bank.write(root / "landing", header_only=("staff", "contact_logs"))
    return Extract("no_staff", landing, bank, {})


def no_transactions(root: Path) -> Extract:
    """A first delivery before any money moved: branches, staff, customers and accounts, and a transactions file
    with its header only. No month has data yet, so the monthly marts are empty; the run still publishes."""
    first = date(2026, 7, 1)
    bank = Bank(67)
    branch_ids = [bank.branch("B1", "西湖支行")]
    populate(bank, branch_ids, 20, first, 2)
    close_window(bank, date(2026, 8, 31))
    landing = bank.write(root / "landing", header_only=("transactions",))
    return Extract("no_transactions", landing, bank, {})


# --- 7. foreign currency ---------------------------------------------------------------------------------
FX_RATES = {
    # rate dates on no fixed schedule: a month converts at the latest rate on or before its period end
    "USD": [("2026-06-28", "7.100000"), ("2026-07-15", "7.150000"), ("2026-08-31", "7.200000"),
            ("2026-09-10", "7.180000"), ("2026-10-05", "7.300000")],
    "HKD": [("2026-06-01", "0.905000"), ("2026-07-01", "0.910000"), ("2026-08-15", "0.915000"),
            ("2026-09-30", "0.920000")],
}


def rate_on_or_before(currency: str, day: date) -> Decimal:
    rates = [(date.fromisoformat(d), Decimal(r)) for d, r in FX_RATES[currency]]
    before = [r for d, r in sorted(rates) if d <= day]
    return before[-1] if before else sorted(rates)[0][1]


def foreign_currency(root: Path) -> Extract:
    """USD and HKD accounts (amounts and balances in the account's currency) and an fx_rates table.
    U1 holds USD only, U2 USD and a CNY account, H1 HKD only."""
    first = date(2026, 7, 1)
    bank, staff = _standard_bank(77, first, 3, 45)
    for currency, rows in FX_RATES.items():
        for rate_date, rate in rows:
            bank.rows["fx_rates"].append({"currency": currency, "rate_date": rate_date, "cny_per_unit": rate})
    bank.customer("U1", "B1", "2021-01-05")
    u1 = bank.account("AU1D", "U1", "B1", "demand_deposit", "2021-01-05", 20_000, currency="USD")
    bank.txn(u1, "2026-07-08 10:00:00", "credit", 5_000, "transfer_in", "online", counterparty_bank="汇丰银行")
    bank.txn(u1, "2026-08-19 10:00:00", "debit", 3_000, "transfer_out", "online", counterparty_bank="汇丰银行")
    bank.txn(u1, "2026-09-25 10:00:00", "credit", 1_250.5, "interest")
    bank.customer("U2", "B2", "2020-09-09")
    u2 = bank.account("AU2D", "U2", "B2", "time_deposit", "2020-09-09", 50_000, currency="usd",
                      maturity="2027-09-09", interest_rate="0.040000")
    c2 = bank.account("AU2C", "U2", "B2", "demand_deposit", "2020-09-09", 30_000)
    bank.txn(c2, "2026-07-20 10:00:00", "debit", 4_000, "cash_withdrawal", "atm")
    bank.txn(u2, "2026-09-09 00:00:00", "credit", 2_000, "interest")
    bank.customer("H1", "B1", "2022-11-11")
    h1 = bank.account("AH1D", "H1", "B1", "demand_deposit", "2022-11-11", 300_000, currency="HKD")
    bank.txn(h1, "2026-08-02 10:00:00", "debit", 100_000, "transfer_out", "online", counterparty_bank="中银香港")
    landing = bank.write(root / "landing")
    return Extract("foreign_currency", landing, bank, {"fx_ids": ["U1", "U2", "H1"], "months": month_starts(first, 3)})
