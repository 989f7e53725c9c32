"""The bank's codes as array indexes, its product catalogue and its tiers (docs/rules.md sections 3 and 9).

Rows are built as integer codes (an index into a contract tuple such as `contract.PRODUCT_TYPES`) and only
turned into text when a table is written.
"""

from __future__ import annotations

import numpy as np

from ..contract import (
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    PRODUCT_TYPES,
    ROLES,
    STATED_PURPOSES,
    TXN_CHANNELS,
    TXN_TYPES,
)

# The code written in counterparty_bank when the money stays in this bank (own accounts, other customers here).
OWN_BANK_CODE = "本行"

# Measured tiers, lowest first, with the docs/rules.md section 3 default floors in CNY (monthly daily-average AUM).
TIERS = ("none", "mass", "affluent", "wealth", "private")
TIER_FLOORS = {"affluent": 50_000, "wealth": 500_000, "private": 6_000_000}

PRODUCT = {p: i for i, p in enumerate(PRODUCT_TYPES)}
TXN_TYPE = {t: i for i, t in enumerate(TXN_TYPES)}
TXN_CHANNEL = {c: i for i, c in enumerate(TXN_CHANNELS)}
CREDIT, DEBIT = 0, 1  # index into contract.DIRECTIONS
ROLE = {r: i for i, r in enumerate(ROLES)}
CONTACT_CHANNEL = {c: i for i, c in enumerate(CONTACT_CHANNELS)}
OUTCOME = {c: i for i, c in enumerate(CONTACT_OUTCOMES)}
PURPOSE = {s: i for i, s in enumerate(STATED_PURPOSES)}

# Role serving each tier (index into contract.ROLES), tier index -> role index.
TIER_ROLE = np.array([ROLE["lobby_manager"], ROLE["teller"], ROLE["lobby_manager"], ROLE["wealth_manager"],
                      ROLE["private_banker"]])  # none -> lobby_manager (leads), mass -> teller, ...

# Product catalogue: code -> (term in days, annual rate in millionths: 8_000 = 0.8 %).
TIME_DEPOSIT_PRODUCTS = {"TD-3M": (91, 8_000), "TD-6M": (182, 10_000), "TD-1Y": (365, 12_000),
                         "TD-2Y": (730, 13_000), "TD-3Y": (1095, 15_500), "CD-3Y": (1095, 17_500)}
WEALTH_PRODUCTS = {"WM-90D": (90, 19_000), "WM-180D": (180, 21_000), "WM-365D": (365, 24_000),
                   "WM-730D": (730, 27_000)}
FUND_CODES = ("000198", "110022", "161725", "519674", "001632", "005827", "003095", "000001", "270042", "006228")
INSURANCE_CODES = ("INS-WL", "INS-AN", "INS-EN")
# Demand-deposit interest rate, in millionths (0.05 % a year).
DEMAND_DEPOSIT_RATE = 500
