"""Great Expectations suites as Dagster asset checks: one check per suite in expectations/suites/.

Each check runs its suite on the table the suite's `meta.table` names, attached to the asset
`meta.asset` names (raw/<table> for the raw suites, marts/<model> for the mart_* suites). A raw suite
checks the rows its table's last load added (all of them after a full load): metadata `rows_checked`. Severity: ERROR when a failed expectation has severity "error" in the suite, else WARN.
A suite holding any error-severity expectation makes a blocking check: when it fails with ERROR, the
assets downstream of its table do not run. Results carry counts and percentages only, never a value.
The GE results (JSON) and Data Docs (HTML) go to settings.quality_dir().
"""

import dagster as dg

from orchestration.defs.ingestion.assets import raw_asset_key
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import engine, settings
from orchestration.lib.quality import (
    ERROR,
    SuiteOutcome,
    load_suite_config,
    suite_has_errors,
    suite_names,
    validate_table,
)
from orchestration.lib.quality_report import write_report

# The contact check keeps the name it was first given (run history in the UI is keyed by check name).
CHECK_NAMES = {"customers_contact": "customers_contact_fields"}


def check_severity(outcome: SuiteOutcome) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if outcome.severity == ERROR else dg.AssetCheckSeverity.WARN


def suite_check_result(outcome: SuiteOutcome, severity: dg.AssetCheckSeverity | None = None) -> dg.AssetCheckResult:
    """The check result: passed, severity and, per expectation, counts and percentages (no values)."""
    metadata: dict = {}
    for i, o in enumerate(outcome.outcomes, start=1):
        metadata[f"{i:02d} {o.label}"] = dg.MetadataValue.json(
            {
                "success": o.success,
                "severity": o.severity,
                "element_count": o.element_count,
                "unexpected_count": o.unexpected_count,
                "unexpected_percent": o.unexpected_percent,
                "mostly": o.mostly,
                "observed_value": o.observed_value,
                "raised_exception": o.raised_exception,
            }
        )
    metadata["rows_checked"] = outcome.scope
    metadata["failed_errors"] = sum(1 for o in outcome.failed if o.severity == ERROR)
    metadata["failed_warnings"] = sum(1 for o in outcome.failed if o.severity != ERROR)
    if outcome.results_path:
        metadata["results_json"] = dg.MetadataValue.path(str(outcome.results_path))
    if outcome.data_docs_path:
        metadata["data_docs"] = dg.MetadataValue.path(str(outcome.data_docs_path))
    return dg.AssetCheckResult(
        passed=outcome.success, severity=severity or check_severity(outcome), metadata=metadata
    )


def run_suite_check(warehouse: WarehouseResource, suite_name: str) -> dg.AssetCheckResult:
    schema, table = engine.table_name_parts(load_suite_config(suite_name)["meta"]["table"])
    if schema == "marts" and not engine.uses_duckdb():
        # a mart as the engine built it (raw tables are validated in DuckDB, where ingestion loads them)
        with engine.marts_connection(warehouse.database_path, [table]) as con:
            outcome = validate_table(con, suite_name, output_dir=settings.quality_dir())
    else:
        with warehouse.connect(read_only=False) as con:
            outcome = validate_table(con, suite_name, output_dir=settings.quality_dir())
    result = suite_check_result(outcome)
    # The offline quality report (every suite's latest result, counts only) follows each result.
    report = write_report(settings.quality_dir())
    return dg.AssetCheckResult(passed=result.passed, severity=result.severity,
                               metadata={**result.metadata, "quality_report": dg.MetadataValue.path(str(report))})


def build_suite_check(suite_name: str) -> dg.AssetChecksDefinition:
    config = load_suite_config(suite_name)
    meta = config["meta"]
    blocking = suite_has_errors(config)
    description = (
        f"Great Expectations suite {suite_name} on {meta['table']}: {meta.get('description', '')} "
        f"Thresholds and per-expectation severity in expectations/suites/{suite_name}.json. "
        + ("Blocking: a failed error-severity expectation stops the downstream assets."
           if blocking else "Warnings only: never stops the run.")
    )

    @dg.asset_check(
        # "customers" is the raw asset raw/customers; "marts/dim_customers" names a dbt asset by its key
        asset=dg.AssetKey(meta["asset"].split("/")) if "/" in meta["asset"] else raw_asset_key(meta["asset"]),
        name=CHECK_NAMES.get(suite_name, suite_name),
        description=description,
        blocking=blocking,
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return run_suite_check(warehouse, suite_name)

    return _check


quality_checks: list[dg.AssetChecksDefinition] = [build_suite_check(name) for name in suite_names()]
