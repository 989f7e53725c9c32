"""The Dagster definitions tell the truth about dbt tests: every one is an asset check, source tests included."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from orchestration.lib import settings


@pytest.mark.unit
def test_every_dbt_test_is_an_asset_check_and_transform_job_runs_them():
    from orchestration.definitions import defs

    manifest = json.loads((settings.DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    tests = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"}
    source_tests = {n for n in tests if n.startswith("source_")}
    assert source_tests, "the project has source tests"
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert tests - checks == set()
    # the source tests check the raw assets, and dbt runs them with the models (not in ingest_job)
    transform = {k.name for k in defs.resolve_job_def("transform_job").asset_layer.asset_graph.asset_check_keys}
    ingest = {k.name for k in defs.resolve_job_def("ingest_job").asset_layer.asset_graph.asset_check_keys}
    assert source_tests <= transform and not source_tests & ingest


@pytest.mark.unit
def test_what_bi_reads_has_a_freshness_check_evaluated_between_runs():
    from orchestration.definitions import defs
    from orchestration.defs.publishing.assets import MART_KEYS

    checked = {key.asset_key for key in defs.resolve_asset_graph().asset_check_keys if key.name == "freshness_check"}
    assert set(MART_KEYS) | {dg.AssetKey(["published", "marts"])} <= checked
    assert "bi_freshness_sensor" in {s.name for s in defs.sensors}
    for job in ("ingest_job", "transform_job", "main_job"):  # a sensor evaluates them, not a run's steps
        keys = defs.resolve_job_def(job).asset_layer.asset_graph.asset_check_keys
        assert not [k for k in keys if k.name == "freshness_check"]
