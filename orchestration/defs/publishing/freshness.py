"""Freshness checks on what BI reads: the marts and their publication, evaluated by a sensor (not in the runs)."""

import os
import warnings
from datetime import timedelta

import dagster as dg

from orchestration.defs.publishing.assets import MART_KEYS, published_marts

# Hours a mart BI reads may go without an update before its freshness check fails (warns): the daily refresh
# runs at 06:00 bank time, so 30 hours is one missed day plus the run's own time. Env var, in hours.
FRESHNESS_HOURS_ENV = "BRANCH_RETENTION_FRESHNESS_HOURS"
DEFAULT_FRESHNESS_HOURS = 30


def freshness_hours() -> float:
    return float(os.environ.get(FRESHNESS_HOURS_ENV) or DEFAULT_FRESHNESS_HOURS)


# published/marts is what BI opens; it and the mart assets are not partitioned, and a freshness is that of
# the latest update.
# Dagster 1.13 marks these builders as superseded by FreshnessPolicy (not set on these dbt assets yet): they
# still work; the notice is not for operators.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    freshness_checks = dg.build_last_update_freshness_checks(
        assets=[published_marts, *MART_KEYS],
        lower_bound_delta=timedelta(hours=freshness_hours()),
        severity=dg.AssetCheckSeverity.WARN,
    )
    freshness_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks, name="bi_freshness_sensor",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
