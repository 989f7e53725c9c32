"""Session fixtures: one generated bank run through the whole pipeline, shared by the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

N_CUSTOMERS = 2000
N_MONTHS = 12


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """Generate a small bank and run `branch-retention run` on it, as a user would."""
    from orchestration.lib.generator import generate_bank

    root = tmp_path_factory.mktemp("bank")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    generate_bank(landing, n_customers=N_CUSTOMERS, n_months=N_MONTHS, seed=7)
    env = {
        **os.environ,
        "BRANCH_RETENTION_LANDING": str(landing),
        "BRANCH_RETENTION_DUCKDB": str(warehouse),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "BRANCH_RETENTION_PUBLISH_DIR": str(root / "published"),
        "BRANCH_RETENTION_QUALITY_DIR": str(root / "quality"),
    }
    (root / "dagster_home").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"], env=env, capture_output=True, text=True, timeout=1200
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return landing, warehouse, proc.stdout


@pytest.fixture(scope="session")
def con(pipeline_run):
    connection = duckdb.connect(str(pipeline_run[1]), read_only=True)
    yield connection
    connection.close()
