"""The one Definitions object: ingestion assets, dbt assets with their tests as checks, GE checks."""

import os

import dagster as dg

from orchestration.defs.dbt.assets import branch_retention_dbt_assets, dbt_resource
from orchestration.defs.ingestion.assets import raw_assets
from orchestration.defs.quality.checks import customers_contact_fields
from orchestration.defs.reference.assets import working_days
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import settings

# dbt runs as a subprocess and reads the warehouse path from the environment: give it the same file.
os.environ.setdefault(settings.WAREHOUSE_ENV, str(settings.warehouse_path()))

# Everything: raw tables, then the dbt models and their tests.
main_job = dg.define_asset_job("main_job", selection=dg.AssetSelection.all(), description="Load the extracts and build every mart.")

defs = dg.Definitions(
    assets=[*raw_assets, working_days, branch_retention_dbt_assets],
    asset_checks=[customers_contact_fields],
    jobs=[main_job],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    # DuckDB allows one writer per file: steps run one after another in one process.
    executor=dg.in_process_executor,
)
