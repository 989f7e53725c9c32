"""One pipeline run at a time per warehouse.

DuckDB lets one process write a file. Two runs at once used to fail on DuckDB's lock, and sometimes the
earlier run was the one that died (its dbt step opens the file again half-way). A run now takes an
exclusive lock on `<warehouse>.run.lock` before it touches the warehouse and holds it to the end. A second
run waits for it (BRANCH_RETENTION_RUN_LOCK_WAIT seconds, default 300), then refuses with a message that
names the run holding it; the first run is never disturbed. The lock is the operating system's (flock):
it goes with the process, so a killed run leaves no stale lock. Runs launched from the Dagster UI, the
schedule or the sensor queue one at a time (dagster.yaml: run_queue.max_concurrent_runs 1).
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

WAIT_ENV = "BRANCH_RETENTION_RUN_LOCK_WAIT"
# Seconds a second run waits for the first before it refuses: long enough for a daily refresh to finish.
DEFAULT_WAIT_SECONDS = 300.0


class RunInProgress(RuntimeError):
    """Another run holds the warehouse."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".run.lock")


@contextmanager
def run_lock(warehouse: Path, wait_seconds: float | None = None, poll_seconds: float = 1.0):
    wait = float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_SECONDS)) if wait_seconds is None else wait_seconds
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise RunInProgress(
                        f"another branch-retention run is using {warehouse} ({holder}); this run waited "
                        f"{wait:.0f}s and stopped without touching the warehouse. Try again when it has "
                        f"finished (or set {WAIT_ENV} to wait longer)."
                    ) from None
                time.sleep(poll_seconds)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
