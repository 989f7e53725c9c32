"""The dbt project as Dagster assets, partitioned by month; dbt tests become asset checks."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.lib import engine, settings
from orchestration.lib.dbt_args import build_args, dbt_vars

# The dbt installed beside this Python, so nothing needs activating: `dagster dev` re-parses the project
# with the `dbt` it finds on PATH.
DBT_BIN_DIR = Path(sys.prefix) / "bin"
if (DBT_BIN_DIR / "dbt").exists() and str(DBT_BIN_DIR) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = str(DBT_BIN_DIR) + os.pathsep + os.environ.get("PATH", "")

# The manifest is read from where dbt writes its artifacts: dbt's own DBT_TARGET_PATH when set, else target/.
dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR,
                         target_path=os.environ.get("DBT_TARGET_PATH", "target"))
# Under `dagster dev` the manifest is re-parsed; elsewhere the install step (make) has prepared it.
dbt_project.prepare_if_dev()

# One partition per calendar month. A run for a month (or a backfill over several) rebuilds those months
# of the incremental monthly facts; the other models are tables rebuilt whole on every run.
# end_offset=1: the month in progress is a partition too (the daily refresh writes into it).
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=settings.first_partition_month(), end_offset=1)


# Folders whose models belong to another domain's group.
DOMAIN_GROUPS = {"balances": "customers"}


class BranchRetentionTranslator(DagsterDbtTranslator):
    """Sources are the Python assets (raw/<table>, reference/<table>). Models group by business domain, the
    folder under their layer (models/<layer>/<domain>/), so the graph reads in the order the data flows:
    staging, then customers (balances are the customers' money), churn, lifecycle, staffing, branches, quality."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 3:
            if fqn[1] == "staging":
                return "staging"
            return DOMAIN_GROUPS.get(fqn[2], fqn[2])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return super().get_group_name(dbt_resource_props)


# Source tests are asset checks on the raw assets like the others (without it, each was logged as an
# observation with a warning: a hundred warnings a run).
translator = BranchRetentionTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True))


class DbtRunConfig(dg.Config):
    """Run configuration of the dbt step (Launchpad: ops.branch_retention_dbt_assets.config)."""

    as_of_date: str | None = None  # YYYY-MM-DD; default: the latest data
    full_refresh: bool = False  # rebuild incremental models from scratch


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=dbt_project,
    partitions_def=monthly_partitions,
)
def branch_retention_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig):
    window = context.partition_time_window if context.has_partition_key_range or context.has_partition_key else None
    vars_ = dbt_vars(window.start if window else None, window.end if window else None, config.as_of_date)
    context.log.info(f"dbt vars: {vars_}")
    if not engine.uses_duckdb():
        # Ingestion validated the extracts into the DuckDB working warehouse; dbt builds in the engine, so
        # the tables it reads are copied there first (orchestration/lib/engine.py).
        copied = engine.load_into_engine(settings.warehouse_path())
        context.log.info(f"copied into {engine.target()}: " + ", ".join(f"{t} {n} rows" for t, n in copied.items()))
    # Whether an incremental model may keep its earlier months is decided in dbt itself, from what each was
    # built from (macros/incremental/build_state.sql), so a dbt-only run is as right as this one.
    yield from dbt.cli(build_args(vars_, config.full_refresh), context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(settings.DBT_PROJECT_DIR))
