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
# Where the Great Expectations results (JSON) and Data Docs (HTML) of the quality checks are written.
QUALITY_ENV = "BRANCH_RETENTION_QUALITY_DIR"

DEFAULT_DATA_DIR = PROJECT_ROOT / "data"

# Privacy by default: no usage statistics leave the machine, from this process or the tools it starts (dbt runs
# as a subprocess and inherits them). The project's own settings say the same: dbt_project.yml
# (flags.send_anonymous_usage_stats), orchestration/dagster.yaml (telemetry.enabled), GX_ANALYTICS_ENABLED in
# orchestration/lib/quality.py. setdefault: an operator who sets one of them on purpose keeps it.
NO_TELEMETRY_ENV = {
    "DO_NOT_TRACK": "1",  # the cross-tool convention dbt honours
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}
for _name, _value in NO_TELEMETRY_ENV.items():
    os.environ.setdefault(_name, _value)


def warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_DATA_DIR / "warehouse.duckdb").resolve()


def landing_dir() -> Path:
    return Path(os.environ.get(LANDING_ENV) or DEFAULT_DATA_DIR / "landing").resolve()


def dagster_home() -> Path:
    """Where Dagster keeps run history, so `make run` runs show in `dagster dev`."""
    return Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DATA_DIR / "dagster_home").resolve()


def quality_dir() -> Path:
    """Great Expectations validation results (results/<suite>.json) and Data Docs (data_docs/index.html)."""
    return Path(os.environ.get(QUALITY_ENV) or DEFAULT_DATA_DIR / "quality").resolve()


# Where the marts are published for BI tools (serving DuckDB file and Parquet).
PUBLISH_ENV = "BRANCH_RETENTION_PUBLISH_DIR"
# First month of the monthly partitions (YYYY-MM-01): the earliest month a backfill can rebuild. Unset: the
# first month of the data loaded (the data window file), else NO_DATA_FIRST_MONTH (nothing loaded yet: a
# run reloads the definitions once its data is in, so an earlier history still gets its months).
NO_DATA_FIRST_MONTH = "2000-01-01"
FIRST_MONTH_ENV = "BRANCH_RETENTION_FIRST_MONTH"


# Where `branch-retention run` writes its full log (one file per run; the run prints its path).
LOG_DIR_ENV = "BRANCH_RETENTION_LOG_DIR"


def log_dir() -> Path:
    """Default: logs/ beside the warehouse file (data/logs for the default warehouse)."""
    return Path(os.environ.get(LOG_DIR_ENV) or warehouse_path().parent / "logs").resolve()


def publish_dir() -> Path:
    return Path(os.environ.get(PUBLISH_ENV) or DEFAULT_DATA_DIR / "published").resolve()


def data_window_file() -> Path:
    """The loaded data's first and last transaction day (orchestration/lib/data_window.py), beside the warehouse."""
    warehouse = warehouse_path()
    return warehouse.with_name(warehouse.name + ".data_window.json")


def first_partition_month() -> str:
    from orchestration.lib.data_window import read_first_month

    return os.environ.get(FIRST_MONTH_ENV) or read_first_month(data_window_file()) or NO_DATA_FIRST_MONTH


DAGSTER_YAML = PROJECT_ROOT / "orchestration" / "dagster.yaml"
# The instance settings a DAGSTER_HOME gets when its dagster.yaml says nothing about them (section: comment).
SETTINGS_OFF = {
    "telemetry": "No usage statistics leave the machine",
    "nux": 'No first-visit "join the Dagster community" prompt',
}


def prepare_dagster_home(home: Path) -> None:
    """DAGSTER_HOME with the project's instance settings (orchestration/dagster.yaml) when it has none. A home
    whose dagster.yaml does not say anything about telemetry gets `telemetry: enabled: false` appended (Dagster
    sends usage statistics unless told not to), and likewise `nux: enabled: false` (the UI's first-visit
    community prompt); an explicit `enabled: true` is the operator's choice and stays."""
    import yaml

    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        target.write_text(DAGSTER_YAML.read_text())
        return
    for section, comment in SETTINGS_OFF.items():
        text = target.read_text()
        current = yaml.safe_load(text) or {}
        if "enabled" in (current.get(section) or {}):
            continue
        if section in current:
            # a section without `enabled`: rewrite the file (comments go, the settings stay)
            current[section] = {**(current[section] or {}), "enabled": False}
            target.write_text(yaml.safe_dump(current, sort_keys=False))
        else:
            added = f"# {comment} (added by branch-retention).\n{section}:\n  enabled: false\n"
            target.write_text(text + ("" if text.endswith("\n") or not text else "\n") + added)
