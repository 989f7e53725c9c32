"""The working-day calendar (工作日): Chinese public holidays and make-up workdays (调休) from the
chinese_calendar library, weekends only for years it does not know, with a warning saying so.

A bank's own changes (a branch open on a holiday, a year the library does not know yet) go in the dbt
seed calendar_overrides.csv, applied on top of this table in dbt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import pandas as pd

SOURCE_LIBRARY = "chinese_calendar"
SOURCE_WEEKENDS = "weekends_only"


@dataclass
class CalendarBuild:
    days: pd.DataFrame
    warnings: list[str]
    years_from_library: list[int]
    years_weekends_only: list[int]


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def build_calendar(first_year: int, last_year: int) -> CalendarBuild:
    """One row per day of the years first_year..last_year."""
    rows = []
    known, unknown = [], []
    for year in range(first_year, last_year + 1):
        library = _library_knows(year)
        (known if library else unknown).append(year)
        day = date(year, 1, 1)
        while day.year == year:
            weekend = day.weekday() >= 5
            if library:
                is_workday = chinese_calendar.is_workday(day)
                is_holiday_flag, holiday = chinese_calendar.get_holiday_detail(day)
                public_holiday = (not is_workday) and holiday is not None
                makeup = is_workday and weekend  # 调休: a Saturday or Sunday worked in exchange for a holiday
                name = holiday if holiday is not None else None
            else:
                is_workday, public_holiday, makeup, name = not weekend, False, False, None
            rows.append(
                {
                    "calendar_date": day,
                    "is_working_day": bool(is_workday),
                    "is_weekend": weekend,
                    "is_public_holiday": bool(public_holiday),
                    "is_makeup_workday": bool(makeup),
                    "holiday_name": name,
                    "source": SOURCE_LIBRARY if library else SOURCE_WEEKENDS,
                }
            )
            day += timedelta(days=1)
    warnings = []
    if unknown:
        warnings.append(
            f"chinese_calendar {getattr(chinese_calendar, '__version__', '')} has no public holidays for "
            f"{', '.join(map(str, unknown))}: those years count weekends only. Add their holidays and make-up "
            "workdays to dbt_project/seeds/calendar_overrides.csv, or upgrade chinese-calendar."
        )
    frame = pd.DataFrame(rows)
    frame["calendar_date"] = pd.to_datetime(frame["calendar_date"]).dt.date
    return CalendarBuild(frame, warnings, known, unknown)
