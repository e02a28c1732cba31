"""Writes to the calendar table: admins import or correct years (``calendar.manage``).

An import replaces every listed year in the database and ALSO writes ``<data dir>/calendar/<year>.json``
with ``sources.store_year_records``, so ``mallops calendar`` (which reads the package plus those files)
and the console agree. The file is written last inside the transaction: if it cannot be written the
database change is rolled back too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, validation_error
from mallops.workdays import selectors
from mallops.workdays.models import CalendarDay, CalendarYear
from mallops.workdays.sources import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarImportError,
    YearRecord,
    parse_csv_import,
    parse_json_import,
    store_year_records,
    year_to_json,
)

FORMATS = ("json", "csv")

# Sent after an import commits, with ``years`` (the imported years): apps holding deadlines recompute
# the ones that had to fall back to Monday-Friday for those years.
calendar_changed = Signal()


def calendar_file_dir() -> Path:
    """Where the CLI looks for imported years: ``$MALLOPS_DATA_DIR/calendar``."""
    return Path(settings.DATA_DIR) / "calendar"


def parse_import_text(*, text: str, fmt: str, source: str = "upload") -> list[YearRecord]:
    """Year records from pasted or uploaded text; problems become a 422 naming the line and reason."""
    if fmt not in FORMATS:
        raise validation_error([FieldError(("body", "format"), "must be json or csv", "invalid_choice")])
    if not text.strip():
        raise validation_error([FieldError(("body", "content"), "the file is empty", "required")])
    try:
        return parse_json_import(text, source) if fmt == "json" else parse_csv_import(text, source)
    except CalendarImportError as error:
        raise validation_error([FieldError(("body", "content"), str(error), "calendar_invalid")]) from None


def _write_year(record: YearRecord, *, source: str, actor: Actor) -> CalendarYear:
    row, _ = CalendarYear.objects.update_or_create(
        year=record.year, defaults={"source": source, "updated_by_id": actor.user_id}
    )
    row.days.all().delete()
    CalendarDay.objects.bulk_create(
        [
            *(
                CalendarDay(calendar_year=row, date=d, kind=CalendarDay.Kind.HOLIDAY, name=n)
                for d, n in sorted(record.holidays.items())
            ),
            *(
                CalendarDay(calendar_year=row, date=d, kind=CalendarDay.Kind.WORKDAY)
                for d in sorted(record.makeup_workdays)
            ),
        ]
    )
    return row


@transaction.atomic
def calendar_years_import(
    *, actor: Actor, records: list[YearRecord], write_files: bool = True
) -> list[CalendarYear]:
    """Replace the listed years (audited, one event per year); returns the stored rows."""
    require_permission(actor, "calendar.manage")
    return _import(actor=actor, records=records, write_files=write_files)


def _import(*, actor: Actor, records: list[YearRecord], write_files: bool = True) -> list[CalendarYear]:
    if not records:
        raise validation_error([FieldError(("body", "content"), "no years to import", "required")])
    before = {r.year: r for r in selectors.year_records_from_db(r.year for r in records)}
    rows = []
    for record in sorted(records, key=lambda r: r.year):
        row = _write_year(record, source=CalendarYear.Source.IMPORT, actor=actor)
        old = before.get(record.year)
        audit_record(
            actor=actor,
            action="workdays.calendar_year_imported",
            obj=row,
            before=None if old is None else year_to_json(old),
            after=year_to_json(record),
        )
        rows.append(row)
    if write_files:
        store_year_records(records, calendar_file_dir())
    selectors.invalidate()
    years = sorted(r.year for r in records)
    transaction.on_commit(selectors.invalidate)
    calendar_changed.send(sender=CalendarYear, years=years)
    return rows


@transaction.atomic
def calendar_import_text(*, actor: Actor, text: str, fmt: str, source: str = "upload") -> list[CalendarYear]:
    """Parse then import (the console form and the API both come through here)."""
    require_permission(actor, "calendar.manage")
    records = parse_import_text(text=text, fmt=fmt, source=source)
    return _import(actor=actor, records=records)


DAY_CHOICES = ("holiday", "workday", "default")


@transaction.atomic
def calendar_day_set(*, actor: Actor, day: date, choice: str, name: str = "") -> YearRecord:
    """Override one day of the calendar (the console's year grid): ``choice`` is ``holiday`` (with a
    name), ``workday`` (a make-up workday: Saturdays and Sundays only) or ``default`` (drop the override,
    the plain week applies). The day's year is rewritten in the database and in its CLI file, like an import
    of that year with one day changed; one ``workdays.calendar_day_set`` audit event. Errors: 403 without
    ``calendar.manage``; 422 naming ``date``/``choice``/``name``; nothing is written on an error.
    """
    require_permission(actor, "calendar.manage")
    name = name.strip()
    if choice not in DAY_CHOICES:
        raise validation_error(
            [FieldError(("body", "choice"), "must be holiday, workday or default", "invalid_choice")]
        )
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise validation_error(
            [FieldError(("body", "date"), "the year is outside 1992-9999", "out_of_range")]
        )
    if choice == "workday" and day.weekday() < 5:
        raise validation_error(
            [FieldError(("body", "date"), "a make-up workday falls on a Saturday or Sunday", "not_weekend")]
        )
    if choice == "holiday" and not name:
        raise validation_error([FieldError(("body", "name"), "a holiday needs its name", "required")])
    if len(name) > 50:
        raise validation_error([FieldError(("body", "name"), "at most 50 characters", "too_long")])
    found = selectors.year_records_from_db([day.year])
    old = found[0] if found else YearRecord(year=day.year, holidays={}, makeup_workdays=frozenset())
    holidays = {d: n for d, n in old.holidays.items() if d != day}
    makeups = old.makeup_workdays - {day}
    if choice == "holiday":
        holidays[day] = name
    elif choice == "workday":
        makeups = makeups | {day}
    record = YearRecord(year=day.year, holidays=dict(sorted(holidays.items())), makeup_workdays=makeups)
    if record == old:
        return record
    row = _write_year(record, source=CalendarYear.Source.IMPORT, actor=actor)
    audit_record(
        actor=actor,
        action="workdays.calendar_day_set",
        obj=row,
        before={"date": day.isoformat(), **_day_state(old, day)},
        after={"date": day.isoformat(), **_day_state(record, day)},
    )
    store_year_records([record], calendar_file_dir())
    selectors.invalidate()
    transaction.on_commit(selectors.invalidate)
    calendar_changed.send(sender=CalendarYear, years=[day.year])
    return record


def _day_state(record: YearRecord, day: date) -> dict[str, str]:
    if day in record.holidays:
        return {"kind": "holiday", "name": record.holidays[day]}
    if day in record.makeup_workdays:
        return {"kind": "workday", "name": ""}
    return {"kind": "default", "name": ""}
