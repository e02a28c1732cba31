"""Slow, obviously correct reference implementations the engine is checked against."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from mallops.workdays.engine import SHANGHAI, BusinessWindow, CalendarData


def is_working_day(calendar: CalendarData, day: date) -> bool:
    if day.year not in calendar.covered_years:
        return day.weekday() < 5
    if day in calendar.makeup_workdays:
        return True
    return day.weekday() < 5 and day not in calendar.holidays


def nth_working_day_after(calendar: CalendarData, day: date, n: int) -> date:
    found = 0
    while found < n:
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            found += 1
    return day


def _window_bounds(day: date, window: BusinessWindow) -> tuple[datetime, datetime]:
    midnight = datetime.combine(day, time())
    return (
        midnight + timedelta(minutes=window.opens_minute),
        midnight + timedelta(minutes=window.closes_minute),
    )


def add_business_minutes(
    calendar: CalendarData, start: datetime, minutes: int, window: BusinessWindow
) -> datetime:
    """Step minute by minute from a whole-minute naive local start; each in-window minute counts."""
    cursor = start
    used = 0
    while True:
        opens, closes = _window_bounds(cursor.date(), window)
        if is_working_day(calendar, cursor.date()) and opens <= cursor < closes:
            used += 1
            cursor += timedelta(minutes=1)
            if used == minutes:
                return cursor
        else:
            cursor += timedelta(minutes=1)


def add_business_time(
    calendar: CalendarData, start: datetime, duration: timedelta, window: BusinessWindow
) -> datetime:
    """Walk day by day over naive local time, spending each working day's window in turn."""
    day = start.date()
    remaining = duration
    cursor = start
    while True:
        opens, closes = _window_bounds(day, window)
        if is_working_day(calendar, day):
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time())


def business_time_between(
    calendar: CalendarData, start: datetime, end: datetime, window: BusinessWindow
) -> timedelta:
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if is_working_day(calendar, day):
            opens, closes = _window_bounds(day, window)
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total


def local(naive: datetime) -> datetime:
    return naive.replace(tzinfo=SHANGHAI)
