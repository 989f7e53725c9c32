"""Small pure helpers that turn a run's partition window and config into dbt CLI arguments."""

from __future__ import annotations

import json
from datetime import date, datetime


def _month(value: date | datetime | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%Y-%m-01")


def dbt_vars(window_start=None, window_end=None, as_of_date: str | None = None) -> dict:
    """dbt vars for one run.

    window_start/window_end: a monthly partition window, end exclusive (as Dagster gives it). The monthly
    facts rebuild the months in [start, end); without a window they refresh from their latest month on.
    as_of_date: YYYY-MM-DD; without it the marts describe the latest data.
    """
    out: dict = {}
    if window_start is not None and window_end is not None:
        start, end = _month(window_start), _month(window_end)
        if end <= start:
            raise ValueError(f"empty partition window {start} .. {end}")
        out["refresh_from_month"] = start
        out["refresh_to_month"] = end  # exclusive
    if as_of_date:
        date.fromisoformat(as_of_date)  # a clear error for a malformed date
        out["as_of_date"] = as_of_date
    return out


def build_args(vars_: dict, full_refresh: bool = False) -> list[str]:
    args = ["build"]
    if vars_:
        args += ["--vars", json.dumps(vars_, sort_keys=True)]
    if full_refresh:
        args.append("--full-refresh")
    return args
