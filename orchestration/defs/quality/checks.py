"""Great Expectations suites as Dagster asset checks (warnings: the run goes on)."""

import dagster as dg

from orchestration.defs.ingestion.assets import raw_asset_key
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.quality import SuiteOutcome, validate_frame

def suite_check_result(outcome: SuiteOutcome, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    metadata = {}
    for o in outcome.outcomes:
        name = f"{o.expectation}:{o.column}" if o.column else o.expectation
        metadata[name] = dg.MetadataValue.json(
            {
                "success": o.success,
                "element_count": o.element_count,
                "unexpected_count": o.unexpected_count,
                "unexpected_percent": o.unexpected_percent,
                "mostly": o.mostly,
            }
        )
    return dg.AssetCheckResult(passed=outcome.success, severity=severity, metadata=metadata)

@dg.asset_check(
    asset=raw_asset_key("customers"),
    name="customers_contact_fields",
    description="Great Expectations suite customers_contact: mobile present and in the ^1[3-9][0-9]{9}$ format "
    "for most customers (thresholds in expectations/suites/customers_contact.json). Warns; never stops the run.",
)
def customers_contact_fields(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=False) as con:
        frame = con.execute("SELECT customer_id, mobile_phone FROM raw.customers").df()
    return suite_check_result(validate_frame("customers_contact", frame), dg.AssetCheckSeverity.WARN)
