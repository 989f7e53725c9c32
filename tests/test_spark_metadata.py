"""On Spark the dbt tables' row counts, column schemas and held months come from their Parquet files, read by
DuckDB (no second Spark session beside dbt's): here on a Spark folder laid out as the session's Hive catalog
lays out managed tables, written by DuckDB, with no JVM."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.lib import engine


def _spark_folder(root: Path) -> Path:
    """warehouse/marts.db/fct_demo (two files) and warehouse/intermediate.db/int_demo_months partitioned by
    month_start (the column in the folder names only, as Spark writes a partitioned table)."""
    con = duckdb.connect()
    try:
        mart = root / "warehouse" / "marts.db" / "fct_demo"
        mart.mkdir(parents=True)
        con.execute(f"COPY (SELECT range AS customer_id, 'x' AS tier FROM range(3)) TO '{mart / 'part-0.parquet'}'")
        con.execute(f"COPY (SELECT range AS customer_id, 'y' AS tier FROM range(2)) TO '{mart / 'part-1.parquet'}'")
        for month, n in (("2026-01-01", 2), ("2026-02-01", 4)):
            part = root / "warehouse" / "intermediate.db" / "int_demo_months" / f"month_start={month}"
            part.mkdir(parents=True)
            con.execute(f"COPY (SELECT range AS account_id FROM range({n})) TO '{part / 'part-0.parquet'}'")
    finally:
        con.close()
    return root


@pytest.mark.unit
def test_a_spark_table_row_count_and_columns_come_from_its_parquet_files(tmp_path):
    root = _spark_folder(tmp_path)
    rows, columns = engine.spark_table_stats("marts", "fct_demo", root)
    assert rows == 5
    assert [name for name, _ in columns] == ["customer_id", "tier"]
    rows, columns = engine.spark_table_stats("intermediate", "int_demo_months", root)
    assert rows == 6 and "month_start" in dict(columns)  # the partition column, from the folder names
    assert engine.spark_table_stats("marts", "a_view", root) is None  # a view has no files


@pytest.mark.unit
def test_a_dbt_materialization_on_spark_carries_row_count_and_columns(tmp_path, monkeypatch):
    from orchestration.defs.dbt.assets import with_spark_table_metadata

    monkeypatch.setenv(engine.SPARK_DIR_ENV, str(_spark_folder(tmp_path)))
    manifest = {"nodes": {
        "model.p.fct_demo": {"unique_id": "model.p.fct_demo", "name": "fct_demo", "alias": "fct_demo",
                             "schema": "marts", "config": {"materialized": "table"},
                             "columns": {"tier": {"description": "the tier"}}},
        "model.p.a_view": {"unique_id": "model.p.a_view", "name": "a_view", "schema": "marts",
                           "config": {"materialized": "view"}},
    }}
    table = with_spark_table_metadata(manifest, dg.Output(None, "fct_demo", metadata={"unique_id": "model.p.fct_demo"}))
    assert table.metadata["dagster/row_count"].value == 5
    schema = table.metadata["dagster/column_schema"].value
    assert [c.name for c in schema.columns] == ["customer_id", "tier"]
    assert schema.columns[1].description == "the tier"
    view = with_spark_table_metadata(manifest, dg.Output(None, "a_view", metadata={"unique_id": "model.p.a_view"}))
    assert "dagster/row_count" not in view.metadata
    check = dg.AssetCheckResult(passed=True, asset_key=dg.AssetKey(["marts", "fct_demo"]), check_name="c")
    assert with_spark_table_metadata(manifest, check) is check


@pytest.mark.unit
def test_the_months_a_monthly_model_holds_on_spark_are_read_from_its_files(tmp_path, monkeypatch):
    from orchestration.defs.dbt.assets import _months_in_table

    monkeypatch.setenv(engine.SPARK_DIR_ENV, str(_spark_folder(tmp_path)))
    monkeypatch.setenv(engine.TARGET_ENV, "spark")
    props = {"name": "int_demo_months", "schema": "intermediate"}
    assert _months_in_table(None, props, "month_start") == {"2026-01-01", "2026-02-01"}
