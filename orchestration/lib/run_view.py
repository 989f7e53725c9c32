"""The stage-by-stage view `branch-retention run` prints while Dagster runs: one line per stage (stage, rows,
seconds), a progress bar over the dbt models in a terminal, every error and the run's warnings; the full log
goes to a file (cli.py).

It follows the run in the Dagster instance's event log (the same events the UI shows), read from a thread
while the job executes in process, so it needs no hook in the job itself.
"""

from __future__ import annotations

import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

import dagster as dg

# The dbt steps: the op of the models rebuilt by month, and the op of the others, which Dagster runs in
# several steps (branch_retention_dbt_assets_2, ...) around the Python assets between its models.
DBT_STEP = re.compile(r"(branch_retention|monthly)_dbt_assets(_\d+)?")
# Warnings printed as they come (each is one line); more go to the log file only, and the view says how many.
MAX_WARNINGS_SHOWN = 8
# Width of the stage column.
LABEL = 34


@dataclass
class StepState:
    started: float
    assets: list[str] = field(default_factory=list)
    rows: int | None = None
    checks_passed: int = 0
    checks_warned: int = 0
    checks_failed: int = 0

    @property
    def checks(self) -> int:
        return self.checks_passed + self.checks_warned + self.checks_failed


def _label(step_key: str, state: StepState) -> str:
    if state.assets:
        return state.assets[0] if len(state.assets) == 1 else f"{state.assets[0]} (+{len(state.assets) - 1})"
    return step_key.replace("__", "/")


def _seconds(seconds: float) -> str:
    return f"{seconds:7.1f}s"


class RunView:
    """Follows one Dagster run and prints its stages to `out`. Use `watch(run_id)` around the execution."""

    def __init__(self, instance: dg.DagsterInstance, out: TextIO, dbt_models: int = 0, poll_seconds: float = 0.5):
        self.instance = instance
        self.out = out
        self.dbt_models = dbt_models
        self.poll_seconds = poll_seconds
        self.steps: dict[str, StepState] = {}
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.checks = {"steps": 0, "passed": 0, "warned": 0, "failed": 0, "seconds": 0.0}
        self.dbt_tests = {"passed": 0, "warned": 0, "failed": 0}
        self._bar = None
        self._cursor: str | None = None
        self._lock = threading.Lock()

    def _print(self, line: str) -> None:
        if self._bar is not None:
            self._bar.write(line, file=self.out)
        else:
            self.out.write(line + "\n")
            self.out.flush()

    # ------------------------------------------------------------------ events
    def _handle(self, entry) -> None:
        event = entry.dagster_event
        if event is None:
            self._handle_message(entry)
            return
        kind = event.event_type
        step = entry.step_key
        if kind == dg.DagsterEventType.STEP_START:
            self.steps[step] = StepState(started=entry.timestamp)
            if DBT_STEP.fullmatch(step or ""):
                self._start_dbt()
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION and step in self.steps:
            materialization = event.event_specific_data.materialization
            state = self.steps[step]
            state.assets.append("/".join(materialization.asset_key.path))
            rows = materialization.metadata.get("dagster/row_count")
            if rows is not None and isinstance(rows.value, int):
                state.rows = (state.rows or 0) + rows.value
            if DBT_STEP.fullmatch(step or "") and self._bar is not None:
                self._bar.update(1)
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION and step in self.steps:
            evaluation = event.event_specific_data
            state = self.steps[step]
            if evaluation.passed:
                state.checks_passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                state.checks_warned += 1
            else:
                state.checks_failed += 1
        elif kind == dg.DagsterEventType.STEP_SUCCESS and step in self.steps:
            self._step_done(step, entry.timestamp)
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            self._close_bar()
            error = getattr(event.event_specific_data, "error", None)
            # Dagster wraps the op's own exception ("Error occurred while executing op ..."): the innermost
            # cause says why (for dbt, the nodes that failed)
            while error is not None and getattr(error, "cause", None) is not None:
                error = error.cause
            message = (error.message if error else event.message or "").strip().splitlines()
            text = " ".join(line.strip() for line in message[:3])[:400]
            self.errors.append(f"{step}: {text}")
            self._print(f"  FAILED {step}: {text}")
        elif kind == dg.DagsterEventType.STEP_SKIPPED:
            self._print(f"  skipped {step} (an upstream step failed or a blocking check did not pass)")

    def _handle_message(self, entry) -> None:
        message = (entry.user_message or "").strip()
        if entry.level >= logging.ERROR:
            self.errors.append(message)
            self._print(f"  ERROR {entry.step_key or ''}: {message[:400]}")
        elif entry.level >= logging.WARNING:
            self.warnings.append(message)
            if len(self.warnings) <= MAX_WARNINGS_SHOWN:
                self._print(f"  warning: {message.splitlines()[0][:300] if message else ''}")

    def _start_dbt(self) -> None:
        if self.out.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=self.dbt_models or None, desc="  dbt build", unit="model", file=self.out,
                             leave=False, dynamic_ncols=True)
        else:
            self._print(f"  dbt build: part of the {self.dbt_models} models and seeds and their tests, running ...")

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _step_done(self, step: str, finished: float) -> None:
        state = self.steps[step]
        seconds = finished - state.started
        if DBT_STEP.fullmatch(step):
            self._close_bar()
            # the run's dbt tests: every dbt step's
            for outcome, n in (("passed", state.checks_passed), ("warned", state.checks_warned),
                               ("failed", state.checks_failed)):
                self.dbt_tests[outcome] += n
            tests = f"{state.checks} tests: {state.checks_passed} passed"
            tests += f", {state.checks_warned} warned" if state.checks_warned else ""
            tests += f", {state.checks_failed} failed" if state.checks_failed else ""
            self._print(f"  {'dbt build':<{LABEL}}{len(set(state.assets)):>9,} models  {tests}{_seconds(seconds)}")
            return
        if not state.assets and state.checks:
            # a quality suite's check: tallied, one line per job (self.checks_line)
            self.checks["steps"] += 1
            self.checks["passed"] += state.checks_passed
            self.checks["warned"] += state.checks_warned
            self.checks["failed"] += state.checks_failed
            self.checks["seconds"] += seconds
            return
        rows = f"{state.rows:>9,} rows" if state.rows is not None else " " * 14
        self._print(f"  {_label(step, state):<{LABEL}}{rows}{_seconds(seconds)}")

    def checks_line(self) -> str | None:
        c = self.checks
        if not c["steps"]:
            return None
        total = c["passed"] + c["warned"] + c["failed"]
        parts = [f"{c['passed']} passed"] + ([f"{c['warned']} with warnings"] if c["warned"] else []) + (
            [f"{c['failed']} FAILED"] if c["failed"] else [])
        return f"  {'quality checks (Great Expectations)':<{LABEL}}{total:>9,} checks {', '.join(parts)}" \
               f"{_seconds(c['seconds'])}"

    # ------------------------------------------------------------------ following a run
    def _poll(self, run_id: str) -> None:
        with self._lock:
            while True:
                connection = self.instance.get_records_for_run(run_id, cursor=self._cursor, limit=500)
                for record in connection.records:
                    self._handle(record.event_log_entry)
                self._cursor = connection.cursor
                if not connection.has_more:
                    break

    @contextmanager
    def watch(self, run_id: str):
        """Follow run_id while the body executes it; the last events are read when it returns."""
        self.checks = {"steps": 0, "passed": 0, "warned": 0, "failed": 0, "seconds": 0.0}
        self._cursor = None
        stop = threading.Event()

        def follow():
            while not stop.wait(self.poll_seconds):
                try:
                    self._poll(run_id)
                except Exception:  # the run may not be stored yet; the final poll reads everything
                    pass

        thread = threading.Thread(target=follow, name="run-view", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()
            self._poll(run_id)
            self._close_bar()
            line = self.checks_line()
            if line:
                self._print(line)
            if len(self.warnings) > MAX_WARNINGS_SHOWN:
                self._print(f"  ... {len(self.warnings) - MAX_WARNINGS_SHOWN} more warnings in the log file")
