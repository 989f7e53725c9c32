"""Great Expectations suites as Dagster asset checks: clean and dirty warehouses, severity, no personal data."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.quality.checks import check_severity, quality_checks, suite_check_result
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import quality, settings
from orchestration.lib.contract import TABLES
from orchestration.lib.ingest import check_balance_chain, load_all
from orchestration.lib.quality import (
    ERROR,
    WARNING,
    ExpectationOutcome,
    SuiteOutcome,
    expectation_severity,
    load_suite_config,
    suite_columns,
    suite_has_errors,
    suite_names,
)
from tests.conftest import build_minimal_bank, write_csv

ALL_CHECKS = {spec.name: (check, spec) for check in quality_checks for spec in check.check_specs}
# Suites on the raw tables; the mart_* suites read the marts (tested at the end of this file).
CHECKS = {name: value for name, value in ALL_CHECKS.items() if not name.startswith("mart_")}
SUITE_OF_CHECK = {"customers_contact_fields": "customers_contact"}
RAW_SUITES = [n for n in suite_names() if not n.startswith("mart_")]
MART_SUITES = [n for n in suite_names() if n.startswith("mart_")]
# Personal data planted in dirty rows: never in a check's metadata, the results JSON or the Data Docs.
BAD_PHONE, BAD_EMAIL, NAME = "x13912345678", "赵六@@example", "赵六"


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory) -> Path:
    """The minimal bank, loaded, with its contact fields completed so that every suite passes."""
    tmp = tmp_path_factory.mktemp("clean")
    path = tmp / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    load_all(con, build_minimal_bank(tmp))
    con.execute("UPDATE raw.customers SET mobile_phone = '13900000002' WHERE customer_id = 'C2'")
    con.execute("UPDATE raw.customers SET id_number = '33010219900101123' || customer_id[2:]")
    con.close()
    return path


@pytest.fixture
def quality_dir(tmp_path, monkeypatch) -> Path:
    """The checks' output folder; Data Docs off (a second per suite) but in the test of the Data Docs."""
    out = tmp_path / "quality"
    monkeypatch.setenv(settings.QUALITY_ENV, str(out))
    monkeypatch.setattr(quality, "BUILD_DATA_DOCS", False)
    return out


_INSTANCE: list = []


@pytest.fixture(scope="module", autouse=True)
def dagster_instance():
    """One ephemeral Dagster instance for the module's check invocations (one each costs a third of a second)."""
    with dg.DagsterInstance.ephemeral() as instance:
        _INSTANCE.append(instance)
        yield instance
        _INSTANCE.clear()


def _run(check_name: str, database: Path) -> dg.AssetCheckResult:
    """Invoke the Dagster check itself, as a run would, with the warehouse resource."""
    check, _ = ALL_CHECKS[check_name]
    context = dg.build_op_context(resources={"warehouse": WarehouseResource(database=str(database))},
                                  instance=_INSTANCE[0])
    return check(context)


def _failed(result: dg.AssetCheckResult) -> set[str]:
    return {k.split(" ", 1)[1] for k, v in result.metadata.items()
            if isinstance(v, dg.JsonMetadataValue) and not v.data["success"]}


@pytest.mark.unit
def test_every_raw_table_has_a_suite_and_every_suite_a_check():
    assets = {load_suite_config(n)["meta"]["asset"] for n in RAW_SUITES}
    assert assets == set(TABLES)
    assert {SUITE_OF_CHECK.get(c, c) for c in ALL_CHECKS} == set(suite_names())
    for name in RAW_SUITES:
        config = load_suite_config(name)
        assert config["name"] == name
        # Severity is written per expectation, and the columns read exist in the table.
        assert all(e["meta"]["severity"] in (ERROR, WARNING) for e in config["expectations"])
        table = config["meta"]["table"].split(".", 1)[1]
        known = (TABLES[table].column_names if table in TABLES
                 else ["txn_id", "account_id", "txn_ts", "expected_balance", "balance_after"])
        assert set(suite_columns(config)) <= set(known), name


@pytest.mark.unit
def test_blocking_exactly_for_suites_with_error_expectations():
    blocking = {SUITE_OF_CHECK.get(name, name) for name, (_, spec) in ALL_CHECKS.items() if spec.blocking}
    assert blocking == {n for n in suite_names() if suite_has_errors(load_suite_config(n))}
    assert "customers_contact" not in blocking and "raw_balance_chain" not in blocking
    assert {"raw_transactions", "raw_accounts", "raw_customers", "raw_branches"} <= blocking
    for name, (_, spec) in CHECKS.items():
        table = load_suite_config(SUITE_OF_CHECK.get(name, name))["meta"]["asset"]
        assert spec.asset_key == dg.AssetKey(["raw", table])


def _outcome(*failed_severities: str, passed: int = 1) -> SuiteOutcome:
    outcomes = [ExpectationOutcome("expect_x", "c", True, 10, 0, 0.0, None, ERROR) for _ in range(passed)]
    outcomes += [ExpectationOutcome("expect_y", "c", False, 10, 3, 30.0, 0.9, s) for s in failed_severities]
    return SuiteOutcome("s", not failed_severities, outcomes)


@pytest.mark.unit
def test_severity_mapping():
    assert check_severity(_outcome()) == dg.AssetCheckSeverity.WARN  # passed: severity does not matter
    assert check_severity(_outcome(WARNING)) == dg.AssetCheckSeverity.WARN
    assert check_severity(_outcome(WARNING, ERROR)) == dg.AssetCheckSeverity.ERROR
    result = suite_check_result(_outcome(WARNING, ERROR))
    assert (result.passed, result.metadata["failed_errors"].value, result.metadata["failed_warnings"].value) == (
        False, 1, 1)
    config = {"name": "s", "meta": {"severity": "warning"}}
    assert expectation_severity(config, {}) == WARNING
    assert expectation_severity(config, {"meta": {"severity": "error"}}) == ERROR
    with pytest.raises(ValueError):
        expectation_severity(config, {"meta": {"severity": "fatal"}})


@pytest.mark.unit
def test_every_check_passes_on_a_clean_warehouse(clean_warehouse, quality_dir):
    for name in CHECKS:
        result = _run(name, clean_warehouse)
        assert result.passed, (name, _failed(result))
        assert result.severity == dg.AssetCheckSeverity.WARN
    # One JSON result per suite.
    assert {p.stem for p in (quality_dir / "results").glob("*.json")} == set(RAW_SUITES)


@dataclass
class Dirty:
    check: str
    statements: list  # SQL, or a function of the connection
    failed: set[str]
    severity: dg.AssetCheckSeverity


E, W = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN
DIRTY = {
    "branches": Dirty("raw_branches", ["INSERT INTO raw.branches VALUES ('B1', NULL, '杭州', DATE '2999-01-01')"],
                      {"expect_column_values_to_be_unique:branch_id", "expect_column_values_to_not_be_null:branch_name",
                       "expect_column_values_to_be_between:opened_date"}, E),
    "branches_empty": Dirty("raw_branches", ["DELETE FROM raw.branches"], {"expect_table_row_count_to_be_between"}, E),
    "staff": Dirty("raw_staff", ["INSERT INTO raw.staff VALUES ('S1', 'B1', '王五', 'ceo', DATE '1800-01-01', NULL, 0)"],
                   {"expect_column_values_to_be_unique:staff_id", "expect_column_values_to_be_in_set:role",
                    "expect_column_values_to_be_between:hired_date",
                    "expect_column_values_to_be_between:daily_capacity"}, E),
    "customers_warning_only": Dirty(
        "raw_customers", ["UPDATE raw.customers SET customer_name = NULL, id_number = NULL"],
        {"expect_column_values_to_not_be_null:customer_name", "expect_column_values_to_not_be_null:id_number"}, W),
    "customers_error": Dirty(
        "raw_customers",
        [f"INSERT INTO raw.customers (customer_id, home_branch_id, customer_name, onboarded_date) "
         f"VALUES ('C1', 'B1', '{NAME}', DATE '2999-01-01')"],
        {"expect_column_values_to_be_unique:customer_id", "expect_column_values_to_be_between:onboarded_date",
         "expect_column_values_to_not_be_null:id_number"}, E),
    "customers_contact": Dirty(
        "customers_contact_fields", [f"UPDATE raw.customers SET mobile_phone = '{BAD_PHONE}', email = '{BAD_EMAIL}'"],
        {"expect_column_values_to_match_regex:mobile_phone", "expect_column_values_to_match_regex:email"}, W),
    "accounts": Dirty("raw_accounts", ["UPDATE raw.accounts SET currency = 'USD', interest_rate = 1.75 "
                                       "WHERE account_id = 'A2'"],
                      {"expect_column_values_to_be_in_set:currency",
                       "expect_column_values_to_be_between:interest_rate"},
                      E),
    "transactions": Dirty(
        "raw_transactions",
        ["INSERT INTO raw.transactions SELECT * REPLACE (0.00 AS amount, TIMESTAMP '2999-01-01' AS txn_ts, "
         "'sideways' AS direction) FROM raw.transactions WHERE txn_id = 'T1'"],
        {"expect_column_values_to_be_unique:txn_id", "expect_column_values_to_be_in_set:direction",
         "expect_column_values_to_be_between:amount", "expect_column_values_to_be_between:txn_ts"}, E),
    "balance_chain": Dirty(
        "raw_balance_chain", ["UPDATE raw.transactions SET balance_after = 1.00 WHERE txn_id = 'T2'", check_balance_chain],
        {"expect_table_row_count_to_equal"}, W),
    "contact_logs": Dirty(
        "raw_contact_logs",
        ["INSERT INTO raw.contact_logs VALUES ('K1', 'C1', 'S1', TIMESTAMP '2999-01-01 00:00:00', 'fax', 'reached'), "
         "('K1', 'C1', NULL, TIMESTAMP '2026-01-01 00:00:00', 'phone', 'maybe')"],
        {"expect_column_values_to_be_unique:contact_id", "expect_column_values_to_not_be_null:staff_id",
         "expect_column_values_to_be_in_set:channel", "expect_column_values_to_be_in_set:outcome",
         "expect_column_values_to_be_between:contact_ts"}, E),
    "complaints_warning_only": Dirty(
        "raw_complaints",
        ["INSERT INTO raw.complaints VALUES ('P1', 'C1', 'B1', TIMESTAMP '2026-01-10 10:00:00', '服务态度', "
         "TIMESTAMP '2026-01-09 10:00:00')"],
        {"expect_column_pair_values_a_to_be_greater_than_b:resolved_ts,created_ts"}, W),
    "withdrawal_registrations": Dirty(
        "raw_withdrawal_registrations",
        ["INSERT INTO raw.withdrawal_registrations VALUES ('R1', 'C1', 'B1', TIMESTAMP '2026-01-10 10:00:00', "
         "DATE '1800-01-01', -1.00, 'party', 'S1')"],
        {"expect_column_values_to_be_between:amount", "expect_column_values_to_be_in_set:stated_purpose",
         "expect_column_values_to_be_between:planned_date"}, E),
    "fx_rates": Dirty("raw_fx_rates",
                      ["INSERT INTO raw.fx_rates VALUES ('USD', DATE '2026-01-31', 7.1), "
                       "('USD', DATE '2026-01-31', 0)"],
                      {"expect_compound_columns_to_be_unique:currency,rate_date",
                       "expect_column_values_to_be_between:cny_per_unit"}, E),
}


@pytest.mark.unit
@pytest.mark.parametrize("case", DIRTY.values(), ids=list(DIRTY))
def test_dirty_warehouse_fails_its_check_with_the_suite_severity(case, clean_warehouse, quality_dir, tmp_path):
    database = tmp_path / "dirty.duckdb"
    shutil.copy(clean_warehouse, database)
    con = duckdb.connect(str(database))
    for statement in case.statements:
        statement(con) if callable(statement) else con.execute(statement)
    con.close()

    result = _run(case.check, database)
    assert not result.passed
    assert _failed(result) == case.failed
    assert result.severity == case.severity
    assert (result.metadata["failed_errors"].value > 0) == (case.severity == E)
    # Metadata: counts, percentages, flags and the severity word; no value from a row.
    for value in result.metadata.values():
        if isinstance(value, dg.JsonMetadataValue):
            assert set(value.data) == {"success", "severity", "element_count", "unexpected_count",
                                       "unexpected_percent", "mostly", "observed_value", "raised_exception"}
            assert all(v is None or isinstance(v, (bool, int, float)) for k, v in value.data.items() if k != "severity")
    suite = SUITE_OF_CHECK.get(case.check, case.check)
    summary = json.loads((quality_dir / "results" / f"{suite}.json").read_text(encoding="utf-8"))["summary"]
    assert summary["severity"] == (ERROR if case.severity == E else WARNING)
    assert {f["expectation"] for f in summary["failed"]} == case.failed


@pytest.mark.unit
def test_data_docs_and_results_json_hold_no_personal_data(clean_warehouse, quality_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "BUILD_DATA_DOCS", True)
    database = tmp_path / "dirty.duckdb"
    shutil.copy(clean_warehouse, database)
    con = duckdb.connect(str(database))
    con.execute(f"UPDATE raw.customers SET mobile_phone = '{BAD_PHONE}', email = '{BAD_EMAIL}', customer_name = "
                f"'{NAME}' || customer_id, id_number = NULL")
    con.close()
    results = [_run("customers_contact_fields", database), _run("raw_customers", database)]
    assert not any(r.passed for r in results)
    index = quality_dir / "data_docs" / "index.html"
    assert {r.metadata["data_docs"].value for r in results} == {str(index)}
    assert "customers_contact" in index.read_text(encoding="utf-8") and "raw_customers" in index.read_text(
        encoding="utf-8")
    assert len(list((quality_dir / "data_docs" / "validations").rglob("*.html"))) == 2
    texts = [json.dumps({k: str(v) for k, v in r.metadata.items()}, ensure_ascii=False) for r in results]
    texts += [p.read_text(encoding="utf-8") for p in quality_dir.rglob("*.json")]
    texts += [p.read_text(encoding="utf-8") for p in quality_dir.rglob("*.html")]
    assert len(texts) > 4
    for text in texts:
        for secret in (BAD_PHONE, "13912345678", BAD_EMAIL, NAME):
            assert secret not in text


def test_a_failed_error_check_stops_the_downstream_assets(quality_dir, tmp_path):
    """Every branch row quarantined (no name): raw.branches is empty, its blocking check fails with ERROR and
    raw/staff, downstream of raw/branches, is not built."""
    from orchestration.defs.ingestion.assets import raw_asset_key, raw_assets

    landing = build_minimal_bank(tmp_path)
    write_csv(landing, "branches", [{"branch_id": "B1", "branch_name": "", "opened_date": "2001-03-01"}])
    by_key = {a.key: a for a in raw_assets}
    check, _ = CHECKS["raw_branches"]
    result = dg.materialize(
        [by_key[raw_asset_key("branches")], by_key[raw_asset_key("staff")], check],
        resources={"warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb"), landing=str(landing))},
        instance=_INSTANCE[0], raise_on_error=False,
    )
    assert not result.success
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert [(e.check_name, e.passed, e.severity) for e in evaluations] == [
        ("raw_branches", False, dg.AssetCheckSeverity.ERROR)]
    materialized = {e.asset_key for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"}
    assert materialized == {raw_asset_key("branches")}


def _marts_warehouse(path: Path, phone: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.dim_customers AS SELECT * FROM (VALUES "
        "('C1', '张**', '**************1234', ?, 'mass', true), "
        "('C2', '李*', NULL, NULL, 'none', true)) "
        "t(customer_id, customer_name_masked, id_number_masked, mobile_phone_masked, measured_tier, has_usable_phone)",
        [phone])
    con.close()
    return path


@pytest.mark.unit
def test_mart_suites_attach_to_the_marts_and_catch_an_unmasked_phone(quality_dir, tmp_path):
    assert set(MART_SUITES) >= {"mart_dim_customers", "mart_fct_customer_months", "mart_fct_churn_events"}
    for name in MART_SUITES:
        spec = ALL_CHECKS[name][1]
        assert spec.asset_key == dg.AssetKey(load_suite_config(name)["meta"]["asset"].split("/"))
        assert spec.asset_key.path[0] == "marts"
    clean = _run("mart_dim_customers", _marts_warehouse(tmp_path / "clean.duckdb", "138****5678"))
    assert clean.passed, _failed(clean)
    leaked = _run("mart_dim_customers", _marts_warehouse(tmp_path / "leak.duckdb", "13812345678"))
    assert not leaked.passed and leaked.severity == dg.AssetCheckSeverity.ERROR
    assert "13812345678" not in json.dumps({k: str(v.value) for k, v in leaked.metadata.items()})


@pytest.mark.unit
def test_raw_suites_check_the_rows_the_last_load_added(tmp_path):
    from orchestration.lib.quality import validate_table

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    landing = build_minimal_bank(tmp_path)
    load_all(con, landing)
    full = validate_table(con, "raw_customers")
    assert full.scope == "all rows (full load)"
    assert {o.element_count for o in full.outcomes if o.column == "customer_id"} == {2}
    assert any(o.expectation == "expect_table_row_count_to_be_between" for o in full.outcomes)

    write_csv(landing, "customers", [
        {"customer_id": "C3", "home_branch_id": "B1", "mobile_phone": BAD_PHONE, "onboarded_date": "2026-01-02"},
        {"customer_id": "C4", "home_branch_id": "B1", "mobile_phone": "", "onboarded_date": "2026-01-02"},
    ], name="customers_2026-01-02.csv")
    assert load_all(con, landing)["customers"].mode == "incremental"
    batch = validate_table(con, "customers_contact")
    assert batch.scope == "rows added by the last (incremental) load: 2 of 4"
    phones = {o.expectation: o for o in batch.outcomes if o.column == "mobile_phone"}
    assert phones["expect_column_values_to_not_be_null"].element_count == 2
    assert phones["expect_column_values_to_not_be_null"].unexpected_count == 1  # C4, not C2 loaded before
    assert phones["expect_column_values_to_match_regex"].unexpected_count == 1  # C3
    # a minimum row count concerns the whole table: left out of a batch, where appending cannot break it
    assert not any(o.expectation == "expect_table_row_count_to_be_between"
                   for o in validate_table(con, "raw_customers").outcomes)

    assert load_all(con, landing)["customers"].mode == "unchanged"
    nothing = validate_table(con, "raw_customers")
    assert nothing.success and nothing.scope == "rows added by the last (unchanged) load: 0 of 4"
    assert {o.element_count for o in nothing.outcomes if o.element_count is not None} == {0}
    con.close()
