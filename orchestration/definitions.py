"""The one Definitions object: ingestion and reference assets, dbt assets with their tests as checks,
Great Expectations checks, publishing for BI, jobs, the daily schedule and the landing-folder sensor."""

import os

import dagster as dg

from orchestration.defs.automation.jobs import (
    daily_refresh,
    ingest_job,
    landing_folder_sensor,
    main_job,
    run_failure_alert,
    transform_job,
)
from orchestration.defs.dbt.assets import dbt_asset_defs, dbt_resource
from orchestration.defs.ingestion.assets import raw_assets
from orchestration.defs.publishing.assets import published_marts
from orchestration.defs.publishing.freshness import freshness_checks, freshness_sensor
from orchestration.defs.quality.checks import quality_checks
from orchestration.defs.reference.assets import data_window, working_days
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.risk.assets import risk_model_asset
from orchestration.lib import settings

# dbt runs as a subprocess and reads the warehouse path from the environment: give it the same file.
os.environ.setdefault(settings.WAREHOUSE_ENV, str(settings.warehouse_path()))

defs = dg.Definitions(
    assets=[*raw_assets, data_window, working_days, *dbt_asset_defs, risk_model_asset, published_marts],
    asset_checks=[*quality_checks, *freshness_checks],
    jobs=[ingest_job, transform_job, main_job],
    schedules=[daily_refresh],
    sensors=[landing_folder_sensor, run_failure_alert, freshness_sensor],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    # DuckDB allows one writer per file: steps run one after another in one process.
    executor=dg.in_process_executor,
)
