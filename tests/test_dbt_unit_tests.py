"""The dbt unit tests (`unit_tests:` in the models' yml) on an empty warehouse, without the pipeline (make test-fast).

A dbt unit test reads no data, but dbt reads the column types of every input it mocks from the warehouse, so the
parents of each tested model must exist. They are made here as the pipeline makes them, with no rows:
- the raw schema by ingestion's own code from the contract (orchestration/lib/contract.py: every table, its
  columns and types; raw.load_audit, raw.load_changes and the other bookkeeping tables);
- reference.working_days by the Dagster asset that builds it (orchestration/defs/reference/assets.py);
- the models upstream of every tested model by dbt itself, schema only (`dbt build --empty`, dbt 1.8+: refs and
  sources read as zero rows), in the same invocation that runs the unit tests (dbt does not apply --empty to
  a unit test's given rows) and the seeds those models read.
Data tests are left out: on an empty warehouse they say nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.reference.assets import working_days
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.contract import TABLES
from orchestration.lib.ingest_write import _create_empty, ensure_schema

pytestmark = pytest.mark.unit

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
DBT = str(Path(sys.executable).parent / "dbt")
# int_customer_assignments chains its months from int_months, which has none on an empty warehouse: with this var
# (the one its unit tests and the benchmarks set) it is one chained query and builds empty with its columns.
EMPTY_BUILD_VARS = '{"assignment_months": ["2000-01-01"]}'


def empty_warehouse(path: Path) -> None:
    """The raw tables of the contract and the reference calendar, as ingestion and the Dagster asset make them."""
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        for spec in TABLES.values():
            _create_empty(con, spec)
    finally:
        con.close()
    with dg.build_asset_context() as context:
        working_days(context, warehouse=WarehouseResource(database=str(path)))


@pytest.fixture(scope="module")
def unit_test_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("dbt_unit_tests")
    warehouse, target = root / "warehouse.duckdb", root / "target"
    started = time.perf_counter()
    empty_warehouse(warehouse)
    prepared = time.perf_counter()
    env = {**os.environ, "BRANCH_RETENTION_DUCKDB": str(warehouse), "BRANCH_RETENTION_TARGET": "duckdb",
           "DBT_LOG_PATH": str(root / "logs")}
    proc = subprocess.run(
        [DBT, "build", "--select", "+test_type:unit", "--exclude", "test_type:data", "--empty",
         "--vars", EMPTY_BUILD_VARS, "--profiles-dir", ".", "--target-path", str(target)],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    finished = time.perf_counter()
    print(f"dbt unit tests on an empty warehouse: raw schema and calendar {prepared - started:.1f} s, "
          f"dbt build --empty with the unit tests {finished - prepared:.1f} s")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())["results"]
    return manifest, results, warehouse


def test_the_raw_schema_is_the_contract_and_empty(tmp_path):
    empty_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        for name, spec in TABLES.items():
            columns = [r[0] for r in con.execute(f"DESCRIBE raw.{name}").fetchall()]
            assert columns == spec.column_names, name
            assert con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0] == 0, name
        assert con.execute("SELECT count(*) FROM reference.working_days").fetchone()[0] > 0
    finally:
        con.close()


def test_every_dbt_unit_test_runs_and_passes_on_an_empty_warehouse(unit_test_run):
    manifest, results, _ = unit_test_run
    expected = set(manifest["unit_tests"])
    assert len(expected) >= 10  # the project's unit tests are found (23 when issue 14 was filed)
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert set(ran) == expected, sorted(set(ran) ^ expected)
    failed = {uid: status for uid, status in ran.items() if status != "pass"}
    assert not failed, failed


def test_the_empty_build_made_every_parent_and_read_no_rows(unit_test_run):
    """--empty built every model upstream of a unit test, and schema only: the staging models (the ones that read
    the raw tables) hold no row, so the unit tests above passed on their given rows alone."""
    manifest, results, warehouse = unit_test_run
    models = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("model.")}
    tested = {t["depends_on"]["nodes"][0] for t in manifest["unit_tests"].values()}
    assert tested <= set(models), sorted(tested - set(models))
    assert set(models.values()) == {"success"}, models
    staging = [uid for uid in models if manifest["nodes"][uid]["fqn"][1] == "staging"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = {uid: con.execute(f"SELECT count(*) FROM {manifest['nodes'][uid]['relation_name']}").fetchone()[0]
                for uid in staging}
    finally:
        con.close()
    assert len(rows) >= 5 and set(rows.values()) == {0}, rows
