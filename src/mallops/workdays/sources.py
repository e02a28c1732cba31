"""Where calendar data comes from: the ``chinese-calendar`` package and admin import files.

Import formats (one or more years per file; a year in a file replaces all data for that year):

JSON, one object or a list of objects::

    {"year": 2027,
     "holidays": [{"date": "2027-01-01", "name": "元旦"}, ...],
     "makeup_workdays": ["2027-02-20", ...]}

A holiday may also be a bare ``"YYYY-MM-DD"`` string (no name).

CSV with the header ``date,kind,name``; ``kind`` is ``holiday`` or ``workday`` (a make-up workday);
``name`` may be empty. The years are those of the dates listed.

Checks (``CalendarImportError`` names the file and the problem): dates are ISO ``YYYY-MM-DD`` inside the
stated year; no date is listed twice; a year has at least one holiday; a make-up workday falls on a
Saturday or Sunday (State Council make-up days always do, so a weekday there is a typo); years lie in
1992-9999.

Imported years are stored one JSON file per year (``<data dir>/calendar/<year>.json``, the JSON format
above) and override the package for those years. The data dir is ``$MALLOPS_DATA_DIR`` or ``var``.
This module does not import Django so the CLI starts fast; a DB-backed source can reuse
``calendar_from_year_records`` and ``CalendarData.overridden_by``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from mallops.workdays.engine import CalendarData

MIN_YEAR = 1992
MAX_YEAR = 9999
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarImportError(ValueError):
    """An import file (or a stored year file) is malformed; the message says where and why."""


@dataclass(frozen=True)
class YearRecord:
    """One year's schedule as entered by an admin or read from a file."""

    year: int
    holidays: Mapping[date, str]
    makeup_workdays: frozenset[date]


@lru_cache(maxsize=1)
def package_calendar() -> CalendarData:
    """The schedule shipped in the ``chinese-calendar`` package (2004-2026 in version 1.11.0).

    A year counts as covered when the package lists any holiday in it; names are the Chinese ones.
    """
    from chinese_calendar import constants

    chinese_names = {h.value: str(getattr(h, "chinese", h.value)) for h in constants.Holiday}
    holidays: dict[date, str] = {d: chinese_names.get(n, n) for d, n in constants.holidays.items()}
    makeups = frozenset(constants.workdays)
    return CalendarData(
        holidays=frozenset(holidays),
        makeup_workdays=makeups,
        covered_years=frozenset(d.year for d in holidays),
        holiday_names=holidays,
    )


def calendar_from_year_records(records: Iterable[YearRecord]) -> CalendarData:
    """Combine year records into one calendar; a year given twice raises ``CalendarImportError``."""
    holidays: dict[date, str] = {}
    makeups: set[date] = set()
    years: set[int] = set()
    for record in records:
        if record.year in years:
            raise CalendarImportError(f"year {record.year} is given more than once")
        years.add(record.year)
        holidays.update(record.holidays)
        makeups |= record.makeup_workdays
    return CalendarData(
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeups),
        covered_years=frozenset(years),
        holiday_names={d: n for d, n in holidays.items() if n},
    )


def year_records(calendar: CalendarData) -> list[YearRecord]:
    """The calendar split into one record per covered year, in year order."""
    records = []
    for year in sorted(calendar.covered_years):
        part = calendar.for_year(year)
        records.append(
            YearRecord(
                year=year,
                holidays={d: part.holiday_names.get(d, "") for d in sorted(part.holidays)},
                makeup_workdays=part.makeup_workdays,
            )
        )
    return records


def year_to_json(record: YearRecord) -> dict[str, Any]:
    """The import/storage JSON object for one year (dates sorted)."""
    return {
        "year": record.year,
        "holidays": [{"date": d.isoformat(), "name": n} for d, n in sorted(record.holidays.items())],
        "makeup_workdays": [d.isoformat() for d in sorted(record.makeup_workdays)],
    }


def _parse_date(value: object, where: str) -> date:
    if not isinstance(value, str):
        raise CalendarImportError(f"{where}: date must be a string YYYY-MM-DD, got {value!r}")
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise CalendarImportError(f"{where}: {value!r} is not a date YYYY-MM-DD") from None


def _check_year(year: int, holidays: Mapping[date, str], makeups: Iterable[date], where: str) -> YearRecord:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarImportError(f"{where}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    makeup_set = frozenset(makeups)
    for day in [*holidays, *makeup_set]:
        if day.year != year:
            raise CalendarImportError(f"{where}: {day.isoformat()} is not in year {year}")
    if not holidays:
        raise CalendarImportError(f"{where}: year {year} lists no holidays")
    both = sorted(set(holidays) & makeup_set)
    if both:
        raise CalendarImportError(f"{where}: {both[0].isoformat()} is both a holiday and a make-up workday")
    for day in sorted(makeup_set):
        if day.weekday() < 5:
            raise CalendarImportError(
                f"{where}: make-up workday {day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}; "
                "make-up workdays are Saturdays or Sundays"
            )
    return YearRecord(year=year, holidays=dict(sorted(holidays.items())), makeup_workdays=makeup_set)


def _year_from_json(obj: object, where: str) -> YearRecord:
    if not isinstance(obj, dict):
        raise CalendarImportError(f"{where}: expected an object with year, holidays, makeup_workdays")
    unknown = set(obj) - {"year", "holidays", "makeup_workdays"}
    if unknown:
        raise CalendarImportError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    year = obj.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise CalendarImportError(f"{where}: 'year' must be an integer")
    where = f"{where} (year {year})"
    raw_holidays = obj.get("holidays")
    raw_makeups = obj.get("makeup_workdays", [])
    if not isinstance(raw_holidays, list):
        raise CalendarImportError(f"{where}: 'holidays' must be a list")
    if not isinstance(raw_makeups, list):
        raise CalendarImportError(f"{where}: 'makeup_workdays' must be a list")
    holidays: dict[date, str] = {}
    for item in raw_holidays:
        if isinstance(item, dict):
            extra = set(item) - {"date", "name"}
            if extra:
                raise CalendarImportError(f"{where}: unknown holiday key {sorted(extra)[0]!r}")
            day = _parse_date(item.get("date"), where)
            name = item.get("name", "")
            if not isinstance(name, str):
                raise CalendarImportError(f"{where}: holiday name for {day.isoformat()} must be a string")
        else:
            day, name = _parse_date(item, where), ""
        if day in holidays:
            raise CalendarImportError(f"{where}: holiday {day.isoformat()} is listed twice")
        holidays[day] = name.strip()
    makeups: list[date] = []
    for item in raw_makeups:
        day = _parse_date(item, where)
        if day in makeups:
            raise CalendarImportError(f"{where}: make-up workday {day.isoformat()} is listed twice")
        makeups.append(day)
    return _check_year(year, holidays, makeups, where)


def parse_json_import(text: str, source: str = "<json>") -> list[YearRecord]:
    """Year records from the JSON import format (see the module docstring)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CalendarImportError(f"{source}: invalid JSON ({error.msg}, line {error.lineno})") from None
    items = document if isinstance(document, list) else [document]
    if not items:
        raise CalendarImportError(f"{source}: no years in file")
    records = [_year_from_json(item, source) for item in items]
    calendar_from_year_records(records)  # rejects a year given twice
    return records


def parse_csv_import(text: str, source: str = "<csv>") -> list[YearRecord]:
    """Year records from the CSV import format ``date,kind,name``."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows or [c.strip().lower() for c in rows[0]] != ["date", "kind", "name"]:
        raise CalendarImportError(f"{source}: the first line must be the header date,kind,name")
    holidays: dict[int, dict[date, str]] = {}
    makeups: dict[int, set[date]] = {}
    seen: set[date] = set()
    for line_number, row in enumerate(rows[1:], start=2):
        where = f"{source} line {line_number}"
        if len(row) not in (2, 3):
            raise CalendarImportError(f"{where}: expected date,kind,name")
        day = _parse_date(row[0].strip(), where)
        kind = row[1].strip().lower()
        name = row[2].strip() if len(row) == 3 else ""
        if day in seen:
            raise CalendarImportError(f"{where}: {day.isoformat()} is listed twice")
        seen.add(day)
        if kind == "holiday":
            holidays.setdefault(day.year, {})[day] = name
        elif kind == "workday":
            makeups.setdefault(day.year, set()).add(day)
        else:
            raise CalendarImportError(f"{where}: kind must be holiday or workday, got {row[1].strip()!r}")
    if not seen:
        raise CalendarImportError(f"{source}: no rows after the header")
    return [
        _check_year(year, holidays.get(year, {}), makeups.get(year, set()), source)
        for year in sorted(set(holidays) | set(makeups))
    ]


def parse_import_file(path: Path) -> list[YearRecord]:
    """Year records from ``path`` (``.json`` or ``.csv``); raises ``CalendarImportError`` or ``OSError``."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise CalendarImportError(f"{path}: file name must end in .json or .csv")
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        return parse_json_import(text, str(path))
    return parse_csv_import(text, str(path))


def calendar_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$MALLOPS_DATA_DIR/calendar`` (``var/calendar`` when the variable is unset or empty)."""
    env = os.environ if environ is None else environ
    return Path(env.get("MALLOPS_DATA_DIR") or "var") / "calendar"


def store_year_records(records: Iterable[YearRecord], directory: Path) -> list[Path]:
    """Write each record to ``directory/<year>.json`` atomically (replacing that year); returns paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        target = directory / f"{record.year}.json"
        text = json.dumps(year_to_json(record), ensure_ascii=False, indent=2) + "\n"
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{record.year}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def load_stored_calendar(directory: Path) -> CalendarData:
    """All years stored in ``directory`` (empty calendar when it does not exist)."""
    if not directory.is_dir():
        return CalendarData.empty()
    records: list[YearRecord] = []
    for path in sorted(directory.glob("*.json")):
        records.extend(parse_json_import(path.read_text(encoding="utf-8"), str(path)))
    return calendar_from_year_records(records)


def load_calendar(directory: Path | None = None) -> CalendarData:
    """The package schedule with the stored imported years laid over it."""
    stored = load_stored_calendar(calendar_dir() if directory is None else directory)
    return package_calendar().overridden_by(stored)
