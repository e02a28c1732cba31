"""The console's clickable year grid: day classes, one-day overrides (audited), errors write nothing."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mallops.audit.models import AuditEvent
from mallops.testing.factories import make_staff
from mallops.workdays import selectors
from mallops.workdays.engine import SHANGHAI, add_working_days
from mallops.workdays.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def _cell_class(html: str, day: str) -> str:
    match = re.search(rf'class="(day-[a-z]+)[^"]*" data-date="{day}"', html)
    assert match, day
    return match.group(1)


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(make_staff("tech_ops"))
    return client


@pytest.mark.req("R5.1.4")
def test_the_grid_shows_holidays_make_up_days_and_plain_days(admin_client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get("/calendar/?year=2026").content.decode()
    assert _cell_class(html, "2026-10-01") == "day-holiday"
    assert 'title="2026-10-01 国庆节"' in html
    assert _cell_class(html, "2026-10-10") == "day-makeup"  # Saturday 调休上班 after 国庆节
    assert _cell_class(html, "2026-10-12") == "day-workday"
    assert _cell_class(html, "2026-10-17") == "day-rest"
    assert html.count('class="cal-month"') == 12
    assert "法定节假日" in html and "调休上班日" in html and "休息日" in html
    calendar_reads = [
        q for q in queries.captured_queries if q["sql"].startswith('SELECT "workdays_calendarday"."id"')
    ]
    assert len(calendar_reads) == 1  # one query for the whole year's days
    picked = admin_client.get("/calendar/?year=2026&day=2026-10-01").content.decode()
    assert 'data-testid="day-form"' in picked and 'value="国庆节"' in picked


@pytest.mark.req("R5.1.4")
def test_posting_an_override_changes_the_cell_the_deadline_and_is_audited(admin_client: Client) -> None:
    start = datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)  # Friday; Saturday 10 Oct is a make-up day
    assert add_working_days(selectors.calendar_data(), start, 1).at.date() == date(2026, 10, 10)
    response = admin_client.post(
        "/calendar/?year=2026", {"form": "day", "date": "2026-10-10", "choice": "default", "name": ""}
    )
    assert response.status_code == 302 and response["Location"] == "/calendar/?year=2026"
    assert not CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
    assert add_working_days(selectors.calendar_data(), start, 1).at.date() == date(2026, 10, 12)
    html = admin_client.get("/calendar/?year=2026").content.decode()
    assert _cell_class(html, "2026-10-10") == "day-rest"
    admin_client.post(
        "/calendar/", {"form": "day", "date": "2026-10-12", "choice": "holiday", "name": "测试假日"}
    )
    assert add_working_days(selectors.calendar_data(), start, 1).at.date() == date(2026, 10, 13)
    assert CalendarDay.objects.get(date=date(2026, 10, 12)).name == "测试假日"
    events = AuditEvent.objects.filter(action="workdays.calendar_day_set").order_by("seq")
    assert [((e.before or {})["kind"], (e.after or {})["kind"]) for e in events] == [
        ("workday", "default"),
        ("default", "holiday"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-13-40", "choice": "holiday", "name": "x"}, None),
        ({"date": "2026-10-13", "choice": "workday", "name": ""}, "调休上班日必须是周六或周日。"),
        ({"date": "2026-10-13", "choice": "holiday", "name": ""}, "法定节假日需要填写名称。"),
    ],
)
def test_a_bad_day_is_a_form_error_and_writes_nothing(
    admin_client: Client, data: dict[str, str], message: str | None
) -> None:
    days_before = list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name"))
    response = admin_client.post("/calendar/?year=2026", {"form": "day", **data})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="day-form"' in html
    if message:
        assert message in html
    assert list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name")) == days_before
    assert not AuditEvent.objects.filter(action="workdays.calendar_day_set").exists()


def test_a_day_override_needs_calendar_manage(client: Client) -> None:
    client.force_login(make_staff("cs_agent"))
    response = client.post(
        "/calendar/", {"form": "day", "date": "2026-10-12", "choice": "holiday", "name": "x"}
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.filter(date=date(2026, 10, 12)).exists()
