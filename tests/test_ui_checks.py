"""The Dagster UI tells the truth: every dbt test is an asset check (source tests included), only the models
rebuilt by month are partitioned and every month they hold reads materialized, the dbt tables carry their row
counts and columns; with screenshots of the asset graph, a mart, a check and the quality report (saved under
BRANCH_RETENTION_SCREENSHOT_DIR; make test: data/screenshots/)."""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

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


# --- the UI itself: a Dagster webserver over the generated bank's run history -----------------------------------
# Through Dagster's GraphQL (what the UI reads): which assets are partitioned, which months read materialized,
# what a mart's materialization carries; then headless Chromium screenshots of the pages an operator opens.

MONTHLY_TAG = "monthly"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture(scope="module")
def dagster_ui(pipeline_run, tmp_path_factory):
    """dagster-webserver on 127.0.0.1 over the DAGSTER_HOME `branch-retention run` recorded in (no re-parse of the
    dbt project: the webserver, not `dagster dev`). Yields its base URL."""
    landing, warehouse, _ = pipeline_run
    root = warehouse.parent
    env = {**os.environ, "BRANCH_RETENTION_LANDING": str(landing), "BRANCH_RETENTION_DUCKDB": str(warehouse),
           "DAGSTER_HOME": str(root / "dagster_home"), "BRANCH_RETENTION_PUBLISH_DIR": str(root / "published"),
           "BRANCH_RETENTION_QUALITY_DIR": str(root / "quality")}
    port = _free_port()
    log = tmp_path_factory.mktemp("webserver") / "webserver.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "dagster-webserver"), "-m", "orchestration.definitions",
                                 "-h", "127.0.0.1", "-p", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until the code location has loaded (a readiness wait, not an assertion on time)
            try:
                if _graphql(base, "{ assetNodes { id } }")["assetNodes"]:
                    break
            except (OSError, AssertionError):
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.5)
        else:
            pytest.fail("dagster-webserver did not load the definitions:\n" + log.read_text()[-3000:])
        assert proc.poll() is None, log.read_text()[-3000:]
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _manifest() -> dict:
    return json.loads((settings.DBT_PROJECT_DIR / "target" / "manifest.json").read_text())


def _monthly_models() -> dict[tuple[str, ...], dict]:
    """The models tagged monthly (rebuilt by month), by asset key path."""
    from orchestration.defs.dbt.assets import translator

    return {tuple(translator.get_asset_key(node).path): node for node in _manifest()["nodes"].values()
            if node["resource_type"] == "model" and MONTHLY_TAG in node["config"].get("tags", [])}


ASSET_NODES = """{ assetNodes { assetKey { path } isPartitioned partitionKeys
                    partitionStats { numMaterialized numPartitions numFailed }
                    assetChecksOrError { ... on AssetChecks { checks { name } } } } }"""


@pytest.mark.slow
def test_the_ui_partitions_only_the_models_rebuilt_by_month_and_every_month_they_hold_reads_materialized(
        dagster_ui, con):
    nodes = {tuple(n["assetKey"]["path"]): n for n in _graphql(dagster_ui, ASSET_NODES)["assetNodes"]}
    monthly = _monthly_models()
    assert len(monthly) == 5, sorted(monthly)
    # every partitioned asset is a month-rebuilt model, and the others have no partitions
    assert {key for key, n in nodes.items() if n["isPartitioned"]} == set(monthly)
    assert all(n["partitionStats"] is None for key, n in nodes.items() if key not in monthly)
    first_month = con.execute("SELECT CAST(date_trunc('month', min(txn_ts)) AS DATE) FROM raw.transactions").fetchone()[0]
    for key, node in monthly.items():
        ui = nodes[key]
        # the partitions start at the data's first month
        assert ui["partitionKeys"][0] == f"{first_month:%Y-%m-%d}", key
        column, relation = node["config"]["meta"]["month_column"], f"{key[0]}.{key[1]}"
        held = {f"{m:%Y-%m-%d}" for (m,) in con.execute(
            f"SELECT DISTINCT CAST(date_trunc('month', {column}) AS DATE) FROM {relation}").fetchall()}
        held &= set(ui["partitionKeys"])
        assert held, key
        # every month the table holds reads materialized (the run built one partition; a first build makes all)
        assert ui["partitionStats"]["numMaterialized"] == len(held), (key, ui["partitionStats"], sorted(held))
        assert ui["partitionStats"]["numFailed"] == 0


@pytest.mark.slow
def test_the_ui_shows_every_dbt_test_as_an_asset_check(dagster_ui):
    nodes = _graphql(dagster_ui, ASSET_NODES)["assetNodes"]
    checks = {c["name"] for n in nodes for c in (n["assetChecksOrError"].get("checks") or [])}
    tests = {node["name"] for node in _manifest()["nodes"].values() if node["resource_type"] == "test"}
    assert tests and tests - checks == set()


MATERIALIZATION = """{ assetNodeOrError(assetKey: {path: %s}) { ... on AssetNode {
    assetMaterializations(limit: 1) { metadataEntries { label
        ... on IntMetadataEntry { intValue }
        ... on TableSchemaMetadataEntry { schema { columns { name type } } } } } } } }"""


def _latest_metadata(base: str, path: list[str]) -> dict:
    node = _graphql(base, MATERIALIZATION % json.dumps(path))["assetNodeOrError"]
    (latest,) = node["assetMaterializations"]
    return {e["label"]: e for e in latest["metadataEntries"]}


@pytest.mark.slow
def test_the_ui_shows_each_dbt_table_with_its_row_count_and_columns(dagster_ui, con):
    marts = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
    assert "fct_customer_months" in marts
    for name in marts + ["int_customer_months"]:
        schema = "intermediate" if name.startswith("int_") else "marts"
        meta = _latest_metadata(dagster_ui, [schema, name])
        rows = con.execute(f"SELECT count(*) FROM {schema}.{name}").fetchone()[0]
        assert meta["dagster/row_count"]["intValue"] == rows, name
        columns = [c[0] for c in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, name]).fetchall()]
        assert [c["name"] for c in meta["dagster/column_schema"]["schema"]["columns"]] == columns, name
    # a staging view: its columns, no row count (dagster-dbt does not run a view's query to count it)
    view = _latest_metadata(dagster_ui, ["staging", "stg_bank__customers"])
    assert "dagster/row_count" not in view and view["dagster/column_schema"]["schema"]["columns"]


# --- screenshots -----------------------------------------------------------------------------------------------

def _chrome(profile: Path) -> list[str]:
    # no network but 127.0.0.1; a budget of virtual time for the UI's queries to come back and render
    return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--no-pings", "--disable-domain-reliability",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--user-data-dir={profile}",
            "--window-size=1600,1100", "--virtual-time-budget=20000"]


def _open(tmp_path: Path, url: str, shot: Path) -> str:
    """The page's text after Chromium rendered it (tags, styles and scripts removed), and its screenshot."""
    profile = tmp_path / ("chrome-" + shot.stem)
    dom = subprocess.run(_chrome(profile) + ["--dump-dom", url], capture_output=True, text=True, timeout=300).stdout
    subprocess.run(_chrome(profile) + [f"--screenshot={shot}", url], capture_output=True, timeout=300)
    assert shot.exists() and shot.stat().st_size > 20_000, f"no screenshot of {url}"
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)")
def test_screenshots_of_the_asset_graph_a_mart_a_check_and_the_quality_report(dagster_ui, pipeline_run, con,
                                                                              tmp_path):
    shots = Path(os.environ.get("BRANCH_RETENTION_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    # The UI's first-visit "join the community" modal is off in the instance settings (orchestration/dagster.yaml
    # nux.enabled, copied into the DAGSTER_HOME by `branch-retention run`): no operator is asked, nothing to dismiss.
    assert _graphql(dagster_ui, "{ shouldShowNux }")["shouldShowNux"] is False

    graph = _open(tmp_path, f"{dagster_ui}/asset-groups", shots / "dagster_asset_graph.png")
    assert "Global asset lineage" in graph
    for group in ("raw", "staging", "customers", "churn", "lifecycle", "staffing", "branches", "quality", "risk"):
        assert re.search(rf"\b{group}\b", graph), group

    rows = con.execute("SELECT count(*) FROM marts.fct_customer_months").fetchone()[0]
    mart = _open(tmp_path, f"{dagster_ui}/assets/marts/fct_customer_months", shots / "dagster_mart_fct_customer_months.png")
    assert re.search(rf"Row count {rows:,}\b", mart), mart[:2000]
    assert "Columns" in mart and "monthly_avg_aum" in mart and "tier_movement" in mart
    assert "Join the Dagster community" not in mart

    check = "unique_combination_fct_customer_months_customer_id__month_start"
    page = _open(tmp_path, f"{dagster_ui}/assets/marts/fct_customer_months?view=checks&checkDetail={check}",
                 shots / "dagster_check.png")
    assert check in page and "Passed" in page

    months = _open(tmp_path, f"{dagster_ui}/assets/intermediate/int_customer_months?view=partitions",
                   shots / "dagster_monthly_partitions.png")
    assert "int_customer_months" in months

    # The quality report, as published beside the pages (the UI links to it from published/marts).
    _, warehouse, _ = pipeline_run
    report_dir = warehouse.parent / "published" / "pages" / "current" / "quality"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(report_dir))
    handler.log_message = lambda *args: None
    server = socketserver.TCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        report = _open(tmp_path, f"http://127.0.0.1:{server.server_address[1]}/index.html",
                       shots / "quality_report.png")
    finally:
        server.shutdown()
        server.server_close()
    assert "Data quality report" in report and "mart_fct_customer_months" in report
