from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import workdays_oracles as oracle
from hypothesis import given, settings
from hypothesis import strategies as st
from workdays_strategies import any_starts, calendars, common_windows, minute_starts, windows

from mallops.workdays.engine import (
    DEFAULT_WINDOW,
    SHANGHAI,
    BusinessWindow,
    CalendarData,
    add_business_hours,
    add_calendar_hours,
    add_working_days,
    business_seconds_between,
    business_time_between,
    isoformat_local,
)
from mallops.workdays.sources import package_calendar

CAL = package_calendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# --- the 2026 schedule as the package (and the State Council notice of 2025-11-04) gives it ---------


def test_package_2026_matches_state_council_notice() -> None:
    year = CAL.for_year(2026)
    off = set()
    for first, last in [
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ]:
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        while day <= end:
            off.add(day)
            day += timedelta(days=1)
    assert year.holidays == off
    assert year.makeup_workdays == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert year.holiday_names[date(2026, 2, 17)] == "春节"
    assert year.holiday_names[date(2026, 10, 1)] == "国庆节"
    assert CAL.covered_years == frozenset(range(2004, 2027))


@pytest.mark.req("R5.1.4")
@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Spring Festival 2026: off Feb 15-23, make-up Saturdays Feb 14 and Feb 28.
        ("2026-02-12T15:00", 1, "2026-02-13"),
        ("2026-02-12T15:00", 2, "2026-02-14"),
        ("2026-02-12T15:00", 3, "2026-02-24"),
        ("2026-02-13T23:59", 3, "2026-02-25"),
        ("2026-02-15T10:00", 1, "2026-02-24"),
        ("2026-02-26T09:00", 2, "2026-02-28"),
        ("2026-02-26T09:00", 3, "2026-03-02"),
        # National Day 2026: off Oct 1-7, make-up Sunday Sep 20 and Saturday Oct 10.
        ("2026-09-18T12:00", 1, "2026-09-20"),
        ("2026-09-30T18:30", 1, "2026-10-08"),
        ("2026-09-30T18:30", 3, "2026-10-10"),
        ("2026-09-30T18:30", 4, "2026-10-12"),
        ("2026-10-03T08:00", 3, "2026-10-10"),
        # Mid-Autumn Sep 25-27 just before.
        ("2026-09-24T08:00", 2, "2026-09-29"),
    ],
)
def test_working_day_deadlines_across_2026_holidays(start: str, n: int, due: str) -> None:
    result = add_working_days(CAL, at(start), n)
    assert result.at == at(f"{due}T23:59:59")
    assert result.uncovered_years == frozenset()


@pytest.mark.req("R5.1.4")
def test_follow_up_three_working_days_after_resolution_over_national_day() -> None:
    resolved = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    assert isoformat_local(add_working_days(CAL, resolved, 3).at) == "2026-10-10T23:59:59+08:00"


def test_working_days_use_the_local_date_of_an_offset_start() -> None:
    # 2026-10-07T20:00Z is already Oct 8 in Shanghai; counting starts on Oct 9.
    result = add_working_days(CAL, datetime(2026, 10, 7, 20, 0, tzinfo=UTC), 1)
    assert result.at == at("2026-10-09T23:59:59")


def test_uncovered_year_falls_back_to_monday_friday_and_is_named() -> None:
    result = add_working_days(CAL, at("2026-12-31T10:00"), 1)
    assert result.at == at("2027-01-01T23:59:59")  # a Friday; 2027 has no data
    assert result.uncovered_years == {2027}
    assert result.warnings == ("no holiday data for 2027; using Monday-Friday",)
    assert add_working_days(CAL, at("2026-12-30T10:00"), 1).uncovered_years == frozenset()


def test_every_uncovered_year_touched_is_named() -> None:
    result = add_working_days(CAL, at("2026-12-31T10:00"), 600)
    assert result.uncovered_years == {2027, 2028, 2029}


def test_working_days_reject_n_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(CAL, at("2026-03-02T10:00"), 0)


# --- business hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2026-02-13T17:00", 1, "2026-02-13T18:00"),  # runs out exactly at the close
        ("2026-02-13T17:00", 2, "2026-02-14T10:00"),  # make-up Saturday
        ("2026-02-14T17:00", 2, "2026-02-24T10:00"),  # over Spring Festival
        ("2026-02-14T18:00", 9, "2026-02-24T18:00"),  # start at the close; a full day ends at close
        ("2026-03-02T07:30", 0.25, "2026-03-02T09:15"),  # before opening
        ("2026-03-02T20:00", 0.25, "2026-03-03T09:15"),  # after closing
        ("2026-10-05T11:00", 1, "2026-10-08T10:00"),  # on a holiday
        ("2026-10-09T12:00", 15, "2026-10-10T18:00"),  # Fri 6 h + make-up Sat 9 h
    ],
)
def test_business_hour_deadlines(start: str, hours: float, due: str) -> None:
    result = add_business_hours(CAL, at(start), timedelta(hours=hours))
    assert result.at == at(due)


def test_business_hours_end_at_close_not_next_opening() -> None:
    result = add_business_hours(CAL, at("2026-09-30T09:00"), timedelta(hours=9))
    assert result.at == at("2026-09-30T18:00")


def test_business_hours_fractional_to_the_microsecond() -> None:
    result = add_business_hours(CAL, at("2026-03-02T10:00:00.5"), timedelta(hours=1))
    assert result.at == at("2026-03-02T11:00:00.5")
    assert isoformat_local(result.at) == "2026-03-02T11:00:01+08:00"


def test_business_hours_fallback_year_named() -> None:
    result = add_business_hours(CAL, at("2026-12-31T17:30"), timedelta(hours=1))
    assert result.at == at("2027-01-01T09:30")
    assert result.uncovered_years == {2027}
    # Starting after the close on Dec 31 2027 only consults 2028.
    later = CAL.overridden_by(CalendarData(frozenset({date(2028, 1, 3)}), frozenset(), frozenset({2028})))
    result = add_business_hours(later, at("2027-12-31T19:00"), timedelta(hours=1))
    assert result.at == at("2028-01-04T10:00")
    assert result.uncovered_years == frozenset()


def test_business_hours_reject_non_positive_and_naive() -> None:
    with pytest.raises(ValueError, match="positive"):
        add_business_hours(CAL, at("2026-03-02T10:00"), timedelta(0))
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_hours(CAL, datetime(2026, 3, 2, 10), timedelta(hours=1))
    with pytest.raises(ValueError, match="1992"):
        add_business_hours(CAL, at("1991-06-01T10:00"), timedelta(hours=1))


def test_business_time_between_over_spring_festival() -> None:
    elapsed = business_time_between(CAL, at("2026-02-13T17:00"), at("2026-02-24T10:00"))
    assert elapsed.duration == timedelta(hours=11)  # 1 h Fri, 9 h make-up Sat, 1 h Tue
    assert business_seconds_between(CAL, at("2026-02-24T10:00"), at("2026-02-13T17:00")) == 0.0


def test_calendar_hours_ignore_the_calendar() -> None:
    result = add_calendar_hours(at("2026-09-30T10:00"), timedelta(hours=48))
    assert result.at == at("2026-10-02T10:00")


@pytest.mark.parametrize(
    ("text", "opens", "closes"),
    [("09:00-18:00", 540, 1080), ("00:00-24:00", 0, 1440), ("08:30-21:45", 510, 1305)],
)
def test_window_parse(text: str, opens: int, closes: int) -> None:
    assert BusinessWindow.parse(text) == BusinessWindow(opens, closes)
    assert str(BusinessWindow.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    ["18:00-09:00", "09:00-09:00", "9:00-18:00", "09:60-18:00", "24:00-24:00", "09:00", "a-b", "09:00-24:01"],
)
def test_window_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        BusinessWindow.parse(text)


def test_calendar_data_rejects_contradictions() -> None:
    with pytest.raises(ValueError, match="both"):
        CalendarData(frozenset({date(2027, 1, 2)}), frozenset({date(2027, 1, 2)}), frozenset({2027}))
    with pytest.raises(ValueError, match="outside the covered years"):
        CalendarData(frozenset({date(2027, 1, 1)}), frozenset(), frozenset({2026}))


def test_override_replaces_whole_years() -> None:
    correction = CalendarData(frozenset({date(2026, 3, 3)}), frozenset(), frozenset({2026}))
    merged = CAL.overridden_by(correction)
    assert merged.for_year(2026).holidays == {date(2026, 3, 3)}
    assert merged.for_year(2025).holidays == CAL.for_year(2025).holidays
    assert merged.is_working_day(date(2026, 10, 1))  # the package's National Day is gone


# --- properties against slow oracles -------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=st.dates(date(2024, 12, 1), date(2028, 12, 31)), n=st.integers(1, 40))
def test_nth_working_day_matches_day_by_day_oracle(calendar: CalendarData, start: date, n: int) -> None:
    assert calendar.nth_working_day_after(start, n) == oracle.nth_working_day_after(calendar, start, n)


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=any_starts, n=st.integers(1, 30))
def test_add_working_days_names_exactly_the_uncovered_years_counted(
    calendar: CalendarData, start: datetime, n: int
) -> None:
    result = add_working_days(calendar, oracle.local(start), n)
    due_day = oracle.nth_working_day_after(calendar, start.date(), n)
    assert result.at == oracle.local(datetime.combine(due_day, datetime.max.time().replace(microsecond=0)))
    expected = {y for y in range(start.year, due_day.year + 1) if y not in calendar.covered_years}
    if (start + timedelta(days=1)).year > start.year:
        expected.discard(start.year)
    assert result.uncovered_years == expected


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=minute_starts, minutes=st.integers(1, 1500), window=common_windows)
def test_business_minutes_match_minute_by_minute_oracle(
    calendar: CalendarData, start: datetime, minutes: int, window: BusinessWindow
) -> None:
    result = add_business_hours(calendar, oracle.local(start), timedelta(minutes=minutes), window)
    assert result.at == oracle.local(oracle.add_business_minutes(calendar, start, minutes, window))


@settings(max_examples=300, deadline=None)
@given(
    calendar=calendars,
    start=any_starts,
    duration=st.timedeltas(timedelta(microseconds=1), timedelta(hours=80)),
    window=windows,
)
def test_business_time_matches_day_by_day_oracle(
    calendar: CalendarData, start: datetime, duration: timedelta, window: BusinessWindow
) -> None:
    result = add_business_hours(calendar, oracle.local(start), duration, window)
    assert result.at == oracle.local(oracle.add_business_time(calendar, start, duration, window))
    # Round trip: the business time from the start to the deadline is the duration.
    back = business_time_between(calendar, oracle.local(start), result.at, window)
    assert back.duration == duration


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, first=any_starts, second=any_starts, window=windows)
def test_business_time_between_matches_oracle(
    calendar: CalendarData, first: datetime, second: datetime, window: BusinessWindow
) -> None:
    start, end = sorted((first, second))
    result = business_time_between(calendar, oracle.local(start), oracle.local(end), window)
    assert result.duration == oracle.business_time_between(calendar, start, end, window)


@settings(max_examples=100, deadline=None)
@given(start=any_starts, hours=st.integers(1, 200))
def test_default_window_fractional_quarter_hours(start: datetime, hours: int) -> None:
    duration = timedelta(hours=hours * 0.25)
    result = add_business_hours(CAL, oracle.local(start), duration, DEFAULT_WINDOW)
    assert result.at == oracle.local(oracle.add_business_time(CAL, start, duration, DEFAULT_WINDOW))
