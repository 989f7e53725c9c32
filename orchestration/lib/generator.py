"""Compatibility shim: the sample-bank generator lives in `orchestration.lib.sample_bank`.

Kept because tests, benchmarks and the pipeline fixtures import `orchestration.lib.generator`.
"""

from .sample_bank import (  # noqa: F401
    CHUNK_SIZE,
    DAILY_TABLES,
    DEFAULT_END_DATE,
    GROUND_TRUTH_DIR,
    OUTPUT_TABLES,
    OWN_BANK_CODE,
    PLANTS,
    TIER_FLOORS,
    TIERS,
    generate_bank,
    split_daily_delivery,
    table_schema,
)
