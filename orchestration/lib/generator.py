"""Compatibility shim: the sample-bank generator lives in `orchestration.lib.sample_bank`.

Kept because tests, benchmarks and the pipeline fixtures import `orchestration.lib.generator`.
"""

from .sample_bank import (  # noqa: F401
    CHUNK_SIZE,
    CLEAN_OUTPUT_TABLES,
    DAILY_TABLES,
    DEFAULT_END_DATE,
    DEFAULT_MESS,
    GROUND_TRUTH_DIR,
    NO_MESS,
    OUTPUT_TABLES,
    OWN_BANK_CODE,
    PLANTS,
    TIER_FLOORS,
    TIERS,
    MessRates,
    generate_bank,
    split_daily_delivery,
    table_schema,
)
