"""Two runs at once: the second waits, then refuses with a clear message; the first is never disturbed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from orchestration.lib.run_lock import RunInProgress, run_lock


@pytest.mark.unit
def test_a_second_run_refuses_with_a_message_naming_the_first(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with run_lock(warehouse, wait_seconds=0):
        with pytest.raises(RunInProgress) as err:
            with run_lock(warehouse, wait_seconds=0.3, poll_seconds=0.1):
                pass
    assert f"pid {os.getpid()}" in str(err.value) and "waited" in str(err.value)
    with run_lock(warehouse, wait_seconds=0):  # released at the end of the first run
        pass


@pytest.mark.unit
def test_a_second_run_waits_for_the_first_to_finish(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    order = []
    release = threading.Event()

    def first():
        with run_lock(warehouse, wait_seconds=0):
            order.append("first started")
            release.wait(5)
            order.append("first finished")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    threading.Timer(0.5, release.set).start()
    with run_lock(warehouse, wait_seconds=10, poll_seconds=0.05):
        order.append("second started")
    thread.join()
    assert order == ["first started", "first finished", "second started"]


@pytest.mark.unit
def test_the_cli_refuses_while_another_run_holds_the_warehouse(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "BRANCH_RETENTION_DUCKDB": str(warehouse), "BRANCH_RETENTION_LANDING": str(tmp_path),
           "DAGSTER_HOME": str(tmp_path / "dh"), "BRANCH_RETENTION_RUN_LOCK_WAIT": "0"}
    with run_lock(warehouse, wait_seconds=0):
        proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], env=env, capture_output=True,
                              text=True, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "another branch-retention run is using" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not warehouse.exists()  # it did not touch the warehouse
