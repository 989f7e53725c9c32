"""Publish the marts for BI tools after every successful build (see orchestration/lib/publish.py)."""

import dagster as dg

from orchestration.defs.dbt.assets import branch_retention_dbt_assets
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import engine, settings
from orchestration.lib.publish import publish_all

MART_KEYS = [k for k in branch_retention_dbt_assets.keys if k.path[0] == "marts"]


@dg.asset(
    key=dg.AssetKey(["published", "marts"]),
    group_name="published",
    deps=MART_KEYS,
    description="The marts as BI tools read them: serving/marts.duckdb (DuckDB 1.0+ can open it) and "
    "parquet/current/<mart>.parquet under BRANCH_RETENTION_PUBLISH_DIR (default data/published), each "
    "replaced atomically, so a reader never sees a half-refreshed set and never meets a lock; and the morning "
    "pages (pages/current/<branch>/index.html), rendered first and switched right after the marts, with the "
    "offline quality report of the latest checks beside them (pages/current/quality/index.html).",
    kinds={"duckdb", "parquet"},
)
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    # Pages first: a render that fails stops the publish before the marts or the pages are switched. On
    # PostgreSQL and Spark both read the marts the engine built.
    done = publish_all(warehouse.database_path, settings.publish_dir(), on_duckdb=engine.uses_duckdb(),
                       quality_dir=settings.quality_dir())
    publication, pages = done.marts, done.pages_dir
    context.log.info(f"published {len(publication.rows)} marts to {publication.serving_file} and the morning "
                     f"pages to {pages}")
    return dg.MaterializeResult(
        metadata={
            "publication_id": publication.publication_id,
            "serving_file": str(publication.serving_file),
            "parquet_dir": str(publication.parquet_dir),
            "pages_dir": str(pages) if pages else "",
            "quality_report": dg.MetadataValue.path(str(done.quality_report)) if done.quality_report else "",
            "rows": dg.MetadataValue.json(publication.rows),
        }
    )
