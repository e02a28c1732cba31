"""Hypothesis strategies shared by the workdays tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import strategies as st

from mallops.workdays.engine import BusinessWindow, CalendarData
from mallops.workdays.sources import package_calendar

FIRST = date(2025, 1, 1)
LAST = date(2028, 12, 31)


@st.composite
def random_calendars(draw: st.DrawFn) -> CalendarData:
    """Calendars over 2025-2028 with random covered years, holiday runs and weekend make-up days."""
    years = draw(st.sets(st.integers(FIRST.year, LAST.year)))
    holidays: set[date] = set()
    for start, length in draw(st.lists(st.tuples(st.dates(FIRST, LAST), st.integers(1, 9)), max_size=12)):
        holidays |= {start + timedelta(days=i) for i in range(length)}
    holidays = {d for d in holidays if d.year in years}
    makeups = {
        d
        for d in draw(st.sets(st.dates(FIRST, LAST), max_size=12))
        if d.year in years and d.weekday() >= 5 and d not in holidays
    }
    return CalendarData(
        holidays=frozenset(holidays), makeup_workdays=frozenset(makeups), covered_years=frozenset(years)
    )


calendars = st.one_of(st.just(package_calendar()), random_calendars())

windows = (
    st.tuples(st.integers(0, 1439), st.integers(1, 1440))
    .filter(lambda t: t[0] < t[1])
    .map(lambda t: BusinessWindow(t[0], t[1]))
)
common_windows = st.sampled_from(
    [BusinessWindow(540, 1080), BusinessWindow(480, 1320), BusinessWindow(0, 1440), BusinessWindow(600, 615)]
)

minute_starts = st.datetimes(datetime(2025, 1, 1), datetime(2028, 6, 30)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
any_starts = st.datetimes(datetime(2025, 1, 1), datetime(2028, 6, 30))
