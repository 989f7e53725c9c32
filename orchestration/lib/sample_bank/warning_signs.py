"""Warning signs (流失预警, docs/rules.md section 10) planted before the planted churn, and look-alikes
(形似流失而留存): customers who show the same signs and stay, so that no score can be perfect and the
back-test means something.

Each planted sign is recorded with the window month at whose end it is first visible under the default rules
(`_ground_truth/warning_signs.csv`, sign = the reason code of seed risk_reasons). Signs that follow from a
planted one are not listed (activity falls when the salary and the routine that spends it stop).

Every sign here keeps the amounts clear of the churn thresholds (a month-end fall of 30 % and 50,000 CNY, the
tier floors), so a look-alike never has a churn event and a churner's event and type stay what its plant
says (a complaint or neglect on a wealth customer is not a service signal: that needs mass or affluent).
"""

from __future__ import annotations

import numpy as np

from .arrays import log_uniform, round_to_yuan, seconds_into_day, split_by_shares
from .calendar import NO_DAY, NO_TIME, SECONDS_PER_DAY
from .catalogue import CREDIT, DEBIT, OWN_BANK_CODE, PRODUCT, PURPOSE, ROLE, TXN_CHANNEL, TXN_TYPE
from .chunk import CustomerChunk
from .transactions import internal_account

# Shares of planted product churners, and of product look-alikes, with each extra sign (drawn independently).
NEGLECT_SHARE = 0.35  # the wealth manager stops reaching them 2-3 months before the maturity
COMPLAINT_SHARE = 0.20  # an open complaint 20-75 days before the maturity
REGISTRATION_SHARE = 0.30  # the large withdrawal registered 8-25 days before the money is to leave
SALARY_STOP_SHARE = 0.20  # the pay account (代发工资) moves 1-2 months before
# Shares of planted service churners, and of service look-alikes, with these signs.
SERVICE_SALARY_STOP_SHARE = 0.40
SERVICE_EARLY_OUTFLOW_SHARE = 0.30  # 11-12 % of the balance (under 48,000) to another bank the month before
EARLY_OUTFLOW_SHARE_OF_BALANCE = (0.11, 0.12)
EARLY_OUTFLOW_MAX_YUAN = 48_000  # under the 50,000 CNY churn fall: a sign, never an event on its own
# Look-alikes: product-type signs (a maturity ahead after an earlier one left) or service-type signs.
LOOKALIKE_VARIANT_SHARES = (0.5, 0.5)
LOOKALIKE_ROLLOVER_SHARE = 0.7  # the rest keep the maturity payout in the demand account
LOOKALIKE_COMPLAINT_SHARE = 0.6
LOOKALIKE_NO_CONTACT_SHARE = 0.5


def _draw(chunk: CustomerChunk, n: int, share: float) -> np.ndarray:
    return chunk.rng.random(n) < share


def salary_stop_months(chunk: CustomerChunk, event_month, share: float) -> np.ndarray:
    """Per customer the month the salary stops (1-2 months before event_month, never before month 2, so two
    earlier months had it), or -1 when it does not stop."""
    n = len(event_month)
    stop = np.maximum(event_month - chunk.rng.integers(1, 3, n), 2)
    stops = _draw(chunk, n, share) & (stop < event_month)
    return np.where(stops, stop, -1)


def routine_until(chunk: CustomerChunk, ci, demand, salary, stop_month, churns: bool) -> None:
    """The quiet routine (salary and the spending it pays), up to the month before stop_month where one is
    given (-1: all months); the stop is recorded as a salary_stopped sign."""
    last = np.where(stop_month >= 0, stop_month - 1, chunk.window.n_months - 1)
    chunk.quiet_routine(ci, demand, 0, last, salary)
    stops = stop_month >= 0
    if stops.any():
        chunk.record_sign(ci[stops], stop_month[stops], "salary_stopped", churns)


def contacts_until_neglect(chunk: CustomerChunk, ci, role, neglect_from, churns: bool, per_month=2) -> None:
    """Successful contacts, and from neglect_from on (where >= 0) only failed attempts: the no_contact sign."""
    n_months = chunk.window.n_months
    neglected = neglect_from >= 0
    chunk.regular_contacts(ci, role, 0, np.where(neglected, neglect_from - 1, n_months - 1), per_month=per_month)
    if neglected.any():
        c = ci[neglected]
        chunk.regular_contacts(c, role, neglect_from[neglected], n_months - 1, per_month=per_month, reached=False)
        chunk.record_sign(c, neglect_from[neglected], "no_contact", churns)


def open_complaint(chunk: CustomerChunk, ci, before_day, days_before, churns: bool, resolve_after_day=None,
                   category_group="complaint_all") -> None:
    """A complaint created days_before (from, to) before before_day; open at least until resolve_after_day
    (then resolved within 30-90 days, or still open at the window's end), or never resolved."""
    rng, window = chunk.rng, chunk.window
    k = len(ci)
    if not k:
        return
    day = np.maximum(before_day - rng.integers(days_before[0], days_before[1] + 1, k),
                     np.maximum(window.start_day, chunk.onboarded[ci] + 1))
    created = day * SECONDS_PER_DAY + seconds_into_day(rng, k, 9, 18)
    if resolve_after_day is None:
        resolved = np.full(k, NO_TIME)
    else:
        resolved = (resolve_after_day + rng.integers(30, 91, k)) * SECONDS_PER_DAY + seconds_into_day(rng, k, 9, 18)
        resolved = np.where(resolved > window.end_ts, NO_TIME, resolved)
    chunk.complaints.append((ci, created, chunk.pool.pick(rng, category_group, k), resolved))
    chunk.record_sign(ci, window.month_of(day), "open_complaint", churns)


def registration_ahead(chunk: CustomerChunk, ci, planned_day, cents, churns: bool) -> None:
    """A large-withdrawal registration (大额取款预约, purpose other) 8-25 days before planned_day."""
    if not len(ci):
        return
    day = chunk.register_withdrawal(ci, planned_day, cents, PURPOSE["other"], days_before=(8, 25))
    chunk.record_sign(ci, chunk.window.month_of(day), "withdrawal_registration", churns)


def early_outflow(chunk: CustomerChunk, ci, demand, month, balance_cents, churns: bool) -> np.ndarray:
    """11-12 % of the balance (at most 48,000 CNY) to the customer's account at another bank in `month`: the
    moving_out sign. Returns the cents that left, per customer."""
    rng = chunk.rng
    k = len(ci)
    share = rng.uniform(*EARLY_OUTFLOW_SHARE_OF_BALANCE, k)
    cents = np.minimum(round_to_yuan(balance_cents / 100 * share, 100), EARLY_OUTFLOW_MAX_YUAN * 100)
    if k:
        chunk.money_leaves(ci, demand, chunk.window.day(month, rng.integers(6, 21, k)), cents, to_firm_share=0.0)
        chunk.record_sign(ci, month, "moving_out", churns)
    return cents


def product_signs(chunk: CustomerChunk, ci, demand, salary, event_month, maturity_day, out_day, leaving_cents,
                  churns: bool, registration: bool = True) -> None:
    """The extra signs of a product-type customer (churner or look-alike) around the maturity that matters:
    neglect, an open complaint, a registration ahead, salary stopping; plus the routine and the contacts."""
    rng = chunk.rng
    n = len(ci)
    neglect_from = np.where(_draw(chunk, n, NEGLECT_SHARE), np.maximum(event_month - rng.integers(2, 4, n), 0), -1)
    contacts_until_neglect(chunk, ci, ROLE["wealth_manager"], neglect_from, churns)
    complained = _draw(chunk, n, COMPLAINT_SHARE)
    open_complaint(chunk, ci[complained], maturity_day[complained], (20, 75), churns,
                   resolve_after_day=maturity_day[complained])
    if registration:
        registered = _draw(chunk, n, REGISTRATION_SHARE)
        registration_ahead(chunk, ci[registered], out_day[registered], leaving_cents[registered], churns)
    routine_until(chunk, ci, demand, salary, salary_stop_months(chunk, event_month, SALARY_STOP_SHARE), churns)


def plant_risk_lookalike(chunk: CustomerChunk, ci) -> bool:
    """Look-alikes: the warning signs of a product or service churner, and no churn. Product look-alikes have a
    big maturity ahead after an earlier small one left (the strongest sign) and the product signs' extras; the
    maturity rolls over into a three-year deposit or stays in the demand account. Service look-alikes have a
    complaint and/or nobody reaching them, the salary stopping, a small outflow to another bank."""
    rng, window = chunk.rng, chunk.window
    n = len(ci)
    event_month = chunk.pick_months(n, 3, window.full_months - 2)
    if event_month is None:
        return False
    variant = np.array(["product_signs", "service_signs"], dtype=object)[
        split_by_shares(rng, n, LOOKALIKE_VARIANT_SHARES)]
    product = variant == "product_signs"
    if product.any():
        _product_lookalike(chunk, ci[product], event_month[product])
    if (~product).any():
        _service_lookalike(chunk, ci[~product], event_month[~product])
    chunk.record_plant(ci, "risk_lookalike", variant)
    return True


def _product_lookalike(chunk: CustomerChunk, ci, month) -> None:
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    maturity = window.day(month, rng.integers(3, 15, n))
    principal = round_to_yuan(log_uniform(rng, 900_000, 2_500_000, n), 1000)
    demand_balance = round_to_yuan(rng.uniform(60_000, 150_000, n), 100)
    salary = round_to_yuan(rng.uniform(3_000, 9_000, n), 100)
    term = np.where(maturity - 365 >= window.start_day - 30, 730, 365)  # bought before the window
    code = np.where(term == 365, pool.id("TD-1Y"), pool.id("TD-2Y"))
    rate = np.where(term == 365, 12_000, 13_000)
    bought = maturity - term
    chunk.onboarded[ci] = np.minimum(chunk.onboarded[ci], bought - rng.integers(30, 2000, n))
    chunk.starting_tier[ci] = 3
    demand = chunk.planted_demand_account(ci, demand_balance)
    deposit = chunk.accounts.add(ci, PRODUCT["time_deposit"], code, bought, maturity, maturity, rate, principal,
                                 planted=True)
    interest = np.round(principal * rate / 1e6 * term / 365).astype(np.int64)
    total = chunk.product_matures(ci, deposit, demand, maturity, principal, interest, np.zeros(n, bool))
    # an earlier small maturity (under 50,000: no churn) two months before that left for another bank
    maturity2 = window.day(month - 2, rng.integers(3, 15, n))
    principal2 = round_to_yuan(rng.uniform(20_000, 40_000, n), 100)
    term2 = np.where(maturity2 - 365 >= window.start_day - 30, 1095, 365)
    deposit2 = chunk.accounts.add(ci, PRODUCT["time_deposit"], np.where(term2 == 365, pool.id("TD-1Y"),
                                                                         pool.id("TD-3Y")),
                                  maturity2 - term2, maturity2, maturity2, np.where(term2 == 365, 12_000, 15_500),
                                  principal2, planted=True)
    interest2 = np.round(principal2 * np.where(term2 == 365, 0.012, 0.0465)).astype(np.int64)
    chunk.onboarded[ci] = np.minimum(chunk.onboarded[ci], maturity2 - term2 - 30)
    total2 = chunk.product_matures(ci, deposit2, demand, maturity2, principal2, interest2, np.zeros(n, bool))
    leak_day = maturity2 + rng.integers(1, 6, n)
    chunk.money_leaves(ci, demand, leak_day, (total2 * rng.uniform(0.95, 1.0, n) // 100) * 100)
    chunk.record_sign(ci, window.month_of(leak_day), "maturity_after_leak", False)
    # the big maturity stays: rolled over into a three-year deposit (when it matures after the window) or kept
    roll_day = maturity + rng.integers(0, 6, n)
    rolls = (rng.random(n) < LOOKALIKE_ROLLOVER_SHARE) & (roll_day + 1095 > window.end_day) & (
        roll_day <= window.end_day)
    if rolls.any():
        c, k = ci[rolls], int(rolls.sum())
        amount = (total[rolls] // 10_000) * 10_000
        new = chunk.accounts.add(c, PRODUCT["time_deposit"], pool.id("TD-3Y"), roll_day[rolls],
                                 roll_day[rolls] + 1095, NO_DAY, 15_500, 0, planted=True)
        ts = roll_day[rolls] * SECONDS_PER_DAY + 14 * 3600 + rng.integers(0, 3600, k)
        own, own_bank = chunk.own_name(c), pool.id(OWN_BANK_CODE)
        channel = np.where(rng.random(k) < 0.5, TXN_CHANNEL["counter"], TXN_CHANNEL["mobile"])
        chunk.transactions.add(demand[rolls], ts, DEBIT, amount, TXN_TYPE["product_purchase"], channel, own, own_bank,
                               internal_account(new), pool.id("转存定期"))
        chunk.transactions.add(new, ts + 1, CREDIT, amount, TXN_TYPE["product_purchase"], channel, own, own_bank,
                               internal_account(demand[rolls]), pool.id("转存定期"))
    planned = maturity + rng.integers(1, 6, n)  # a registration the customer then did not use (预约未取)
    product_signs(chunk, ci, demand, salary, month, maturity, planned, (total * 0.9 // 10_000) * 10_000, False)


def _service_lookalike(chunk: CustomerChunk, ci, month) -> None:
    rng, window = chunk.rng, chunk.window
    n = len(ci)
    balance = round_to_yuan(rng.uniform(350_000, 450_000, n), 100)
    salary = round_to_yuan(rng.uniform(3_000, 8_000, n), 100)
    chunk.starting_tier[ci] = 2
    demand = chunk.planted_demand_account(ci, balance)
    u = split_by_shares(rng, n, [LOOKALIKE_COMPLAINT_SHARE * (1 - LOOKALIKE_NO_CONTACT_SHARE),
                                 LOOKALIKE_COMPLAINT_SHARE * LOOKALIKE_NO_CONTACT_SHARE,
                                 1 - LOOKALIKE_COMPLAINT_SHARE])
    complained, neglected = u <= 1, u >= 1  # complaint only, both, no contact only: at least one sign each
    if complained.any():
        c = ci[complained]
        open_complaint(chunk, c, window.month_start[month[complained]], (15, 60), False,
                       resolve_after_day=window.month_start[month[complained]], category_group="complaint_service")
    neglect_from = np.where(neglected, 0, -1)
    contacts_until_neglect(chunk, ci, ROLE["lobby_manager"], neglect_from, False, per_month=1)
    outflow = _draw(chunk, n, SERVICE_EARLY_OUTFLOW_SHARE)
    if outflow.any():
        early_outflow(chunk, ci[outflow], demand[outflow], month[outflow] - 1, balance[outflow], False)
    routine_until(chunk, ci, demand, salary, salary_stop_months(chunk, month, SERVICE_SALARY_STOP_SHARE), False)
