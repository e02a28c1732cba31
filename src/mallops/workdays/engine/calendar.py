"""Working-day calendar and SLA clock arithmetic (pure Python, no Django).

Calendar model
    ``CalendarData`` holds the State Council schedule as plain data: holiday dates, make-up workdays
    (调休上班日) and the years the data covers. Within a covered year a day is a working day iff it is
    (Monday-Friday and not a holiday) or a make-up workday. A year that is not covered falls back to
    Monday-Friday; every function reports the uncovered years whose days it had to look at in
    ``uncovered_years`` of its result, so callers can warn (stderr for the CLI, a console alert for staff).

Time
    Every instant passed in or returned is timezone-aware. Arithmetic runs on Asia/Shanghai wall-clock
    time (zoneinfo); Shanghai has had a fixed +08:00 offset since 1992, so instants before
    1992-01-01 are rejected with ``ValueError``. Durations are ``timedelta`` (microsecond exact).

Deadlines
    * working days: the N-th working day counted from the day after the start's local date; the deadline
      is 23:59:59 local time of that day.
    * business hours: time inside a daily window (default 09:00-18:00) on working days. A start outside
      the window starts the clock at the next opening. The deadline is the earliest instant at which the
      budget is used up, so a budget that runs out exactly at a window's close is due at that closing
      instant, not at the next opening.
    * calendar hours: plain elapsed time.

Speed
    Working days are counted in closed form: Monday-Friday days up to a date ordinal plus a prefix sum over
    the calendar's exceptions (weekday holidays count -1, weekend make-up workdays +1). Finding the k-th
    working day is an exponential plus binary search over that count, so no computation steps through
    days or minutes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from types import MappingProxyType
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Shanghai observed daylight saving time until 1991; from 1992 on its offset is a constant +08:00, which
# is what makes wall-clock arithmetic below exact.
EARLIEST_SUPPORTED = datetime(1992, 1, 1, tzinfo=SHANGHAI)
END_OF_DAY = time(23, 59, 59)

_MICROSECONDS_PER_MINUTE = 60_000_000
_MICROSECONDS_PER_DAY = 86_400_000_000
_ONE_MICROSECOND = timedelta(microseconds=1)


def fallback_warning(year: int) -> str:
    """The message shown when a computation used the Monday-Friday fallback for ``year``."""
    return f"no holiday data for {year}; using Monday-Friday"


@dataclass(frozen=True)
class CalendarData:
    """Holiday schedule for some years; any source (package, import file, DB table) can build one.

    Raises ``ValueError`` when a date is both a holiday and a make-up workday, or lies in a year that is
    not in ``covered_years`` (such a date would be silently ignored otherwise).
    """

    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    covered_years: frozenset[int]
    holiday_names: Mapping[date, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        both = self.holidays & self.makeup_workdays
        if both:
            raise ValueError(f"dates both holiday and make-up workday: {_dates_text(both)}")
        stray = {d for d in self.holidays | self.makeup_workdays if d.year not in self.covered_years}
        if stray:
            raise ValueError(f"dates outside the covered years: {_dates_text(stray)}")
        unnamed = set(self.holiday_names) - self.holidays
        if unnamed:
            raise ValueError(f"names given for dates that are not holidays: {_dates_text(unnamed)}")
        object.__setattr__(self, "holiday_names", MappingProxyType(dict(self.holiday_names)))

    @classmethod
    def empty(cls) -> CalendarData:
        """No covered year: every computation falls back to Monday-Friday."""
        return cls(holidays=frozenset(), makeup_workdays=frozenset(), covered_years=frozenset())

    def overridden_by(self, other: CalendarData) -> CalendarData:
        """This calendar with every year that ``other`` covers replaced by ``other``'s data."""
        kept_holidays = {d for d in self.holidays if d.year not in other.covered_years}
        kept_makeups = {d for d in self.makeup_workdays if d.year not in other.covered_years}
        names = {d: n for d, n in self.holiday_names.items() if d in kept_holidays}
        names.update(other.holiday_names)
        return CalendarData(
            holidays=frozenset(kept_holidays | other.holidays),
            makeup_workdays=frozenset(kept_makeups | other.makeup_workdays),
            covered_years=self.covered_years | other.covered_years,
            holiday_names=names,
        )

    def for_year(self, year: int) -> CalendarData:
        """Only ``year``'s data (empty and uncovered when the year has no data)."""
        if year not in self.covered_years:
            return CalendarData.empty()
        return CalendarData(
            holidays=frozenset(d for d in self.holidays if d.year == year),
            makeup_workdays=frozenset(d for d in self.makeup_workdays if d.year == year),
            covered_years=frozenset({year}),
            holiday_names={d: n for d, n in self.holiday_names.items() if d.year == year},
        )

    def is_working_day(self, day: date) -> bool:
        """Working-day status of ``day`` (Monday-Friday fallback in an uncovered year)."""
        if day.year in self.covered_years:
            if day in self.makeup_workdays:
                return True
            if day in self.holidays:
                return False
        return day.weekday() < 5

    @cached_property
    def _exception_index(self) -> tuple[list[int], list[int]]:
        """Sorted ordinals whose status differs from Monday-Friday, and prefix sums of their effect."""
        effects: dict[int, int] = {}
        for day in self.holidays:
            if day.weekday() < 5:
                effects[day.toordinal()] = -1
        for day in self.makeup_workdays:
            if day.weekday() >= 5:
                effects[day.toordinal()] = 1
        ordinals = sorted(effects)
        prefix = [0]
        for ordinal in ordinals:
            prefix.append(prefix[-1] + effects[ordinal])
        return ordinals, prefix

    def working_days_through(self, ordinal: int) -> int:
        """Number of working days with date ordinal in ``1..ordinal`` (0001-01-01 is ordinal 1)."""
        # Ordinal 1 is a Monday, so ordinal o falls on weekday (o - 1) % 7.
        weeks, rest = divmod(ordinal, 7)
        count = 5 * weeks + min(rest, 5)
        ordinals, prefix = self._exception_index
        return count + prefix[bisect_right(ordinals, ordinal)]

    def working_days_between(self, after: date, through: date) -> int:
        """Working days ``d`` with ``after < d <= through`` (0 when ``through <= after``)."""
        if through <= after:
            return 0
        return self.working_days_through(through.toordinal()) - self.working_days_through(after.toordinal())

    def _ordinal_of_kth(self, k: int, below: int) -> int:
        """Smallest ordinal ``x`` with ``working_days_through(x) >= k``, given that ``below`` falls short."""
        low = below
        step = (k - self.working_days_through(low)) * 7 // 5 + 7
        high = low + step
        limit = date.max.toordinal()
        while self.working_days_through(min(high, limit)) < k:
            if high >= limit:
                raise ValueError("deadline falls after year 9999")
            low, step = high, step * 2
            high = low + step
        high = min(high, limit)
        while high - low > 1:
            middle = (low + high) // 2
            if self.working_days_through(middle) >= k:
                high = middle
            else:
                low = middle
        return high

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``n >= 1``; ``day`` itself never counts)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        ordinal = day.toordinal()
        return date.fromordinal(self._ordinal_of_kth(self.working_days_through(ordinal) + n, ordinal))

    def uncovered_years_between(self, first: date, last: date) -> frozenset[int]:
        """Years from ``first`` to ``last`` (inclusive) that have no data."""
        return frozenset(y for y in range(first.year, last.year + 1) if y not in self.covered_years)


def _dates_text(days: Iterable[date]) -> str:
    ordered = sorted(days)
    text = ", ".join(d.isoformat() for d in ordered[:5])
    return text + (f" and {len(ordered) - 5} more" if len(ordered) > 5 else "")


@dataclass(frozen=True)
class ClockResult:
    """An instant and the uncovered years the computation fell back to Monday-Friday for."""

    at: datetime
    uncovered_years: frozenset[int] = frozenset()

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(fallback_warning(y) for y in sorted(self.uncovered_years))


@dataclass(frozen=True)
class DurationResult:
    """A duration and the uncovered years the computation fell back to Monday-Friday for."""

    duration: timedelta
    uncovered_years: frozenset[int] = frozenset()

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(fallback_warning(y) for y in sorted(self.uncovered_years))


@dataclass(frozen=True)
class BusinessWindow:
    """Daily opening hours on working days as minutes after local midnight (``closes`` may be 1440)."""

    opens_minute: int
    closes_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.opens_minute < self.closes_minute <= 1440:
            raise ValueError("window must open before it closes, within one day")

    @classmethod
    def parse(cls, text: str) -> BusinessWindow:
        """Parse ``HH:MM-HH:MM`` (24-hour clock; ``24:00`` allowed as closing time)."""
        parts = text.strip().split("-")
        if len(parts) != 2:
            raise ValueError(f"window {text!r} is not HH:MM-HH:MM")
        opens, closes = (_parse_minute(p, text) for p in parts)
        if opens >= 1440 or opens >= closes:
            raise ValueError(f"window {text!r} must open before it closes, within one day")
        return cls(opens, closes)

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.closes_minute - self.opens_minute)

    def __str__(self) -> str:
        return f"{_minute_text(self.opens_minute)}-{_minute_text(self.closes_minute)}"


def _parse_minute(part: str, whole: str) -> int:
    hours, sep, minutes = part.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"window {whole!r} is not HH:MM-HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 1440:
        raise ValueError(f"window {whole!r} has an invalid time")
    return value


def _minute_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


DEFAULT_WINDOW = BusinessWindow(9 * 60, 18 * 60)


def to_local(instant: datetime) -> datetime:
    """``instant`` as naive Asia/Shanghai wall-clock time; naive or pre-1992 input raises ``ValueError``."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must be timezone-aware")
    if instant < EARLIEST_SUPPORTED:
        raise ValueError("instants before 1992-01-01 (Asia/Shanghai) are not supported")
    return instant.astimezone(SHANGHAI).replace(tzinfo=None)


def from_local(wall_clock: datetime) -> datetime:
    return wall_clock.replace(tzinfo=SHANGHAI)


def isoformat_local(instant: datetime) -> str:
    """``instant`` as ``YYYY-MM-DDTHH:MM:SS+08:00``, rounded to the nearest second (half up)."""
    local = instant.astimezone(SHANGHAI)
    if local.microsecond >= 500_000:
        local += timedelta(seconds=1)
    return local.replace(microsecond=0).isoformat()


def add_working_days(calendar: CalendarData, start: datetime, n: int) -> ClockResult:
    """End (23:59:59 local) of the ``n``-th working day after the start's local date (``n >= 1``)."""
    start_day = to_local(start).date()
    due_day = calendar.nth_working_day_after(start_day, n)
    uncovered = calendar.uncovered_years_between(start_day + timedelta(days=1), due_day)
    return ClockResult(from_local(datetime.combine(due_day, END_OF_DAY)), uncovered)


def add_calendar_hours(start: datetime, duration: timedelta) -> ClockResult:
    """``start`` plus ``duration`` of elapsed time (no calendar involved)."""
    to_local(start)
    return ClockResult((start + duration).astimezone(SHANGHAI))


def _business_through(calendar: CalendarData, window: BusinessWindow, local: datetime) -> int:
    """Business microseconds from a fixed origin (far past) up to the naive local instant ``local``."""
    day = local.date()
    full_days = calendar.working_days_through(day.toordinal() - 1)
    window_us = (window.closes_minute - window.opens_minute) * _MICROSECONDS_PER_MINUTE
    total = full_days * window_us
    if calendar.is_working_day(day):
        since_midnight = (
            local.hour * 3600 + local.minute * 60 + local.second
        ) * 1_000_000 + local.microsecond
        opened = since_midnight - window.opens_minute * _MICROSECONDS_PER_MINUTE
        total += min(max(opened, 0), window_us)
    return total


def _business_instant(calendar: CalendarData, window: BusinessWindow, target: int, below: date) -> datetime:
    """Earliest naive local instant whose business count reaches ``target`` (``below`` falls short)."""
    window_us = (window.closes_minute - window.opens_minute) * _MICROSECONDS_PER_MINUTE
    whole, rest = divmod(target, window_us)
    # The instant lies in the ``k``-th working day overall; a remainder of 0 means at its close.
    k, into_window = (whole, window_us) if rest == 0 else (whole + 1, rest)
    day = date.fromordinal(calendar._ordinal_of_kth(k, below.toordinal()))
    offset = window.opens_minute * _MICROSECONDS_PER_MINUTE + into_window
    return datetime.combine(day, time()) + timedelta(microseconds=offset)


def add_business_hours(
    calendar: CalendarData,
    start: datetime,
    duration: timedelta,
    window: BusinessWindow = DEFAULT_WINDOW,
) -> ClockResult:
    """Earliest instant at which ``duration`` (> 0) of window time on working days has passed."""
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    local = to_local(start)
    target = _business_through(calendar, window, local) + duration // _ONE_MICROSECOND
    due = _business_instant(calendar, window, target, local.date() - timedelta(days=1))
    first_consulted = local.date()
    if local.time() >= _window_close_time(window):
        first_consulted += timedelta(days=1)
    uncovered = calendar.uncovered_years_between(first_consulted, due.date())
    return ClockResult(from_local(due), uncovered)


def _window_close_time(window: BusinessWindow) -> time:
    if window.closes_minute == 1440:
        return time.max
    return time(window.closes_minute // 60, window.closes_minute % 60)


def business_time_between(
    calendar: CalendarData,
    start: datetime,
    end: datetime,
    window: BusinessWindow = DEFAULT_WINDOW,
) -> DurationResult:
    """Window time on working days in ``[start, end)``; zero when ``end <= start``."""
    local_start, local_end = to_local(start), to_local(end)
    if local_end <= local_start:
        return DurationResult(timedelta(0))
    elapsed = _business_through(calendar, window, local_end) - _business_through(
        calendar, window, local_start
    )
    uncovered = calendar.uncovered_years_between(local_start.date(), local_end.date())
    return DurationResult(timedelta(microseconds=elapsed), uncovered)


def business_seconds_between(
    calendar: CalendarData,
    start: datetime,
    end: datetime,
    window: BusinessWindow = DEFAULT_WINDOW,
) -> float:
    """``business_time_between`` in seconds (convenience for reports; warnings are dropped)."""
    return business_time_between(calendar, start, end, window).duration.total_seconds()
