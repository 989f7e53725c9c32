"""The sample bank: a realistic, reproducible raw extract of one city's retail-bank branches, with the labels
its planted customers must get under docs/rules.md (see bank.py for how it is built).

Modules, by responsibility: calendar (the data window), catalogue (codes, products, tiers), names (pools of
fake names and places), branches_and_staff, chunk (a slice of customers and the routines scenarios share),
churn_scenarios / lifecycle_scenarios / tier_scenarios (the planted paths), warning_signs (signs before
churn, and look-alikes who show them and stay), scenarios (their registry),
background_customers, customers, accounts, transactions, contacts_and_complaints (the tables), ground_truth,
mess (placeholders, overdrafts, the fx book, duplicates, orphans, late rows), writer, daily_delivery,
bank (`generate_bank`).
"""

from .arrow_columns import table_schema
from .bank import CHUNK_SIZE, CLEAN_OUTPUT_TABLES, DEFAULT_END_DATE, OUTPUT_TABLES, generate_bank
from .catalogue import OWN_BANK_CODE, TIER_FLOORS, TIERS
from .daily_delivery import DAILY_TABLES, split_daily_delivery
from .ground_truth import GROUND_TRUTH_DIR
from .mess import DEFAULT_MESS, NO_MESS, MessRates
from .scenarios import PLANTS

__all__ = [
    "CHUNK_SIZE",
    "CLEAN_OUTPUT_TABLES",
    "DAILY_TABLES",
    "DEFAULT_END_DATE",
    "DEFAULT_MESS",
    "GROUND_TRUTH_DIR",
    "NO_MESS",
    "OUTPUT_TABLES",
    "OWN_BANK_CODE",
    "PLANTS",
    "TIERS",
    "TIER_FLOORS",
    "MessRates",
    "generate_bank",
    "split_daily_delivery",
    "table_schema",
]
