"""Operating it: schedule and sensor evaluations, a two-month backfill, BI reads during a refresh, the UI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from orchestration.lib.landing import data_month


@pytest.mark.unit
def test_daily_schedule_runs_at_six_shanghai_for_yesterdays_month():
    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("daily_refresh")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.execution_timezone == "Asia/Shanghai"
    tz = ZoneInfo("Asia/Shanghai")
    first_of_month = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 1, 6, 0, tzinfo=tz), repository_def=defs.get_repository_def())
    request = schedule.evaluate_tick(first_of_month).run_requests[0]
    assert request.partition_key == "2026-11-01"  # on the 1st the data ends with the month before
    mid_month = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 15, 6, 0, tzinfo=tz), repository_def=defs.get_repository_def())
    assert schedule.evaluate_tick(mid_month).run_requests[0].partition_key == "2026-12-01"


@pytest.mark.unit
def test_data_month_is_in_bank_time():
    # 23:30 UTC on 30 November is 07:30 on 1 December in Shanghai: yesterday there is 30 November.
    assert data_month(datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("UTC"))) == "2026-11-01"


@pytest.mark.unit
def test_landing_sensor_starts_one_run_per_new_file_set(tmp_path, monkeypatch):
    from orchestration.definitions import defs
    from tests.conftest import write_csv

    monkeypatch.setenv("BRANCH_RETENTION_LANDING", str(tmp_path))
    sensor = defs.resolve_sensor_def("landing_folder_sensor")

    def tick(cursor):
        context = dg.build_sensor_context(cursor=cursor, repository_def=defs.get_repository_def())
        return sensor.evaluate_tick(context)

    empty = tick(None)
    assert not empty.run_requests and empty.skip_message
    write_csv(tmp_path, "branches", [{"branch_id": "B1", "branch_name": "西湖支行"}])
    (tmp_path / "_ground_truth").mkdir()
    (tmp_path / "_ground_truth" / "x.csv").write_text("not an extract")
    first = tick(None)
    assert len(first.run_requests) == 1 and first.run_requests[0].partition_key
    assert json.loads(first.cursor) == {"branches/branches.csv": json.loads(first.cursor)["branches/branches.csv"]}
    again = tick(first.cursor)
    assert not again.run_requests  # each file once
    write_csv(tmp_path, "customers", [{"customer_id": "C1", "home_branch_id": "B1"}])
    second = tick(first.cursor)
    assert len(second.run_requests) == 1
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


READER = r"""
import os, sys, time, duckdb, json
serving, parquet, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
stop = sys.argv[4] if len(sys.argv) > 4 else None  # reading ends early once this file exists
reads, publications, errors, reopened = 0, set(), [], 0
rows_read, fewest_marts = 0, None  # what the reads saw: a read of an empty publication checks nothing
end = time.time() + seconds


def open_serving():
    # DuckDB 2.x opens a database path three times (magic bytes, headers, blocks): a connection made at the
    # very instant of the rename can see the old headers and the new blocks and refuse to open (IO Error).
    # It never opens a mix; opening again sees the new file. BI tools retry a failed connect the same way.
    global reopened
    try:
        return duckdb.connect(serving, read_only=True)
    except duckdb.IOException:
        reopened += 1
        return duckdb.connect(serving, read_only=True)


while time.time() < end and not (stop and os.path.exists(stop)):
    try:
        con = open_serving()
        expected = dict(con.execute("SELECT mart, row_count FROM _publication").fetchall())
        pub = con.execute("SELECT DISTINCT publication_id FROM _publication").fetchall()
        for mart, n in expected.items():
            got = con.execute(f'SELECT count(*) FROM "{mart}"').fetchone()[0]
            if got != n:
                errors.append(f"{mart}: {got} rows, publication says {n}")
            rows_read += got
        fewest_marts = len(expected) if fewest_marts is None else min(fewest_marts, len(expected))
        # the branch view and the customer months it sums come from the same publication
        a = con.execute("SELECT sum(net_flow) FROM fct_customer_months").fetchone()[0]
        b = con.execute("SELECT sum(net_flow) FROM fct_branch_months").fetchone()[0]
        if a != b:
            errors.append(f"net flow {a} vs {b}")
        con.close()
        pq = duckdb.connect()
        pq_pub = pq.execute(f"SELECT count(DISTINCT publication_id) FROM '{parquet}/_publication.parquet'").fetchone()[0]
        if pq_pub != 1:
            errors.append("parquet publication mixed")
        pq.close()
        publications.update(p[0] for p in pub)
        if len(pub) != 1:
            errors.append(f"mixed publications {pub}")
        reads += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
print(json.dumps({"reads": reads, "publications": sorted(publications), "errors": errors[:20],
                  "reopened": reopened, "rows_read": rows_read, "fewest_marts": fewest_marts}))
"""


@pytest.fixture
def warehouse_copy(pipeline_run, tmp_path, monkeypatch):
    """A copy of the end-to-end warehouse to refresh, with its own publish folder and Dagster home."""
    landing, warehouse, _ = pipeline_run
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    monkeypatch.setenv("BRANCH_RETENTION_DUCKDB", str(copy))
    monkeypatch.setenv("BRANCH_RETENTION_LANDING", str(landing))
    monkeypatch.setenv("BRANCH_RETENTION_PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("BRANCH_RETENTION_QUALITY_DIR", str(tmp_path / "quality"))
    return copy


def test_backfill_of_two_months_rebuilds_those_months_while_bi_reads(warehouse_copy, tmp_path):
    from orchestration.definitions import defs
    from orchestration.lib.publish import publish_marts

    published = tmp_path / "published"
    publish_marts(warehouse_copy, published)  # what BI reads before the refresh

    con = duckdb.connect(str(warehouse_copy))
    before = con.execute("SELECT * FROM marts.fct_customer_months ORDER BY customer_id, month_start").fetchall()
    # Spoil three months of the incremental model behind the mart with a marker value (valid for the mart's
    # quality suite, so the run goes on): the backfill must repair the two it covers and leave the third alone.
    con.execute("UPDATE intermediate.int_customer_months SET monthly_avg_aum = 1234567.89 "
                "WHERE month_start IN ('2026-08-01', '2026-09-01', '2026-06-01')")
    con.close()

    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published / "serving" / "marts.duckdb"), str(published / "parquet" / "current"),
         "600", str(stop)],
        stdout=subprocess.PIPE, text=True)
    try:
        job = defs.resolve_job_def("transform_job")
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance,
                tags={"dagster/asset_partition_range_start": "2026-08-01",
                      "dagster/asset_partition_range_end": "2026-09-01"},
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )
        assert result.success
    finally:
        time.sleep(2)
        stop.touch()  # the reader finishes its current read and reports
    out, _ = reader.communicate(timeout=120)

    con = duckdb.connect(str(warehouse_copy), read_only=True)
    after = con.execute("SELECT * FROM marts.fct_customer_months ORDER BY customer_id, month_start").fetchall()
    spoiled = con.execute(
        "SELECT count(*) FROM marts.fct_customer_months WHERE monthly_avg_aum = 1234567.89").fetchone()[0]
    june = con.execute("SELECT count(*) FROM marts.fct_customer_months WHERE month_start = '2026-06-01'").fetchone()[0]
    con.close()
    assert spoiled == june > 0  # June was outside the backfill: untouched
    repaired = [r for r in after if str(r[2]) != "2026-06-01"]
    assert repaired == [r for r in before if str(r[2]) != "2026-06-01"]

    # BI kept reading the published marts throughout the backfill and never saw a lock or a mixed publication
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["reads"] > 0
    # every read compared every published mart with its row count, and the marts held rows
    assert report["fewest_marts"] == _published_marts(published) and report["rows_read"] > 0, report


def test_reads_during_repeated_publication_never_lock_or_mix(warehouse_copy, tmp_path):
    from orchestration.lib.publish import publish_marts

    published = tmp_path / "published"
    publish_marts(warehouse_copy, published)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published / "serving" / "marts.duckdb"), str(published / "parquet" / "current"),
         "12"],
        stdout=subprocess.PIPE, text=True)
    n = 0
    deadline = time.time() + 10
    while time.time() < deadline:
        publish_marts(warehouse_copy, published)
        n += 1
    out, _ = reader.communicate(timeout=60)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == [], report["errors"]
    assert report["reads"] > 5 and len(report["publications"]) > 1 and n > 1
    assert report["fewest_marts"] == _published_marts(published) and report["rows_read"] > 0, report
    assert report["reopened"] <= report["reads"] // 10  # a connect racing a switch is rare, and opens on retry
    assert len([p for p in (published / "parquet").iterdir() if p.is_dir() and not p.is_symlink()]) <= 3


def _published_marts(published) -> int:
    """How many marts the current publication lists (at least one: a reader must have something to check)."""
    con = duckdb.connect(str(published / "serving" / "marts.duckdb"), read_only=True)
    try:
        n = con.execute("SELECT count(DISTINCT mart) FROM _publication").fetchone()[0]
    finally:
        con.close()
    assert n > 0
    return n


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)")
def test_dagster_ui_shows_the_asset_graph(tmp_path):
    port = _free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-m", "orchestration.definitions", "-p", str(port),
         "-h", "127.0.0.1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        import urllib.request

        query = json.dumps({"query": "{ assetNodes { assetKey { path } groupName } }"}).encode()
        nodes = None
        deadline = time.time() + 180
        while time.time() < deadline and not nodes:
            time.sleep(2)
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                             headers={"Content-Type": "application/json"})
                nodes = json.loads(urllib.request.urlopen(req, timeout=5).read())["data"]["assetNodes"]
            except Exception:
                nodes = None
        assert nodes, "dagster dev did not serve the asset graph"
        groups = {n["groupName"] for n in nodes}
        domains = ("raw", "staging", "customers", "churn", "lifecycle", "staffing", "branches", "quality", "risk")
        assert set(domains) <= groups

        # Dismiss the first-visit "join the community" dialog on the server, as a user's click would.
        seen = json.dumps({"query": "mutation { setNuxSeen }"}).encode()
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=seen,
                                                      headers={"Content-Type": "application/json"}), timeout=10)

        shot = Path(os.environ.get("BRANCH_RETENTION_SCREENSHOT_DIR", tmp_path)) / "dagster_asset_graph.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        chrome = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1600,1000", "--virtual-time-budget=30000"]
        url = f"http://127.0.0.1:{port}/asset-groups"
        dom = subprocess.run(chrome + ["--dump-dom", url], capture_output=True, text=True, timeout=180).stdout
        # The global lineage shows one node per business-domain group, besides the group list on the left.
        for group in domains:
            assert dom.count(f">{group}<") >= 2, f"group {group} is not drawn in the asset graph"
        assert "Join the Dagster community" not in dom
        subprocess.run(chrome + [f"--screenshot={shot}", url], capture_output=True, timeout=180)
        assert shot.exists() and shot.stat().st_size > 20_000
    finally:
        # dagster dev stops its webserver and code server on SIGTERM; a slow machine gets a minute.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def _marts(database: Path) -> dict:
    con = duckdb.connect(str(database), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT * FROM marts."{n}" ORDER BY ALL').fetchall() for n in names}
    finally:
        con.close()


def test_rebuilding_the_same_input_gives_identical_marts(pipeline_run, warehouse_copy):
    from orchestration.definitions import defs

    original = _marts(pipeline_run[1])
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("transform_job").execute_in_process(
            instance=instance, partition_key="2026-10-01",
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}},
                        "ops": {"branch_retention_dbt_assets": {"config": {"full_refresh": True}}}})
    assert result.success
    rebuilt = _marts(warehouse_copy)
    assert rebuilt.keys() == original.keys() and len(original) >= 10
    for name in original:
        assert rebuilt[name] == original[name], f"{name} differs after a rebuild of the same input"


def test_a_run_that_fails_half_way_leaves_the_published_marts_as_they_were(warehouse_copy, tmp_path):
    from orchestration.definitions import defs
    from orchestration.lib.publish import publish_marts

    published = tmp_path / "published"
    before = publish_marts(warehouse_copy, published).publication_id
    con = duckdb.connect(str(warehouse_copy))
    con.execute("DROP TABLE raw.accounts")  # the build breaks at the accounts staging model
    con.close()
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("transform_job").execute_in_process(
            instance=instance, partition_key="2026-10-01", raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
    assert not result.success
    served = duckdb.connect(str(published / "serving" / "marts.duckdb"), read_only=True)
    assert served.execute("SELECT DISTINCT publication_id FROM _publication").fetchall() == [(before,)]
    served.close()
    assert (published / "parquet" / "current").resolve().name == before
