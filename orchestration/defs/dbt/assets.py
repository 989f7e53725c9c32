"""The dbt project as Dagster assets; dbt tests become asset checks."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.lib import settings

# The dbt installed beside this Python, so nothing needs activating: `dagster dev` re-parses the project
# with the `dbt` it finds on PATH.
DBT_BIN_DIR = Path(sys.prefix) / "bin"
if (DBT_BIN_DIR / "dbt").exists() and str(DBT_BIN_DIR) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = str(DBT_BIN_DIR) + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is re-parsed; elsewhere the install step (make) has prepared it.
dbt_project.prepare_if_dev()


class BranchRetentionTranslator(DagsterDbtTranslator):
    """Sources are the ingestion assets (raw/<table>); models group by their folder (layer)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # raw/<table> from the ingestion assets, reference/<table> from the reference assets
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]  # staging, intermediate, marts
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return super().get_group_name(dbt_resource_props)

translator = BranchRetentionTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, project=dbt_project)
def branch_retention_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()

def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(settings.DBT_PROJECT_DIR))
