"""Reference data built in Python: the working-day calendar (工作日 with public holidays and 调休)."""

import dagster as dg

from orchestration.defs.ingestion.assets import raw_asset_key
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import settings
from orchestration.lib.contract import LOAD_ORDER
from orchestration.lib.data_window import measure_data_window, write_window_file
from orchestration.lib.quarantine import create_masked_view
from orchestration.lib.workcalendar import build_calendar

REFERENCE_SCHEMA = "reference"


@dg.asset(
    key=dg.AssetKey(["raw", "data_window"]),
    group_name="raw",
    deps=[raw_asset_key(t) for t in LOAD_ORDER],
    description="The loaded extract's first and last transaction day: the months the marts cover and the first "
    "monthly partition come from it. Counts, per dated table, the rows dated after the last transaction day "
    "(not yet part of the marts; raw.load_audit.rows_after_data_end) and warns about them. Refreshes "
    "raw.quarantine_masked, the quarantine with personal fields masked, for support staff.",
    kinds={"duckdb"},
)
def data_window(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        window = measure_data_window(con)
        create_masked_view(con)  # raw.quarantine_masked, for support staff
    write_window_file(window, settings.data_window_file())
    for warning in window.warnings:
        context.log.warning(warning)
    return dg.MaterializeResult(
        metadata={
            "first_day": str(window.first_day),
            "last_day": str(window.last_day),
            "rows_after_data_end": dg.MetadataValue.json(window.rows_after_data_end),
        }
    )


@dg.asset(
    key=dg.AssetKey([REFERENCE_SCHEMA, "working_days"]),
    group_name="raw",
    deps=[data_window],
    description="reference.working_days: one row per day from the year before the first transaction to the year "
    "after the last, with working days, public holidays and make-up workdays (调休) from the chinese_calendar "
    "library; years it does not know count weekends only, with a warning. Overrides: seed calendar_overrides.",
    kinds={"python", "duckdb"},
)
def working_days(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        first, last = con.execute(
            "SELECT year(min(txn_ts)), year(max(txn_ts)) FROM raw.transactions"
        ).fetchone()
        this_year = __import__("datetime").date.today().year
        first, last = (first or this_year) - 1, (last or this_year) + 1
        build = build_calendar(first, last)
        for warning in build.warnings:
            context.log.warning(warning)
        frame = build.days  # noqa: F841 - read by DuckDB below
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {REFERENCE_SCHEMA}")
        con.execute(f"CREATE OR REPLACE TABLE {REFERENCE_SCHEMA}.working_days AS SELECT * FROM frame ORDER BY calendar_date")
    return dg.MaterializeResult(
        metadata={
            "years": f"{first}-{last}",
            "years_from_library": dg.MetadataValue.json(build.years_from_library),
            "years_weekends_only": dg.MetadataValue.json(build.years_weekends_only),
            "warnings": dg.MetadataValue.json(build.warnings),
            "dagster/row_count": len(build.days),
        }
    )
