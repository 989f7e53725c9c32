"""Jobs, the daily schedule and the landing-folder sensor."""

import json
from datetime import UTC, datetime

import dagster as dg

from orchestration.defs.dbt.assets import dbt_asset_defs, monthly_partitions
from orchestration.defs.publishing.freshness import freshness_checks
from orchestration.lib import settings
from orchestration.lib.landing import data_month, landing_files, new_files, run_key

# Freshness checks are evaluated by their sensor, between runs, not as steps of a run.
NOT_IN_RUNS = dg.AssetSelection.checks(*freshness_checks)

# Load the extracts (raw tables and the working-day calendar): no partitions.
ingest_job = dg.define_asset_job(
    "ingest_job",
    # not the dbt source tests on the raw assets: dbt runs them in transform_job, with the models
    selection=dg.AssetSelection.groups("raw") - dg.AssetSelection.checks(*dbt_asset_defs),
    description="Load the landing folder into raw.* and build the working-day calendar.",
)

# Build and publish: the dbt models for a monthly partition (or a backfill range), then the BI copy.
transform_job = dg.define_asset_job(
    "transform_job",
    # with the dbt source tests: checks of the raw assets that dbt runs, so the dbt step is never cut to a subset
    selection=((dg.AssetSelection.all() - dg.AssetSelection.groups("raw"))
               | dg.AssetSelection.checks(*dbt_asset_defs)) - NOT_IN_RUNS,
    partitions_def=monthly_partitions,
    description="Build every dbt model for the month(s) of the partition and publish the marts for BI.",
)

# Everything, for the schedule and the sensor: load, build, publish.
main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.all() - NOT_IN_RUNS,
    partitions_def=monthly_partitions,
    description="Load the extracts, build every mart for the data's month, publish for BI.",
)


# Retries of the scheduled run: 2, each from the failed step on (a locked file or a slow disk passes on a
# second try; a data error fails again and alerts).
DAILY_RETRY_TAGS = {"dagster/max_retries": "2", "dagster/retry_strategy": "FROM_FAILURE"}


@dg.schedule(
    job=main_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Daily refresh at 06:00 bank time: yesterday's month only (the monthly facts' other months "
    "are kept as they are).",
)
def daily_refresh(context: dg.ScheduleEvaluationContext):
    partition = data_month(context.scheduled_execution_time)
    # A failed daily run is retried twice from the failed step (run_retries in orchestration/dagster.yaml).
    return dg.RunRequest(run_key=f"daily-{context.scheduled_execution_time:%Y-%m-%d}", partition_key=partition,
                         tags=DAILY_RETRY_TAGS)


@dg.sensor(
    job=main_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts a run when new or changed files arrive in the landing folder; each file once.",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext):
    current = landing_files(settings.landing_dir())
    arrived = new_files(current, context.cursor)
    if not arrived:
        return dg.SkipReason(f"no new files in {settings.landing_dir()}")
    context.update_cursor(json.dumps(current, sort_keys=True))
    return dg.RunRequest(
        run_key=run_key(arrived),
        partition_key=data_month(datetime.now(UTC)),  # aware: data_month converts to bank time
        tags={"branch_retention/new_files": str(len(arrived))},
    )


def alerts_file():
    """Where a failed run leaves its alert line (one line per failure, appended): an operator hooks mail or a
    pager to it. BRANCH_RETENTION_ALERTS_FILE, default <DAGSTER_HOME>/alerts/run_failures.log."""
    import os
    from pathlib import Path

    return Path(os.environ.get("BRANCH_RETENTION_ALERTS_FILE") or settings.dagster_home() / "alerts" / "run_failures.log")


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
    description="When a run fails: an ERROR log line and one line appended to the alerts file "
    "(BRANCH_RETENTION_ALERTS_FILE, default $DAGSTER_HOME/alerts/run_failures.log) for mail or a pager.",
)
def run_failure_alert(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    message = (context.failure_event.message or "").strip().splitlines()
    reason = message[0][:300] if message else "no message"
    partition = run.tags.get("dagster/partition", "")
    line = (f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} FAILED job={run.job_name} run_id={run.run_id}"
            f"{' partition=' + partition if partition else ''}: {reason}")
    path = alerts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    context.log.error(line)
