"""Planted churn scenarios (docs/rules.md section 5): product, service, consumption, special, and the
stated-purpose mismatch.

Each `plant_*` function scripts the path of its customers (`ci`, indexes in the chunk) with amounts far from
every threshold, a quiet monthly routine that nets to zero and regular successful contacts, so that only the
planted rule fires, and records their labels. Product and service churners also show warning signs before
their event (warning_signs.py, recorded in `_ground_truth/warning_signs.csv`). It returns False when the
window is too short for it.
"""

from __future__ import annotations

import numpy as np

from . import warning_signs
from .arrays import clear_of_tier_floors, log_uniform, round_to_yuan, seconds_into_day, split_by_shares
from .calendar import NO_TIME, SECONDS_PER_DAY
from .catalogue import CREDIT, DEBIT, PRODUCT, PURPOSE, ROLE, TIER_ROLE, TXN_CHANNEL, TXN_TYPE
from .chunk import CustomerChunk


def plant_product_churn(chunk: CustomerChunk, ci, mismatch=False) -> bool:
    """Product churn: an own-bank deposit/wealth product matures and most of it goes to another bank or firm
    within 5 days; half also let a small earlier maturity (under 50k, so not a churn on its own) leave. Warning
    signs before it (warning_signs.product_signs): some are no longer reached, complain, register the
    withdrawal ahead or stop receiving their salary here."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    event_month = chunk.pick_months(n, 3, window.full_months - 2)
    if event_month is None:
        return False
    maturity = window.day(event_month, rng.integers(3, 15, n))
    principal = round_to_yuan(log_uniform(rng, 900_000, 2_500_000, n), 1000)
    demand_balance = round_to_yuan(rng.uniform(60_000, 150_000, n), 100)
    salary = round_to_yuan(rng.uniform(3_000, 9_000, n), 100)
    is_wealth = rng.random(n) < 0.4
    term = np.where(rng.random(n) < 0.5, 365, 730)
    term = np.where(maturity - term >= window.start_day - 30, 730, term)  # bought before the window
    code = np.where(is_wealth, np.where(term == 365, pool.id("WM-365D"), pool.id("WM-730D")),
                    np.where(term == 365, pool.id("TD-1Y"), pool.id("TD-2Y")))
    rate = np.where(is_wealth, np.where(term == 365, 24_000, 27_000), np.where(term == 365, 12_000, 13_000))
    bought = maturity - term
    chunk.onboarded[ci] = np.minimum(chunk.onboarded[ci], bought - rng.integers(30, 2000, n))
    chunk.starting_tier[ci] = 3
    demand = chunk.planted_demand_account(ci, demand_balance)
    product = chunk.accounts.add(ci, np.where(is_wealth, PRODUCT["wealth_product"], PRODUCT["time_deposit"]), code,
                                 bought, maturity, maturity, rate, principal, planted=True)
    interest = np.round(principal * rate / 1e6 * term / 365).astype(np.int64)
    total = chunk.product_matures(ci, product, demand, maturity, principal, interest, is_wealth)
    out_day = maturity + rng.integers(1, 6, n)
    leaving = (total * rng.uniform(0.90, 1.0, n) // 10_000) * 10_000
    chunk.money_leaves(ci, demand, out_day, leaving, memo_null_share=1.0 if mismatch else 0.5)
    # an earlier, small maturity that also left (raises confidence, stays under the 50k churn threshold)
    earlier = split_by_shares(rng, n, [0.5, 0.5]) == 1
    if earlier.any():
        c2 = ci[earlier]
        k = len(c2)
        maturity2 = window.day(event_month[earlier] - 2, rng.integers(3, 15, k))
        principal2 = round_to_yuan(rng.uniform(20_000, 40_000, k), 100)
        term2 = np.where(maturity2 - 365 >= window.start_day - 30, 1095, 365)
        deposit2 = chunk.accounts.add(c2, PRODUCT["time_deposit"],
                                      np.where(term2 == 365, pool.id("TD-1Y"), pool.id("TD-3Y")), maturity2 - term2,
                                      maturity2, maturity2, np.where(term2 == 365, 12_000, 15_500), principal2,
                                      planted=True)
        interest2 = np.round(principal2 * np.where(term2 == 365, 0.012, 0.0465)).astype(np.int64)
        chunk.onboarded[c2] = np.minimum(chunk.onboarded[c2], maturity2 - term2 - 30)
        total2 = chunk.product_matures(c2, deposit2, demand[earlier], maturity2, principal2, interest2,
                                       np.zeros(k, bool))
        leak_day = maturity2 + rng.integers(1, 6, k)
        chunk.money_leaves(c2, demand[earlier], leak_day, (total2 * rng.uniform(0.95, 1.0, k) // 100) * 100)
        chunk.record_sign(c2, window.month_of(leak_day), "maturity_after_leak", True)
    # the signs before it: neglect, a complaint, the withdrawal registered ahead, the salary stopping
    warning_signs.product_signs(chunk, ci, demand, salary, event_month, maturity, out_day, leaving, True,
                                registration=not mismatch)
    if mismatch:
        chunk.register_withdrawal(ci, out_day, leaving,
                                  rng.choice([PURPOSE["house"], PURPOSE["car"], PURPOSE["education"]], n))
    chunk.label_churn(ci, event_month, "product", mismatch)
    chunk.record_plant(ci, "churn_mismatch" if mismatch else "churn_product",
                       np.where(earlier, "maturity_with_earlier_maturity", "maturity"))
    return True


def plant_service_churn(chunk: CustomerChunk, ci, mismatch=False) -> bool:
    """Service churn: an affluent customer moves money to other banks over three months after a complaint
    and/or months without a successful contact; no maturity anywhere near. Some first move a small sum out the
    month before, some stop receiving their salary here 1-2 months before (warning_signs)."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    event_month = chunk.pick_months(n, 3, window.full_months - 3)
    if event_month is None:
        return False
    starting_balance = round_to_yuan(rng.uniform(350_000, 450_000, n), 100)
    salary = round_to_yuan(rng.uniform(3_000, 8_000, n), 100)
    chunk.starting_tier[ci] = 2
    demand = chunk.planted_demand_account(ci, starting_balance)
    # a sign the month before for some: a small first outflow to another bank (under the churn thresholds)
    early = np.zeros(n, dtype=np.int64)
    first_leaves = rng.random(n) < warning_signs.SERVICE_EARLY_OUTFLOW_SHARE
    if first_leaves.any():
        early[first_leaves] = warning_signs.early_outflow(chunk, ci[first_leaves], demand[first_leaves],
                                                          event_month[first_leaves] - 1,
                                                          starting_balance[first_leaves], True)
    base = starting_balance - early
    out1 = round_to_yuan(base / 100 * rng.uniform(0.40, 0.45, n), 100)
    out2 = round_to_yuan((base - out1) / 100 * rng.uniform(0.50, 0.55, n), 100)
    out3 = round_to_yuan((base - out1 - out2) / 100 * rng.uniform(0.80, 0.90, n), 100)
    to_firm_share = 0.4 if mismatch else 0.0
    days = []
    for j, amount in enumerate((out1, out2, out3)):
        day = window.day(event_month + j, rng.integers(6, 21, n))
        days.append(day)
        chunk.money_leaves(ci, demand, day, amount, to_firm_share=to_firm_share)
    if mismatch:
        variant = np.full(n, "complaint_and_no_contact", dtype=object)
    else:
        variant = np.array(["complaint_and_no_contact", "complaint_only", "no_contact_only"],
                           dtype=object)[split_by_shares(rng, n, [0.5, 0.25, 0.25])]
    complained = variant != "no_contact_only"
    reached = variant == "complaint_only"
    if complained.any():
        c = ci[complained]
        k = len(c)
        created = ((window.month_start[event_month[complained]] - rng.integers(15, 61, k)) * SECONDS_PER_DAY
                   + seconds_into_day(rng, k, 9, 18))
        resolved = np.where(rng.random(k) < 0.5, created + rng.integers(2, 20, k) * SECONDS_PER_DAY + 3600, NO_TIME)
        resolved = np.where(resolved > window.end_ts, NO_TIME, resolved)
        chunk.complaints.append((c, created, pool.pick(rng, "complaint_service", k), resolved))
        open_at_month_end = np.where(resolved == NO_TIME, True, resolved // SECONDS_PER_DAY > window.month_last[
            window.month_of(created // SECONDS_PER_DAY)])
        if open_at_month_end.any():
            chunk.record_sign(c[open_at_month_end], window.month_of(created[open_at_month_end] // SECONDS_PER_DAY),
                              "open_complaint", True)
    if reached.any():
        chunk.regular_contacts(ci[reached], ROLE["lobby_manager"], 0, window.n_months - 1, per_month=1)
    if (~reached).any():
        chunk.regular_contacts(ci[~reached], ROLE["lobby_manager"], 0, window.n_months - 1, per_month=1,
                               reached=False)
        chunk.record_sign(ci[~reached], 0, "no_contact", True)
    # some move their pay account (代发工资) 1-2 months before
    warning_signs.routine_until(chunk, ci, demand, salary,
                                warning_signs.salary_stop_months(chunk, event_month,
                                                                 warning_signs.SERVICE_SALARY_STOP_SHARE), True)
    if mismatch:
        chunk.register_withdrawal(ci, days[0], out1,
                                  rng.choice([PURPOSE["house"], PURPOSE["car"], PURPOSE["education"]], n))
    chunk.label_churn(ci, event_month, "service", mismatch)
    chunk.record_plant(ci, "churn_mismatch" if mismatch else "churn_service", variant)
    return True


def plant_stated_purpose_mismatch(chunk: CustomerChunk, ci) -> bool:
    """Stated-purpose mismatch: a registration says house/car/education but the money goes to another bank
    or a securities firm. Half are tied to a maturity (product), half are service-type declines."""
    if chunk.window.full_months < 6:  # both halves need room for their events: build neither rather than one
        return False
    half = split_by_shares(chunk.rng, len(ci), [0.5, 0.5]) == 0
    ok1 = plant_product_churn(chunk, ci[half], mismatch=True) if half.any() else True
    ok2 = plant_service_churn(chunk, ci[~half], mismatch=True) if (~half).any() else True
    return ok1 and ok2


# Consumption categories: memos (each holds one of docs/rules.md section 5's example keywords) and the stated
# purpose a registration gives. Medical payments go to a hospital (医院) by transfer.
CONSUMPTION_MEMOS = {"house": ["购房首付", "房款"], "renovation": ["装修款"], "car": ["购车首付", "汽车购置款"],
                     "education": ["学费", "留学费用"], "medical": ["医疗费", "住院费"], "business": ["货款"]}
CONSUMPTION_PURPOSE = {"house": "house", "renovation": "house", "car": "car", "education": "education",
                       "medical": "medical", "business": "business"}
CONSUMPTION_SHARES = (0.3, 0.1, 0.25, 0.15, 0.08, 0.12)  # share of consumption plants per category, in that order


def plant_consumption_churn(chunk: CustomerChunk, ci) -> bool:
    """Consumption churn: a large payment to a developer, car dealer, school, hospital or supplier (or cash
    with such a memo), most with a matching large-withdrawal registration."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    event_month = chunk.pick_months(n, 2, window.full_months - 2)
    if event_month is None:
        return False
    starting_balance = clear_of_tier_floors(round_to_yuan(log_uniform(rng, 300_000, 1_200_000, n), 100))
    salary = round_to_yuan(rng.uniform(4_000, 12_000, n), 100)
    chunk.starting_tier[ci] = np.where(starting_balance >= 600_000 * 100, 3, 2)
    demand = chunk.planted_demand_account(ci, starting_balance)
    categories = np.array(list(CONSUMPTION_MEMOS), dtype=object)
    category = rng.choice(categories, n, p=list(CONSUMPTION_SHARES))
    remaining = round_to_yuan(rng.uniform(60_000, np.minimum(0.4 * starting_balance / 100, 400_000)), 100)
    # at least 60 % of the balance is paid; 60k-400k stays (clear of the 50k and 500k floors)
    paid = starting_balance - remaining
    day = window.day(event_month, rng.integers(5, 21, n))
    ts = day * SECONDS_PER_DAY + seconds_into_day(rng, n, 9.5, 16)
    cash = (rng.random(n) < 0.25) & (category != "medical")
    payee = np.full(n, -1, dtype=np.int64)
    memo = np.empty(n, dtype=np.int64)
    purpose = np.empty(n, dtype=np.int64)
    for name in categories:
        sel = category == name
        k = int(sel.sum())
        if not k:
            continue
        payee[sel] = pool.pick(rng, f"cp_{name}", k)
        options = np.array([pool.id(m) for m in CONSUMPTION_MEMOS[name]])
        memo[sel] = options[rng.integers(0, len(options), k)]
        purpose[sel] = PURPOSE[CONSUMPTION_PURPOSE[name]]
    bank = chunk.other_bank(n)
    payee_account = chunk.ctx.details.company_accounts[np.maximum(payee, 0)]
    payee = np.where(cash, -1, payee)
    bank = np.where(cash, -1, bank)
    payee_account = np.where(cash, 0, payee_account)
    chunk.transactions.add(demand, ts, DEBIT, paid,
                           np.where(cash, TXN_TYPE["cash_withdrawal"], TXN_TYPE["transfer_out"]),
                           TXN_CHANNEL["counter"], payee, bank, payee_account, memo)
    registered = cash | (rng.random(n) < 0.65)
    if registered.any():
        chunk.register_withdrawal(ci[registered], day[registered], paid[registered], purpose[registered])
    chunk.quiet_routine(ci, demand, 0, window.n_months - 1, salary)
    chunk.regular_contacts(ci, TIER_ROLE[chunk.starting_tier[ci]], 0, window.n_months - 1)
    chunk.label_churn(ci, event_month, "consumption", False)
    chunk.record_plant(ci, "churn_consumption",
                       np.where(cash, "cash_" + category.astype(str), "transfer_" + category.astype(str)))
    return True


def plant_special_churn(chunk: CustomerChunk, ci) -> bool:
    """Special churn: a broker parks 1.5-5 million in the last 4 days of a month (mostly quarter ends) and
    takes 92-100 % of it out in the first 3 days after; the event is the month of the outflow."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    lo, hi = 1, window.full_months - 2
    if lo > hi:
        return False
    candidates = np.arange(lo, hi + 1)
    quarter_ends = candidates[np.isin(window.calendar_month[candidates], (3, 6, 9, 12))]
    parked_month = candidates[rng.integers(0, len(candidates), n)]
    if len(quarter_ends):
        at_quarter_end = quarter_ends[rng.integers(0, len(quarter_ends), n)]
        parked_month = np.where(rng.random(n) < 0.7, at_quarter_end, parked_month)
    demand_balance = round_to_yuan(rng.uniform(3_000, 20_000, n), 100)
    salary = round_to_yuan(rng.uniform(2_000, 5_000, n), 100)
    parked = round_to_yuan(log_uniform(rng, 1_500_000, 5_000_000, n), 10_000)
    chunk.starting_tier[ci] = 1
    demand = chunk.planted_demand_account(ci, demand_balance)
    in_day = window.month_last[parked_month] - rng.integers(0, 4, n)
    broker_is_company = rng.random(n) < 0.5
    broker = np.where(broker_is_company, pool.pick(rng, "companies", n), pool.pick(rng, "names", n))
    bank = chunk.other_bank(n)
    broker_account = chunk.ctx.details.company_accounts[broker]
    memo = np.where(rng.random(n) < 0.5, pool.id("往来款"), -1)
    channel = np.where(rng.random(n) < 0.6, TXN_CHANNEL["counter"], TXN_CHANNEL["online"])
    chunk.transactions.add(demand, in_day * SECONDS_PER_DAY + seconds_into_day(rng, n, 10, 16), CREDIT, parked,
                           TXN_TYPE["transfer_in"], channel, broker, bank, broker_account, memo)
    # all of it goes back but the depositor's fee (0.1-0.3 %), so the customer stays mass afterwards
    out_total = parked - round_to_yuan(parked / 100 * rng.uniform(0.001, 0.003, n), 100)
    two = rng.random(n) < 0.4
    first = np.where(two, round_to_yuan(out_total / 100 * rng.uniform(0.55, 0.7, n), 100), out_total)
    day1 = window.month_start[parked_month + 1] + rng.integers(0, 2, n)
    chunk.transactions.add(demand, day1 * SECONDS_PER_DAY + seconds_into_day(rng, n, 9, 12), DEBIT, first,
                           TXN_TYPE["transfer_out"], channel, broker, bank, broker_account, memo)
    if two.any():
        day2 = day1[two] + rng.integers(1, 3, int(two.sum()))
        chunk.transactions.add(demand[two], day2 * SECONDS_PER_DAY + seconds_into_day(rng, int(two.sum()), 13, 16),
                               DEBIT, (out_total - first)[two], TXN_TYPE["transfer_out"], channel[two], broker[two],
                               bank[two], broker_account[two], memo[two])
    chunk.quiet_routine(ci, demand, 0, window.n_months - 1, salary)
    chunk.regular_contacts(ci, ROLE["teller"], 0, window.n_months - 1)
    chunk.label_churn(ci, parked_month + 1, "special", False)
    chunk.record_plant(ci, "churn_special", np.where(two, "two_outflows", "one_outflow"))
    return True
