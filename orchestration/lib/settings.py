"""Where things are. One setting each; dbt's profiles.yml reads the same environment variables."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# The DuckDB file of the working warehouse. dbt's profiles.yml reads this variable too.
WAREHOUSE_ENV = "BRANCH_RETENTION_DUCKDB"
# The landing folder: one sub-folder per raw table holding CSV or Parquet files.
LANDING_ENV = "BRANCH_RETENTION_LANDING"

DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


def warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_DATA_DIR / "warehouse.duckdb").resolve()


def landing_dir() -> Path:
    return Path(os.environ.get(LANDING_ENV) or DEFAULT_DATA_DIR / "landing").resolve()


def dagster_home() -> Path:
    """Where Dagster keeps run history, so `make run` runs show in `dagster dev`."""
    return Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DATA_DIR / "dagster_home").resolve()
