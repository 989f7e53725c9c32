"""Privacy by default: Dagster telemetry and dbt's anonymous usage statistics are off in the project's own settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from orchestration.lib import settings


@pytest.mark.unit
def test_the_project_dagster_yaml_turns_telemetry_off():
    config = yaml.safe_load(settings.DAGSTER_YAML.read_text())
    assert config["telemetry"]["enabled"] is False
    # and the UI's first-visit "join the community" prompt (Dagster's instance setting nux.enabled)
    assert config["nux"]["enabled"] is False


@pytest.mark.unit
def test_a_prepared_dagster_home_has_telemetry_off(tmp_path):
    fresh = tmp_path / "fresh"
    settings.prepare_dagster_home(fresh)
    with dg.DagsterInstance.from_config(str(fresh)) as instance:
        assert instance.telemetry_enabled is False
        assert instance.nux_enabled is False

    # A home an operator made earlier, without a word on telemetry: its settings stay, telemetry goes off.
    older = tmp_path / "older"
    older.mkdir()
    (older / "dagster.yaml").write_text("run_queue:\n  max_concurrent_runs: 2\n")
    settings.prepare_dagster_home(older)
    config = yaml.safe_load((older / "dagster.yaml").read_text())
    assert config["run_queue"] == {"max_concurrent_runs": 2}
    with dg.DagsterInstance.from_config(str(older)) as instance:
        assert instance.telemetry_enabled is False
        assert instance.nux_enabled is False

    # A telemetry section without `enabled` gets it too.
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "dagster.yaml").write_text("telemetry: {}\n")
    settings.prepare_dagster_home(partial)
    with dg.DagsterInstance.from_config(str(partial)) as instance:
        assert instance.telemetry_enabled is False

    # An explicit choice is the operator's.
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / "dagster.yaml").write_text("telemetry:\n  enabled: true\nnux:\n  enabled: true\n")
    settings.prepare_dagster_home(chosen)
    assert yaml.safe_load((chosen / "dagster.yaml").read_text())["telemetry"]["enabled"] is True
    assert yaml.safe_load((chosen / "dagster.yaml").read_text())["nux"]["enabled"] is True


@pytest.mark.unit
def test_the_processes_the_project_starts_are_told_not_to_track():
    # settings is imported by every entry point (CLI, definitions); dbt and Dagster subprocesses inherit these.
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"].lower() == "false"
    assert "DAGSTER_DISABLE_TELEMETRY" in os.environ


def test_dbt_sends_no_anonymous_usage_stats_from_the_project_file_alone(tmp_path):
    # Without any environment variable saying so, dbt_project.yml's flags turn the statistics off: dbt records
    # what it ran with in the manifest's metadata.
    env = {k: v for k, v in os.environ.items() if k not in settings.NO_TELEMETRY_ENV}
    env["DBT_LOG_PATH"] = str(tmp_path / "logs")
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "parse", "--quiet", "--profiles-dir", ".", "--target-path", str(tmp_path / "target")],
        cwd=settings.DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    metadata = json.loads((tmp_path / "target" / "manifest.json").read_text())["metadata"]
    assert metadata["send_anonymous_usage_stats"] is False
