"""The working-day calendar: public holidays and 调休 from chinese_calendar, weekends only where it has no data."""

from datetime import date

import pytest

from orchestration.lib.workcalendar import SOURCE_LIBRARY, SOURCE_WEEKENDS, build_calendar


def _day(build, d: date) -> dict:
    row = build.days[build.days.calendar_date == d]
    assert len(row) == 1
    return row.iloc[0].to_dict()


@pytest.mark.unit
def test_spring_festival_is_a_holiday_and_its_makeup_saturday_a_working_day():
    build = build_calendar(2025, 2025)
    assert build.warnings == [] and build.years_from_library == [2025]
    eve = _day(build, date(2025, 1, 29))  # 春节, a Wednesday
    assert not eve["is_working_day"] and eve["is_public_holiday"] and eve["holiday_name"] == "Spring Festival"
    makeup = _day(build, date(2025, 2, 8))  # 调休: Saturday worked for the Spring Festival week
    assert makeup["is_working_day"] and makeup["is_makeup_workday"] and makeup["is_weekend"]
    ordinary_saturday = _day(build, date(2025, 3, 8))
    assert not ordinary_saturday["is_working_day"] and not ordinary_saturday["is_public_holiday"]
    assert _day(build, date(2025, 10, 1))["holiday_name"] == "National Day"
    assert len(build.days) == 365 and set(build.days.source) == {SOURCE_LIBRARY}


@pytest.mark.unit
def test_a_year_the_library_does_not_know_counts_weekends_only_with_a_warning():
    build = build_calendar(2026, 2099)
    assert 2099 in build.years_weekends_only and 2026 in build.years_from_library
    assert len(build.warnings) == 1 and "2099" in build.warnings[0] and "weekends only" in build.warnings[0]
    new_year = _day(build, date(2099, 1, 1))  # a Thursday: a working day without holiday data
    assert new_year["is_working_day"] and new_year["source"] == SOURCE_WEEKENDS
    assert not _day(build, date(2099, 1, 3))["is_working_day"]  # Saturday
