"""The calendar table: seeded from the package, imported by admins (API, console), read by the SLA clock."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from mallops.accounts.actors import actor_of
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for
from mallops.workdays import selectors, services
from mallops.workdays.engine import SHANGHAI, add_business_hours
from mallops.workdays.models import CalendarDay, CalendarYear
from mallops.workdays.sources import load_calendar, package_calendar

pytestmark = pytest.mark.django_db

YEAR_2027 = {
    "year": 2027,
    "holidays": [{"date": "2027-01-01", "name": "元旦"}, {"date": "2027-02-08", "name": "春节"}],
    "makeup_workdays": ["2027-02-06"],
}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.mark.req("R5.1.4")
def test_the_migration_seeds_every_package_year():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert years == set(package_calendar().covered_years)
    assert {2004, 2026} <= years
    assert selectors.calendar_data() == package_calendar()
    assert CalendarDay.objects.get(date=date(2026, 2, 14)).kind == "workday"


@pytest.mark.req("R5.1.4")
def test_import_through_the_api_changes_deadlines_and_writes_the_cli_file(tmp_path):
    start = datetime(2026, 12, 31, 17, 0, tzinfo=SHANGHAI)
    before = add_business_hours(selectors.calendar_data(), start, timedelta(hours=4))
    assert before.uncovered_years == {2027}  # fallback: Friday 1 Jan 2027 counted as a working day
    assert before.at == datetime(2027, 1, 1, 12, 0, tzinfo=SHANGHAI)
    admin = make_staff("tech_ops")
    response = ApiClient(token=token_for(admin)).post_json(
        "/api/v1/calendar/years", {"format": "json", "content": json.dumps(YEAR_2027)}
    )
    assert response.status_code == 201, response.content
    assert response.json()["items"][0] == {
        **response.json()["items"][0],
        "year": 2027,
        "holidays": 2,
        "makeup_workdays": 1,
        "source": "import",
    }
    after = add_business_hours(selectors.calendar_data(), start, timedelta(hours=4))
    assert after.uncovered_years == frozenset()
    assert after.at == datetime(2027, 1, 4, 12, 0, tzinfo=SHANGHAI)
    # the CLI reads the same data from $MALLOPS_DATA_DIR/calendar
    assert json.loads((tmp_path / "calendar" / "2027.json").read_text())["year"] == 2027
    assert load_calendar(tmp_path / "calendar").is_working_day(date(2027, 2, 6))


def test_import_needs_calendar_manage_and_valid_data():
    agent = ApiClient(token=token_for(make_staff("cs_agent")))
    body = {"format": "json", "content": json.dumps(YEAR_2027)}
    assert agent.post_json("/api/v1/calendar/years", body).status_code == 403
    admin = ApiClient(token=token_for(make_staff("cs_supervisor")))
    bad = {"format": "csv", "content": "date,kind,name\n2027-02-03,workday,\n2027-01-01,holiday,元旦\n"}
    response = admin.post_json("/api/v1/calendar/years", bad)
    assert response.status_code == 422
    assert "Wednesday" in response.json()["errors"][0]["msg"]
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_corrected_year_replaces_the_old_one_and_is_audited():
    from mallops.audit.models import AuditEvent

    admin = make_staff("tech_ops")
    services.calendar_import_text(actor=actor_of(admin), text=json.dumps(YEAR_2027), fmt="json")
    corrected = {**YEAR_2027, "makeup_workdays": ["2027-02-07"]}
    services.calendar_import_text(actor=actor_of(admin), text=json.dumps(corrected), fmt="json")
    days = {d.date: d.kind for d in selectors.year_days(2027)}
    assert days[date(2027, 2, 7)] == "workday" and date(2027, 2, 6) not in days
    events = AuditEvent.objects.filter(action="workdays.calendar_year_imported").order_by("seq")
    assert events.count() == 2
    assert selectors.calendar_data().is_working_day(date(2027, 2, 7))


def test_list_years_and_console_page():
    client = ApiClient(token=token_for(make_staff("cs_agent")))
    body = client.get_json("/api/v1/calendar/years").json()
    assert body["count"] == len(package_calendar().covered_years)
    detail = client.get_json("/api/v1/calendar/years/2026").json()
    assert {"date": "2026-10-10", "kind": "workday", "name": ""} in detail["days"]
    assert client.get_json("/api/v1/calendar/years/2031").status_code == 404


def test_console_calendar_page_imports_csv(client):
    admin = make_staff("tech_ops")
    client.force_login(admin)
    page = client.get("/calendar/")
    assert page.status_code == 200 and "2027" in page.content.decode()  # reminder: 2027 has no data
    csv_text = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,\n"
    response = client.post("/calendar/", {"format": "csv", "content": csv_text})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).days.count() == 2
    client.force_login(make_staff("cs_agent"))
    assert client.get("/calendar/").status_code == 403
