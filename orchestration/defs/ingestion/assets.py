"""One asset per raw table: landing folder -> raw.<table>, bad rows to raw.quarantine with a reason."""


import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.lib.contract import LOAD_ORDER, TABLES
from orchestration.lib.ingest import load_table

RAW_GROUP = "raw"

def raw_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])

def _build_raw_asset(table: str) -> dg.AssetsDefinition:
    spec = TABLES[table]

    @dg.asset(
        key=raw_asset_key(table),
        group_name=RAW_GROUP,
        deps=[raw_asset_key(p) for p in spec.checked_against],  # its parents and the tables its rules read
        description=f"raw.{table}: {spec.description}. Loaded from the landing folder {table}/ (CSV or Parquet); "
        "rows that break the contract go to raw.quarantine with their reason. Only new files are read when the "
        "files loaded before are unchanged (see raw.load_audit).",
        kinds={"duckdb"},
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            result = load_table(con, table, warehouse.landing_path, full=warehouse.full_load)
        for warning in result.warnings:
            context.log.warning(warning)
        context.log.info(
            f"{table}: {result.mode} load ({result.plan}): {result.rows_new} rows read from "
            f"{len(result.files_read)} file(s); {result.rows_in} rows in = {result.rows_accepted} accepted + "
            f"{result.rows_quarantined} quarantined"
        )
        return dg.MaterializeResult(
            metadata={
                "rows_in": result.rows_in,
                "rows_accepted": result.rows_accepted,
                "rows_quarantined": result.rows_quarantined,
                "reconciles": result.reconciles,
                "load_mode": result.mode,
                "load_plan": result.plan,
                "rows_read": result.rows_new,
                "files": dg.MetadataValue.json(result.files),
                "files_read": dg.MetadataValue.json(result.files_read),
                "quarantine_reasons": dg.MetadataValue.json(result.reasons),
                "balance_chain_breaks": result.balance_chain_breaks,
                "dagster/row_count": result.rows_accepted,
            }
        )

    return _raw

raw_assets = [_build_raw_asset(t) for t in LOAD_ORDER]
