"""Planted lifecycle scenarios (docs/rules.md section 4): potential, development, growth, maturity, decline,
termination. Labels are the stage in each month the scenario fixes (`_ground_truth/lifecycle.csv`)."""

from __future__ import annotations

import numpy as np

from .arrays import clear_of_tier_floors, log_uniform, round_to_yuan, seconds_into_day, split_by_shares
from .calendar import NO_DAY, SECONDS_PER_DAY
from .catalogue import CREDIT, DEBIT, DEMAND_DEPOSIT_RATE, PRODUCT, ROLE, TIER_ROLE, TXN_CHANNEL, TXN_TYPE
from .chunk import CustomerChunk


def plant_potential(chunk: CustomerChunk, ci) -> bool:
    """Potential: a lead with no account, or an account opened and never funded."""
    rng, window = chunk.rng, chunk.window
    n = len(ci)
    chunk.starting_tier[ci] = 0
    opened = split_by_shares(rng, n, [0.5, 0.5]) == 1
    if opened.any():
        chunk.planted_demand_account(ci[opened], 0)
    attempted = rng.random(n) < 0.6
    if attempted.any():
        chunk.regular_contacts(ci[attempted], ROLE["lobby_manager"],
                               rng.integers(0, window.n_months, int(attempted.sum())), window.n_months - 1,
                               per_month=1, reached=False)
    chunk.label_stage(ci, np.zeros(n, np.int64), "potential")
    for m in range(1, window.full_months):
        chunk.label_stage(ci, m, "potential")
    chunk.record_plant(ci, "life_potential", np.where(opened, "unfunded_account", "no_account"))
    return True


def plant_development(chunk: CustomerChunk, ci) -> bool:
    """Development: onboarded and first funded inside the window; also the 'new' tier movement."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    funded_month = chunk.pick_months(n, 1, window.full_months - 2)
    if funded_month is None:
        return False
    chunk.onboarded[ci] = window.day(funded_month, rng.integers(3, 21, n))
    chunk.starting_tier[ci] = 1
    demand = chunk.planted_demand_account(ci, 0)
    first_deposit = round_to_yuan(rng.uniform(5_000, 35_000, n), 100)
    salary = round_to_yuan(rng.uniform(2_000, 5_000, n), 100)
    cash = rng.random(n) < 0.6
    ts = chunk.onboarded[ci] * SECONDS_PER_DAY + seconds_into_day(rng, n, 10, 16)
    chunk.transactions.add(demand, ts, CREDIT, first_deposit,
                           np.where(cash, TXN_TYPE["cash_deposit"], TXN_TYPE["transfer_in"]),
                           np.where(cash, TXN_CHANNEL["counter"], TXN_CHANNEL["mobile"]),
                           np.where(cash, -1, chunk.own_name(ci)), np.where(cash, -1, chunk.other_bank(n)),
                           np.where(cash, 0, chunk.card[ci]), np.where(cash, pool.id("开户存入"), pool.id("他行转入")))
    chunk.quiet_routine(ci, demand, funded_month + 1, window.n_months - 1, salary)
    chunk.regular_contacts(ci, ROLE["teller"], funded_month, window.n_months - 1)
    for k in range(5):
        m = funded_month + k
        sel = m <= window.full_months - 1
        chunk.label_stage(ci[sel], m[sel], "development")
    chunk.label_tier_move(ci, funded_month, "new", "none", "mass")
    for m in range(1, window.full_months):
        sel = m > funded_month
        chunk.label_tier_move(ci[sel], m, "stable", "mass", "mass")
    chunk.record_plant(ci, "life_development", np.where(cash, "cash_deposit", "transfer_in"))
    return True


def plant_growth(chunk: CustomerChunk, ci) -> bool:
    """Growth: a stable affluent customer brings in a quarter of the starting balance every month."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    growth_month = chunk.pick_months(n, 3, window.full_months - 2)
    if growth_month is None:
        return False
    starting_balance = round_to_yuan(rng.uniform(80_000, 150_000, n), 100)
    salary = round_to_yuan(rng.uniform(3_000, 8_000, n), 100)
    chunk.starting_tier[ci] = 2
    demand = chunk.planted_demand_account(ci, starting_balance)
    step = round_to_yuan(starting_balance / 100 * 0.25, 100)
    r, m = np.nonzero(np.arange(window.n_months)[None, :] >= growth_month[:, None])
    k = len(r)
    day = window.day(m, rng.integers(2, 5, k))
    chunk.transactions.add(demand[r], day * SECONDS_PER_DAY + seconds_into_day(rng, k, 10, 16), CREDIT, step[r],
                           TXN_TYPE["transfer_in"],
                           np.where(rng.random(k) < 0.7, TXN_CHANNEL["mobile"], TXN_CHANNEL["online"]),
                           chunk.own_name(ci[r]), chunk.other_bank(k), chunk.card[ci[r]],
                           np.where(rng.random(k) < 0.5, pool.id("他行转入"), pool.id("资金归集")))
    chunk.quiet_routine(ci, demand, 0, window.n_months - 1, salary)
    chunk.regular_contacts(ci, ROLE["lobby_manager"], 0, window.n_months - 1)
    for m in range(window.full_months):
        sel = m >= growth_month
        chunk.label_stage(ci[sel], m, "growth")
    chunk.record_plant(ci, "life_growth", "monthly_inflow_25pct")
    return True


def plant_maturity(chunk: CustomerChunk, ci) -> bool:
    """Maturity: a long-standing customer whose balances and habits do not change."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    demand_balance = round_to_yuan(log_uniform(rng, 20_000, 400_000, n), 100)
    salary = round_to_yuan(rng.uniform(3_000, 9_000, n), 100)
    maturity = window.end_day + rng.integers(30, 300, n)
    has_deposit = (rng.random(n) < 0.4) & (maturity - 1095 < window.start_day - 30)
    deposit = np.where(has_deposit, round_to_yuan(rng.uniform(50_000, 300_000, n), 1000), 0)
    has_insurance = rng.random(n) < 0.2
    cash_value = np.where(has_insurance, round_to_yuan(rng.uniform(10_000, 100_000, n), 100), 0)
    total = demand_balance + deposit + cash_value
    demand_balance = demand_balance + (clear_of_tier_floors(total) - total)
    total = demand_balance + deposit + cash_value
    chunk.starting_tier[ci] = np.where(total >= 50_000 * 100, np.where(total >= 500_000 * 100, 3, 2), 1)
    demand = chunk.planted_demand_account(ci, demand_balance)
    if has_deposit.any():
        c = ci[has_deposit]
        chunk.onboarded[c] = np.minimum(chunk.onboarded[c], maturity[has_deposit] - 1095 - 30)
        chunk.accounts.add(c, PRODUCT["time_deposit"], pool.id("TD-3Y"), maturity[has_deposit] - 1095,
                           maturity[has_deposit], NO_DAY, 15_500, deposit[has_deposit], planted=True)
    if has_insurance.any():
        k = int(has_insurance.sum())
        c = ci[has_insurance]
        chunk.accounts.add(c, PRODUCT["insurance"], pool.pick(rng, "ins_codes", k),
                           chunk.onboarded[c] + rng.integers(1, 200, k), opening=cash_value[has_insurance],
                           planted=True)
    chunk.quiet_routine(ci, demand, 0, window.n_months - 1, salary)
    chunk.regular_contacts(ci, TIER_ROLE[chunk.starting_tier[ci]], 0, window.n_months - 1)
    for m in range(3, window.full_months):
        chunk.label_stage(ci, m, "maturity")
    chunk.record_plant(ci, "life_maturity", np.where(has_deposit, "with_time_deposit", "demand_only"))
    return True


def plant_decline(chunk: CustomerChunk, ci) -> bool:
    """Decline: an affluent customer moves 15 % of the balance out each month for four months (each fall
    stays under 30 % and 50k, so no churn event); the stage is decline from the third month on."""
    rng, window = chunk.rng, chunk.window
    n = len(ci)
    decline_month = chunk.pick_months(n, 1, window.full_months - 3)
    if decline_month is None:
        return False
    starting_balance = round_to_yuan(rng.uniform(200_000, 320_000, n), 100)
    salary = round_to_yuan(rng.uniform(2_000, 5_000, n), 100)
    chunk.starting_tier[ci] = 2
    demand = chunk.planted_demand_account(ci, starting_balance)
    balance = starting_balance.copy()
    for j in range(4):
        m = decline_month + j
        sel = m <= window.n_months - 1
        amount = np.round(balance * 0.15).astype(np.int64)
        if sel.any():
            k = int(sel.sum())
            chunk.money_leaves(ci[sel], demand[sel], window.day(m[sel], rng.integers(2, 5, k)), amount[sel])
        balance = balance - np.where(sel, amount, 0)
    chunk.quiet_routine(ci, demand, 0, window.n_months - 1, salary)
    chunk.regular_contacts(ci, ROLE["lobby_manager"], 0, window.n_months - 1)
    for m in range(window.full_months):
        sel = (m >= decline_month + 2) & (m <= decline_month + 10)
        chunk.label_stage(ci[sel], m, "decline")
    chunk.record_plant(ci, "life_decline", "four_outflows_15pct")
    return True


def plant_termination(chunk: CustomerChunk, ci) -> bool:
    """Termination: the only account is emptied in cash and closed, or emptied by transfer and left idle
    for six months. Either way the first month without money is also an (unclassified) churn event."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    end_month = chunk.pick_months(n, 1, window.full_months - 2)
    if end_month is None:
        return False
    idle_fits = window.full_months - 7 >= 0
    idle = (split_by_shares(rng, n, [0.6, 0.4]) == 1) & idle_fits
    end_month = np.where(idle, rng.integers(0, max(window.full_months - 7, 0) + 1, n), end_month)
    balance = round_to_yuan(rng.uniform(5_000, 40_000, n), 100)
    salary = round_to_yuan(rng.uniform(2_000, 4_000, n), 100)
    chunk.starting_tier[ci] = 1
    day = window.day(end_month, rng.integers(6, 21, n))
    demand = chunk.accounts.add(ci, PRODUCT["demand_deposit"], pool.id("DD-I"), chunk.onboarded[ci],
                                closed=np.where(idle, NO_DAY, day), rate=DEMAND_DEPOSIT_RATE, opening=balance,
                                planted=True)
    chunk.quiet_routine(ci, demand, 0, end_month - 1, salary)
    close = ~idle
    if close.any():
        k = int(close.sum())
        chunk.transactions.add(demand[close], day[close] * SECONDS_PER_DAY + seconds_into_day(rng, k, 9.5, 16), DEBIT,
                               balance[close], TXN_TYPE["cash_withdrawal"], TXN_CHANNEL["counter"],
                               memo=pool.id("销户"))
    if idle.any():
        chunk.money_leaves(ci[idle], demand[idle], day[idle], balance[idle], to_firm_share=0.0)
    chunk.regular_contacts(ci, ROLE["teller"], 0, np.where(idle, window.n_months - 1, end_month))
    for m in range(window.full_months):
        sel = np.where(idle, m >= end_month + 6, m >= end_month)
        chunk.label_stage(ci[sel], m, "termination")
    chunk.label_churn(ci, np.where(idle, end_month + 1, end_month), "unclassified", False)
    chunk.record_plant(ci, "life_termination", np.where(idle, "emptied_idle_6_months", "closed"))
    return True
