"""Reads of the calendar table: ``calendar_data()`` builds the engine's ``CalendarData`` (cached)."""

from __future__ import annotations

import calendar as pycalendar
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet

from mallops.workdays.engine import SHANGHAI, CalendarData
from mallops.workdays.models import CalendarDay, CalendarYear
from mallops.workdays.sources import YearRecord, calendar_from_year_records

_lock = threading.Lock()
_cached: dict[str, tuple[str, CalendarData]] = {}


def current_version() -> str:
    """A token that changes whenever a year is added, replaced or removed (one small query).

    Derived from the table itself, so every process (and a rolled-back test transaction) agrees on it
    without a shared cache; equal tokens mean equal data because a replaced year gets a new timestamp.
    """
    stats = CalendarDay.objects.aggregate(
        n=Count("id"), years=Count("calendar_year", distinct=True), latest=Max("calendar_year__updated_at")
    )
    latest = stats["latest"]
    return f"{stats['years']}:{stats['n']}:{latest.isoformat() if latest else '-'}"


def invalidate() -> None:
    """Drop this process's copy at once (other processes notice the new version token)."""
    with _lock:
        _cached.clear()


def year_records_from_db(years: Iterable[int] | None = None) -> list[YearRecord]:
    rows = CalendarYear.objects.prefetch_related("days").order_by("year")
    if years is not None:
        rows = rows.filter(year__in=list(years))
    records = []
    for row in rows:
        days = list(row.days.all())
        records.append(
            YearRecord(
                year=row.year,
                holidays={d.date: d.name for d in days if d.kind == CalendarDay.Kind.HOLIDAY},
                makeup_workdays=frozenset(d.date for d in days if d.kind == CalendarDay.Kind.WORKDAY),
            )
        )
    return records


def calendar_data() -> CalendarData:
    """The calendar held in the database; rebuilt only after an import changed it."""
    version = current_version()
    with _lock:
        hit = _cached.get("calendar")
        if hit is not None and hit[0] == version:
            return hit[1]
    data = calendar_from_year_records(year_records_from_db())
    with _lock:
        _cached["calendar"] = (version, data)
    return data


@dataclass(frozen=True)
class YearSummary:
    year: int
    source: str
    holidays: int
    makeup_workdays: int
    updated_at: datetime


def year_summaries() -> list[YearSummary]:
    rows: QuerySet[CalendarYear] = CalendarYear.objects.annotate(
        n_holidays=Count("days", filter=Q(days__kind=CalendarDay.Kind.HOLIDAY)),
        n_workdays=Count("days", filter=Q(days__kind=CalendarDay.Kind.WORKDAY)),
    ).order_by("year")
    return [
        YearSummary(
            year=r.year,
            source=r.source,
            holidays=r.n_holidays,  # type: ignore[attr-defined]
            makeup_workdays=r.n_workdays,  # type: ignore[attr-defined]
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def year_days(year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(calendar_year__year=year).order_by("date"))


def missing_upcoming_years(today: date | None = None, ahead: int = 1) -> list[int]:
    """This year and the next ``ahead`` years that have no data yet (the console reminds admins)."""
    today = today or datetime.now(SHANGHAI).date()
    covered = set(CalendarYear.objects.values_list("year", flat=True))
    return [y for y in range(today.year, today.year + ahead + 1) if y not in covered]


@dataclass(frozen=True)
class GridDay:
    """One cell of the year grid: ``kind`` is workday / rest / holiday / makeup (the CSS class and legend)."""

    date: date
    kind: str
    name: str


@dataclass(frozen=True)
class GridMonth:
    month: int
    weeks: list[list[GridDay | None]]  # Monday first; None pads days of the neighbouring months


def year_grid(year: int) -> list[GridMonth]:
    """Twelve months of ``year`` with every day classified, from one query (the year's exceptional days)."""
    exceptions = {d.date: d for d in CalendarDay.objects.filter(calendar_year__year=year)}
    months = []
    for month in range(1, 13):
        weeks: list[list[GridDay | None]] = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[GridDay | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                row = exceptions.get(day)
                if row is not None and row.kind == CalendarDay.Kind.HOLIDAY:
                    cells.append(GridDay(day, "holiday", row.name))
                elif row is not None:
                    cells.append(GridDay(day, "makeup", ""))
                else:
                    cells.append(GridDay(day, "rest" if day.weekday() >= 5 else "workday", ""))
            weeks.append(cells)
        months.append(GridMonth(month, weeks))
    return months
