"""Publish the marts for BI tools after every successful build (see orchestration/lib/publish.py)."""

from datetime import datetime, timezone

import dagster as dg

from orchestration.defs.dbt.assets import branch_retention_dbt_assets
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import engine, settings
from orchestration.lib.publish import publish_marts, render_pages, switch_pages

MART_KEYS = [k for k in branch_retention_dbt_assets.keys if k.path[0] == "marts"]


@dg.asset(
    key=dg.AssetKey(["published", "marts"]),
    group_name="published",
    deps=MART_KEYS,
    description="The marts as BI tools read them: serving/marts.duckdb (DuckDB 1.0+ can open it) and "
    "parquet/current/<mart>.parquet under BRANCH_RETENTION_PUBLISH_DIR (default data/published), each "
    "replaced atomically, so a reader never sees a half-refreshed set and never meets a lock; and the morning "
    "pages (pages/current/<branch>/index.html), rendered first and switched right after the marts.",
    kinds={"duckdb", "parquet"},
)
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    publication_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    on_duckdb = engine.uses_duckdb()
    # Pages first: a render that fails stops here, before the marts or the pages are switched. The pages read
    # the DuckDB warehouse; on PostgreSQL they are not rendered yet (said in the log, the marts still publish).
    pages_partial = render_pages(warehouse.database_path, settings.publish_dir(), publication_id) if on_duckdb else None
    publication = publish_marts(warehouse.database_path, settings.publish_dir(), publication_id,
                                from_postgres=not on_duckdb)
    if pages_partial is not None:
        pages = switch_pages(settings.publish_dir(), pages_partial, publication_id)
        context.log.info(f"published {len(publication.rows)} marts to {publication.serving_file} and the morning "
                         f"pages to {pages}")
    else:
        pages = None
        context.log.info(f"published {len(publication.rows)} marts to {publication.serving_file}; the morning "
                         "pages are rendered only on the DuckDB target")
    return dg.MaterializeResult(
        metadata={
            "publication_id": publication.publication_id,
            "serving_file": str(publication.serving_file),
            "parquet_dir": str(publication.parquet_dir),
            "pages_dir": str(pages) if pages else "",
            "rows": dg.MetadataValue.json(publication.rows),
        }
    )
