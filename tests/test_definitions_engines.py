"""The Dagster definitions load on every engine (BRANCH_RETENTION_TARGET), from the prepared manifest: the
monthly models partitioned in their own op, every other model unpartitioned, the early warning in the graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from orchestration.lib import engine

PROBE = """
import json
import orchestration.definitions as d
from orchestration.defs.dbt.assets import branch_retention_dbt_assets, monthly_dbt_assets
graph = d.defs.resolve_asset_graph()
d.defs.get_repository_def().get_all_jobs()
print(json.dumps({
    "monthly": sorted(k.path[-1] for k in monthly_dbt_assets.keys),
    "monthly_partitioned": monthly_dbt_assets.partitions_def is not None,
    "main_partitioned": branch_retention_dbt_assets.partitions_def is not None,
    "main_marts": sum(1 for k in branch_retention_dbt_assets.keys if k.path[0] == "marts"),
    "assets": sorted("/".join(k.path) for k in graph.get_all_asset_keys()),
}))
"""


@pytest.mark.parametrize("target", engine.TARGETS)
def test_the_definitions_load_on_every_engine(target):
    env = {**os.environ, engine.TARGET_ENV: target}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["monthly"] == ["int_account_balance_intervals", "int_account_months", "int_customer_month_flows",
                                 "int_customer_months", "int_transactions_categorised"]
    assert loaded["monthly_partitioned"] and not loaded["main_partitioned"]
    assert loaded["main_marts"] > 0
    assert {"risk/risk_model_coefficients", "marts/fct_customer_risk_months", "published/marts"} <= set(loaded["assets"])
