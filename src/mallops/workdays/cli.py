"""``mallops calendar ...``: deadlines, calendar import and display (no Django, fast start).

Commands (``main`` receives the words after ``calendar``)::

    deadline --start ISO8601 --working-days N
    deadline --start ISO8601 --business-hours H [--window HH:MM-HH:MM]
    import FILE                 # .json or .csv; writes $MALLOPS_DATA_DIR/calendar/<year>.json
    show --year Y               # the year's holidays and make-up workdays as JSON
    years                       # covered years and where each comes from

``--start`` takes anything ``datetime.fromisoformat`` reads: an offset or ``Z`` is honoured, a value
without an offset is Asia/Shanghai local time, and a date alone means local midnight. Starts before
1992-01-01 are rejected. ``--business-hours`` is a decimal number of hours (exact: 0.1 hours is 360
seconds); the deadline is printed rounded to the nearest second (half up). A window may close at
``24:00``; a deadline at that close prints as ``00:00:00`` of the next day.

Exit codes: 0 done (a year without data only adds ``warning: ...`` lines on stderr); 2 bad input
(arguments, dates, windows, import files); 1 a stored calendar file is broken or cannot be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from mallops.workdays.engine import (
    DEFAULT_WINDOW,
    SHANGHAI,
    BusinessWindow,
    CalendarData,
    ClockResult,
    add_business_hours,
    add_working_days,
    isoformat_local,
)
from mallops.workdays.sources import (
    CalendarImportError,
    calendar_dir,
    load_calendar,
    load_stored_calendar,
    package_calendar,
    parse_import_file,
    store_year_records,
    year_records,
    year_to_json,
)


class UsageError(Exception):
    """Bad command-line input; reported on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parse_start(text: str) -> datetime:
    """Aware start instant from ISO 8601 text (no offset: Asia/Shanghai; date only: local midnight)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--start {text!r} is not an ISO 8601 date or date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value


def parse_hours(text: str) -> timedelta:
    """Positive decimal hours as an exact ``timedelta`` (rounded to the microsecond, half up)."""
    try:
        hours = Decimal(text.strip())
    except InvalidOperation:
        raise UsageError(f"--business-hours {text!r} is not a number") from None
    if not hours.is_finite() or hours <= 0:
        raise UsageError("--business-hours must be greater than 0")
    microseconds = (hours * 3_600_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if microseconds < 1:
        raise UsageError("--business-hours is shorter than a microsecond")
    try:
        return timedelta(microseconds=int(microseconds))
    except OverflowError:
        raise UsageError("--business-hours is too large") from None


def _parser() -> _Parser:
    parser = _Parser(prog="mallops calendar", add_help=True)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    deadline = commands.add_parser("deadline", help="print a deadline")
    deadline.add_argument("--start", required=True)
    amount = deadline.add_mutually_exclusive_group(required=True)
    amount.add_argument("--working-days", type=str)
    amount.add_argument("--business-hours", type=str)
    deadline.add_argument("--window")
    importer = commands.add_parser("import", help="import a year's holiday schedule (.json or .csv)")
    importer.add_argument("file", type=Path)
    show = commands.add_parser("show", help="print a year's holidays and make-up workdays as JSON")
    show.add_argument("--year", required=True, type=str)
    commands.add_parser("years", help="list covered years and their source")
    return parser


def _deadline(args: argparse.Namespace, calendar: CalendarData) -> ClockResult:
    start = parse_start(args.start)
    try:
        if args.working_days is not None:
            if args.window is not None:
                raise UsageError("--window applies to --business-hours only")
            try:
                n = int(args.working_days)
            except ValueError:
                raise UsageError(f"--working-days {args.working_days!r} is not an integer") from None
            if n < 1:
                raise UsageError("--working-days must be at least 1")
            return add_working_days(calendar, start, n)
        window = DEFAULT_WINDOW if args.window is None else BusinessWindow.parse(args.window)
        return add_business_hours(calendar, start, parse_hours(args.business_hours), window)
    except (ValueError, OverflowError) as error:
        raise UsageError(str(error)) from None


def _import(path: Path, directory: Path) -> list[str]:
    try:
        records = parse_import_file(path)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    written = store_year_records(records, directory)
    return [
        f"imported {r.year}: {len(r.holidays)} holidays, {len(r.makeup_workdays)} make-up workdays -> {p}"
        for r, p in zip(records, written, strict=True)
    ]


def _show(year_text: str, calendar: CalendarData) -> str:
    try:
        year = int(year_text)
    except ValueError:
        raise UsageError(f"--year {year_text!r} is not a year") from None
    if year not in calendar.covered_years:
        raise UsageError(f"no holiday data for {year}")
    (record,) = year_records(calendar.for_year(year))
    return json.dumps(year_to_json(record), ensure_ascii=False, indent=2)


class _BrokenStore(Exception):
    """A file in the calendar data dir cannot be read or is malformed (exit code 1)."""


def _load(directory: Path) -> CalendarData:
    try:
        return load_calendar(directory)
    except (CalendarImportError, OSError) as error:
        raise _BrokenStore(str(error)) from None


def _years(directory: Path) -> list[str]:
    try:
        stored = load_stored_calendar(directory).covered_years
    except (CalendarImportError, OSError) as error:
        raise _BrokenStore(str(error)) from None
    package = package_calendar().covered_years
    return [
        f"{year} {'import' if year in stored else 'chinese-calendar'}" for year in sorted(stored | package)
    ]


def main(argv: list[str]) -> int:
    """Run one ``mallops calendar`` command; returns the exit code (0, 1 or 2)."""
    try:
        args = _parser().parse_args(argv)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0
    directory = calendar_dir()
    try:
        if args.command == "import":
            for line in _import(args.file, directory):
                print(line)
            return 0
        if args.command == "years":
            print("\n".join(_years(directory)))
            return 0
        calendar = _load(directory)
        if args.command == "show":
            print(_show(args.year, calendar))
            return 0
        result = _deadline(args, calendar)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except CalendarImportError as error:  # the file given to `import`
        print(f"error: {error}", file=sys.stderr)
        return 2
    except _BrokenStore as error:
        print(f"error: stored calendar is broken: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(isoformat_local(result.at))
    return 0
