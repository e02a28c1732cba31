from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mallops.workdays.sources import (
    CalendarImportError,
    calendar_dir,
    calendar_from_year_records,
    load_calendar,
    load_stored_calendar,
    package_calendar,
    parse_csv_import,
    parse_import_file,
    parse_json_import,
    store_year_records,
    year_records,
    year_to_json,
)

YEAR_2027 = {
    "year": 2027,
    "holidays": [
        {"date": "2027-01-01", "name": "元旦"},
        {"date": "2027-02-08", "name": "春节"},
        {"date": "2027-02-09", "name": "春节"},
    ],
    "makeup_workdays": ["2027-02-06"],
}


def test_json_import_round_trips() -> None:
    (record,) = parse_json_import(json.dumps(YEAR_2027, ensure_ascii=False))
    assert record.year == 2027
    assert record.holidays == {date(2027, 1, 1): "元旦", date(2027, 2, 8): "春节", date(2027, 2, 9): "春节"}
    assert record.makeup_workdays == {date(2027, 2, 6)}
    assert year_to_json(record) == YEAR_2027


def test_csv_import_matches_json() -> None:
    text = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-08,holiday,春节\n2027-02-09,holiday,春节\n2027-02-06,workday,\n"
    assert parse_csv_import(text) == parse_json_import(json.dumps(YEAR_2027))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"year": "2027"}, "'year' must be an integer"),
        ({"year": 1980}, "outside 1992-9999"),
        ({"holidays": []}, "lists no holidays"),
        ({"holidays": ["2027-13-01"]}, "is not a date"),
        ({"holidays": ["2028-01-01"]}, "is not in year 2027"),
        ({"holidays": ["2027-01-01", "2027-01-01"]}, "listed twice"),
        ({"makeup_workdays": ["2027-02-08"]}, "both a holiday and a make-up workday"),
        ({"makeup_workdays": ["2027-02-10"]}, "is a Wednesday"),
        ({"makeup_workday": []}, "unknown key 'makeup_workday'"),
        ({"holidays": [{"date": "2027-01-01", "nam": "x"}]}, "unknown holiday key"),
    ],
)
def test_json_import_rejects(change: dict[str, object], message: str) -> None:
    with pytest.raises(CalendarImportError, match=message):
        parse_json_import(json.dumps({**YEAR_2027, **change}), "f.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,kind,name\n", "header"),
        ("date,kind,name\n", "no rows"),
        ("date,kind,name\n2027-01-01,off,\n", "line 2: kind must be holiday or workday"),
        ("date,kind,name\n2027-01-01,holiday,\n2027-01-01,holiday,\n", "listed twice"),
        ("date,kind,name\n2027-02-06,workday,\n", "lists no holidays"),
    ],
)
def test_csv_import_rejects(text: str, message: str) -> None:
    with pytest.raises(CalendarImportError, match=message):
        parse_csv_import(text, "f.csv")


def test_store_and_load_override_the_package(tmp_path: Path) -> None:
    records = parse_json_import(json.dumps(YEAR_2027))
    correction = {"year": 2026, "holidays": ["2026-01-01"], "makeup_workdays": []}
    records += parse_json_import(json.dumps(correction))
    paths = store_year_records(records, tmp_path / "calendar")
    assert [p.name for p in paths] == ["2027.json", "2026.json"]
    merged = load_calendar(tmp_path / "calendar")
    assert merged.covered_years == frozenset(range(2004, 2028))
    assert merged.for_year(2026).holidays == {date(2026, 1, 1)}
    assert merged.for_year(2025) == package_calendar().for_year(2025)
    assert merged.holiday_names[date(2027, 2, 8)] == "春节"
    assert load_stored_calendar(tmp_path / "missing").covered_years == frozenset()


def test_package_year_records_survive_a_round_trip() -> None:
    package = package_calendar()
    rebuilt = calendar_from_year_records(
        parse_json_import(json.dumps([year_to_json(r) for r in year_records(package)]))
    )
    assert rebuilt == package
    assert dict(rebuilt.holiday_names) == dict(package.holiday_names)


def test_import_file_by_extension(tmp_path: Path) -> None:
    path = tmp_path / "2027.txt"
    path.write_text("{}")
    with pytest.raises(CalendarImportError, match=r"\.json or \.csv"):
        parse_import_file(path)


def test_calendar_dir_from_environment() -> None:
    assert calendar_dir({"MALLOPS_DATA_DIR": "/srv/mallops"}) == Path("/srv/mallops/calendar")
    assert calendar_dir({}) == Path("var/calendar")
