"""Planted tier movements (docs/rules.md section 3): an upgrade, and a downgrade or loss with no churn signal.
Labels are every month's movement (`_ground_truth/tier_moves.csv`)."""

from __future__ import annotations

import numpy as np

from .arrays import round_to_yuan, seconds_into_day, split_by_shares
from .calendar import NO_DAY, SECONDS_PER_DAY
from .catalogue import CREDIT, DEBIT, OWN_BANK_CODE, PRODUCT, TIER_ROLE, TIERS, TXN_CHANNEL, TXN_TYPE
from .chunk import CustomerChunk
from .transactions import internal_account


def plant_upgrade(chunk: CustomerChunk, ci) -> bool:
    """Tier upgrade: a large inflow on the 2nd of a month lifts the customer one tier, then stays."""
    rng, window, pool = chunk.rng, chunk.window, chunk.pool
    n = len(ci)
    upgrade_month = chunk.pick_months(n, 1, window.full_months - 1)
    if upgrade_month is None:
        return False
    start = 1 + split_by_shares(rng, n, [0.45, 0.4, 0.15])
    lo = np.array([0, 5_000, 80_000, 900_000])[start]
    hi = np.array([0, 30_000, 350_000, 3_000_000])[start]
    starting_assets = round_to_yuan(rng.uniform(lo, hi), 100)
    target_lo = np.array([0, 150_000, 900_000, 8_000_000])[start]
    target_hi = np.array([0, 400_000, 3_000_000, 15_000_000])[start]
    target_assets = round_to_yuan(rng.uniform(target_lo, target_hi), 1000)
    salary = round_to_yuan(rng.uniform(3_000, 9_000, n), 100)
    chunk.starting_tier[ci] = start
    # wealth customers keep most of the money in a 3-year deposit maturing after the window
    in_deposit = (start == 3) & (window.end_day + 300 - 1095 < window.start_day - 30)
    demand_opening = np.where(in_deposit, round_to_yuan(starting_assets / 100 * 0.3, 100), starting_assets)
    demand = chunk.planted_demand_account(ci, demand_opening)
    if in_deposit.any():
        k = int(in_deposit.sum())
        maturity = window.end_day + rng.integers(30, 300, k)
        chunk.onboarded[ci[in_deposit]] = np.minimum(chunk.onboarded[ci[in_deposit]], maturity - 1095 - 30)
        chunk.accounts.add(ci[in_deposit], PRODUCT["time_deposit"], pool.id("TD-3Y"), maturity - 1095, maturity,
                           NO_DAY, 15_500, (starting_assets - demand_opening)[in_deposit], planted=True)
    day = window.day(upgrade_month, 2)
    inflow = target_assets - starting_assets
    from_company = rng.random(n) < 0.35
    payer = np.where(from_company, pool.pick(rng, "companies", n), chunk.own_name(ci))
    payer_account = np.where(from_company, chunk.ctx.details.company_accounts[payer], chunk.card[ci])
    memo = np.where(from_company, pool.id("分红"), np.where(rng.random(n) < 0.5, pool.id("资金归集"), -1))
    chunk.transactions.add(demand, day * SECONDS_PER_DAY + seconds_into_day(rng, n, 10, 15), CREDIT, inflow,
                           TXN_TYPE["transfer_in"],
                           np.where(rng.random(n) < 0.5, TXN_CHANNEL["counter"], TXN_CHANNEL["online"]), payer,
                           chunk.other_bank(n), payer_account, memo)
    # richer ones buy a wealth product a few days later (an internal move: AUM unchanged)
    buys = start >= 2
    if buys.any():
        k = int(buys.sum())
        c = ci[buys]
        buy_day = day[buys] + rng.integers(2, 6, k)
        amount = round_to_yuan(inflow[buys] / 100 * rng.uniform(0.6, 0.8, k), 1000)
        wealth = chunk.accounts.add(c, PRODUCT["wealth_product"], pool.id("WM-730D"), buy_day, buy_day + 730, NO_DAY,
                                    27_000, 0, planted=True)
        ts = buy_day * SECONDS_PER_DAY + seconds_into_day(rng, k, 10, 15)
        own = chunk.own_name(c)
        chunk.transactions.add(demand[buys], ts, DEBIT, amount, TXN_TYPE["product_purchase"], TXN_CHANNEL["counter"],
                               own, pool.id(OWN_BANK_CODE), internal_account(wealth), pool.id("购买理财"))
        chunk.transactions.add(wealth, ts + 1, CREDIT, amount, TXN_TYPE["product_purchase"], TXN_CHANNEL["counter"],
                               own, pool.id(OWN_BANK_CODE), internal_account(demand[buys]), pool.id("购买理财"))
    chunk.quiet_routine(ci, demand, 0, window.n_months - 1, salary)
    chunk.regular_contacts(ci, TIER_ROLE[start], 0, window.n_months - 1)
    tier_before = np.array(TIERS, dtype=object)[start]
    tier_after = np.array(TIERS, dtype=object)[start + 1]
    for m in range(1, window.full_months):
        sel = m < upgrade_month
        chunk.label_tier_move(ci[sel], m, "stable", tier_before[sel], tier_before[sel])
        sel = m == upgrade_month
        chunk.label_tier_move(ci[sel], m, "upgrade", tier_before[sel], tier_after[sel])
        sel = m > upgrade_month
        chunk.label_tier_move(ci[sel], m, "stable", tier_after[sel], tier_after[sel])
    chunk.record_plant(ci, "tier_upgrade", tier_before + "_to_" + tier_after)
    return True


def plant_downgrade(chunk: CustomerChunk, ci) -> bool:
    """Tier downgrade: on the 1st of a month the customer moves money to another bank, one tier down (or all
    of it: 'lost'). No signal of any type is planted, so the churn event is unclassified."""
    rng, window = chunk.rng, chunk.window
    n = len(ci)
    move_month = chunk.pick_months(n, 1, window.full_months - 1)
    if move_month is None:
        return False
    # private, wealth, affluent down one tier; mass, affluent down to none ('lost')
    kind = split_by_shares(rng, n, [0.12, 0.25, 0.3, 0.13, 0.2])
    start = np.array([4, 3, 2, 1, 2])[kind]
    lost = kind >= 3
    lo = np.array([0, 10_000, 100_000, 900_000, 8_000_000])[start]
    hi = np.array([0, 40_000, 400_000, 3_000_000, 15_000_000])[start]
    starting_balance = round_to_yuan(rng.uniform(lo, hi), 100)
    kept_lo = np.array([0, 0, 5_000, 100_000, 1_000_000])[start]
    kept_hi = np.array([0, 0, 30_000, 350_000, 3_000_000])[start]
    kept = np.where(lost, 0, round_to_yuan(rng.uniform(kept_lo, kept_hi), 100))
    after = np.where(lost, 0, start - 1)
    salary = round_to_yuan(rng.uniform(3_000, 9_000, n), 100)
    chunk.starting_tier[ci] = start
    demand = chunk.planted_demand_account(ci, starting_balance)
    day = window.day(move_month, 1)
    chunk.money_leaves(ci, demand, day, starting_balance - kept, hours=(9, 11), to_firm_share=0.25)
    chunk.quiet_routine(ci, demand, 0, np.where(lost, move_month - 1, window.n_months - 1), salary)
    chunk.regular_contacts(ci, TIER_ROLE[start], 0, window.n_months - 1)
    tier_before = np.array(TIERS, dtype=object)[start]
    tier_after = np.array(TIERS, dtype=object)[after]
    for m in range(1, window.full_months):
        sel = m < move_month
        chunk.label_tier_move(ci[sel], m, "stable", tier_before[sel], tier_before[sel])
        sel = m == move_month
        chunk.label_tier_move(ci[sel], m, np.where(lost[sel], "lost", "downgrade"), tier_before[sel], tier_after[sel])
        sel = (m > move_month) & ~lost
        chunk.label_tier_move(ci[sel], m, "stable", tier_after[sel], tier_after[sel])
    chunk.label_churn(ci, move_month, "unclassified", False)
    chunk.record_plant(ci, "tier_downgrade", tier_before + "_to_" + tier_after)
    return True
