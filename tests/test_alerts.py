"""Operations: the scheduled run retries, a failed run leaves an alert line in a file and the log."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import pytest
import yaml

from orchestration.defs.automation.jobs import DAILY_RETRY_TAGS, daily_refresh, run_failure_alert
from orchestration.lib import settings


@pytest.mark.unit
def test_the_daily_run_is_retried_and_the_instance_allows_it():
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 10, 5, 6, tzinfo=UTC))
    request = daily_refresh(context)
    assert request.tags["dagster/max_retries"] == DAILY_RETRY_TAGS["dagster/max_retries"] == "2"
    assert yaml.safe_load(settings.DAGSTER_YAML.read_text())["run_retries"]["enabled"] is True


@dg.op
def _breaks():
    raise RuntimeError("the warehouse file is locked")


@dg.job
def _failing_job():
    _breaks()


@pytest.mark.unit
def test_a_failed_run_writes_an_alert_line_and_file(tmp_path, monkeypatch):
    alerts = tmp_path / "alerts" / "run_failures.log"
    monkeypatch.setenv("BRANCH_RETENTION_ALERTS_FILE", str(alerts))
    with dg.DagsterInstance.ephemeral() as instance:
        result = _failing_job.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        failure = next(e for e in instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE))
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert", dagster_instance=instance, dagster_run=run,
            dagster_event=failure.dagster_event).for_run_failure()
        run_failure_alert(context)
        run_failure_alert(context)  # a second failure appends
    lines = alerts.read_text().splitlines()
    assert len(lines) == 2
    assert f"FAILED job=_failing_job run_id={result.run_id}" in lines[0]
