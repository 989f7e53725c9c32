"""`branch-retention publish`: a dbt-only rebuild reaches BI, with the same atomic switch a run makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from tests.test_operations import READER, _published_marts, warehouse_copy  # noqa: F401 - warehouse_copy is a fixture


def test_publish_after_a_dbt_only_rebuild_reaches_bi_atomically(warehouse_copy, tmp_path):  # noqa: F811
    from orchestration.lib.publish import publish_marts

    published = tmp_path / "published"
    before = publish_marts(warehouse_copy, published)  # what BI reads before the dbt-only rebuild

    # What a dbt-only rebuild does: the working warehouse's marts change, nothing is published.
    con = duckdb.connect(str(warehouse_copy))
    first_month = con.execute("SELECT min(month_start) FROM marts.fct_customer_months").fetchone()[0]
    # (the branch months sum the customer months: both lose the month, as a rebuild would leave them)
    con.execute("DELETE FROM marts.fct_customer_months WHERE month_start = ?", [first_month])
    con.execute("DELETE FROM marts.fct_branch_months WHERE month_start = ?", [first_month])
    expected = con.execute("SELECT count(*) FROM marts.fct_customer_months").fetchone()[0]
    con.close()
    assert expected < before.rows["fct_customer_months"]

    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published / "serving" / "marts.duckdb"),
         str(published / "parquet" / "current"), "600", str(stop)], stdout=subprocess.PIPE, text=True)
    home = tmp_path / "dagster_home"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    try:
        done = subprocess.run([sys.executable, "-m", "orchestration.cli", "publish", "--out", str(published)],
                              env=env, capture_output=True, text=True, timeout=900)
    finally:
        stop.touch()
    out, _ = reader.communicate(timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Published" in done.stdout and str(published / "serving" / "marts.duckdb") in done.stdout

    served = duckdb.connect(str(published / "serving" / "marts.duckdb"), read_only=True)
    (publication,), = served.execute("SELECT DISTINCT publication_id FROM _publication").fetchall()
    assert served.execute("SELECT count(*) FROM fct_customer_months").fetchone()[0] == expected
    served.close()
    assert publication != before.publication_id
    # Parquet and the morning pages switched to the same publication.
    assert (published / "parquet" / "current").resolve().name == publication
    assert (published / "pages" / "current").resolve().name == publication
    assert (published / "pages" / "current" / "index.html").exists()
    pq = duckdb.connect()
    assert pq.execute(f"SELECT count(*) FROM '{published}/parquet/current/fct_customer_months.parquet'"
                      ).fetchone()[0] == expected
    pq.close()

    # BI read throughout and never met a lock or a mixed set.
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == [] and report["reads"] > 0, report
    # every read compared every published mart with its row count, and the marts held rows (a read of an
    # empty or half-listed publication would check nothing)
    assert report["fewest_marts"] == _published_marts(published) and report["rows_read"] > 0, report

    # The UI shows the publication as a materialization of published/marts.
    with dg.DagsterInstance.from_config(str(home)) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["published", "marts"]))
    assert event is not None
    assert event.asset_materialization.metadata["publication_id"].value == publication


@pytest.mark.unit
def test_publish_without_a_warehouse_says_so(tmp_path):
    env = {**os.environ, "BRANCH_RETENTION_DUCKDB": str(tmp_path / "none.duckdb"), "DAGSTER_HOME": str(tmp_path / "h")}
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "publish", "--out", str(tmp_path / "p")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "no warehouse at" in done.stdout + done.stderr
    assert not (tmp_path / "p").exists()
