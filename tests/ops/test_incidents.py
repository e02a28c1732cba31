"""Incidents (R7.4.1): regulator deadlines, the state table, notifications, timeline, API and console."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.core import sweeps
from mallops.ops import monitors
from mallops.ops.incident_rules import regulator_deadline
from mallops.ops.incidents import incident_set_severity
from mallops.ops.models import DrillRun, Incident, IncidentEvent, RunResult
from mallops.ops.monitors import Figures, evaluate
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "severity", "personal", "cii", "hours"),
    [
        ("data_leak", "sev3", True, False, 4),
        ("data_leak", "sev1", True, True, 1),
        ("system_failure", "sev2", False, False, 4),
        ("data_leak", "sev4", True, False, 24),
        ("mass_complaints", "sev1", True, False, 24),
        ("system_failure", "sev4", False, False, None),
        ("mass_complaints", "sev2", False, False, None),
        ("regulatory_investigation", "sev3", False, False, None),
    ],
)
def test_regulator_deadline_rules(
    kind: str, severity: str, personal: bool, cii: bool, hours: int | None
) -> None:
    due, rule = regulator_deadline(
        kind=kind, severity=severity, involves_personal_data=personal, detected_at=T0, cii_operator=cii
    )
    assert due == (T0 + timedelta(hours=hours) if hours is not None else None)
    assert bool(rule) == (hours is not None)


@pytest.fixture
def admin_api(db: None) -> ApiClient:
    return ApiClient(token_for(make_staff("platform_admin")))


@pytest.mark.req("R7.4.1")
def test_incident_lifecycle_through_the_api(admin_api: ApiClient) -> None:
    owner = make_staff("platform_admin")
    detected = (timezone.now() - timedelta(minutes=30)).replace(microsecond=0)
    # when: a personal-data leak of level 较大 is opened
    opened = admin_api.post_json(
        "/api/v1/ops/incidents",
        {
            "kind": "data_leak",
            "severity": "sev3",
            "title": "收货地址导出接口越权",
            "summary": "Merchant export returned other stores' addresses.",
            "detected_at": detected.isoformat(),
            "involves_personal_data": True,
            "affected_people": 1200,
            "owner_id": owner.pk,
        },
    )
    assert opened.status_code == 201, opened.content
    body = opened.json()
    incident_id = body["id"]
    assert body["status"] == "open"
    assert body["owner"] == owner.username
    assert datetime.fromisoformat(body["regulator_deadline_at"]) == detected + timedelta(hours=4)
    assert body["regulator_rule"].startswith("CAC incident reporting measures")
    assert [e["kind"] for e in body["timeline"]] == ["opened"]
    # closing straight away is off the table; resolving first, then closing needs post-mortem + regulator
    bad = admin_api.post_json(f"/api/v1/ops/incidents/{incident_id}/transition", {"status": "closed"})
    assert bad.status_code == 409
    assert bad.json()["code"] == "incident_bad_transition"
    for status in ("mitigated", "resolved"):
        moved = admin_api.post_json(f"/api/v1/ops/incidents/{incident_id}/transition", {"status": status})
        assert moved.status_code == 200, moved.content
    refused = admin_api.post_json(f"/api/v1/ops/incidents/{incident_id}/transition", {"status": "closed"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "incident_not_closable"
    assert "post-mortem" in refused.json()["detail"] and "regulator" in refused.json()["detail"]
    assert Incident.objects.get(pk=incident_id).status == "resolved"
    # notifications stop the regulator's clock
    for audience in ("regulator", "users"):
        notified = admin_api.post_json(
            f"/api/v1/ops/incidents/{incident_id}/notifications",
            {
                "audience": audience,
                "text": f"notice to {audience}: categories, cause, harm, remedies, contact",
            },
        )
        assert notified.status_code == 200, notified.content
    assert (
        admin_api.post_json(
            f"/api/v1/ops/incidents/{incident_id}/notes", {"text": "root cause found"}
        ).status_code
        == 200
    )
    closed = admin_api.post_json(
        f"/api/v1/ops/incidents/{incident_id}/transition",
        {"status": "closed", "postmortem": "Missing merchant scope on the export query; fixed, test added."},
    )
    assert closed.status_code == 200, closed.content
    final = closed.json()
    assert final["status"] == "closed"
    assert final["regulator_notified_at"] is not None and final["users_notified_at"] is not None
    assert [e["kind"] for e in final["timeline"]] == [
        "opened",
        "status",
        "status",
        "notified_regulator",
        "notified_users",
        "note",
        "status",
    ]
    incident = Incident.objects.get(pk=incident_id)
    assert incident.regulator_due_at is None
    listed = admin_api.get_json("/api/v1/ops/incidents?status=closed").json()
    assert [item["id"] for item in listed["items"]] == [incident_id]


def test_missed_regulator_deadline_is_swept_onto_the_timeline(admin_api: ApiClient) -> None:
    detected = timezone.now() - timedelta(hours=5)
    opened = admin_api.post_json(
        "/api/v1/ops/incidents",
        {
            "kind": "system_failure",
            "severity": "sev2",
            "title": "数据库主库宕机",
            "detected_at": detected.isoformat(),
        },
    )
    incident_id = opened.json()["id"]
    assert sweeps.run_sweeper(sweeps.registered()["ops.incident_regulator_deadline"]) == 1
    assert sweeps.run_sweeper(sweeps.registered()["ops.incident_regulator_deadline"]) == 0
    missed = IncidentEvent.objects.get(incident_id=incident_id, kind="deadline_missed")
    assert "passed without a notification" in missed.text
    late = admin_api.post_json(
        f"/api/v1/ops/incidents/{incident_id}/notifications", {"audience": "regulator", "text": "reported"}
    ).json()
    assert late["timeline"][-1]["text"] == "reported (after the deadline)"


def test_incident_refusals(admin_api: ApiClient, db: None) -> None:
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    wrong = admin_api.post_json(
        "/api/v1/ops/incidents",
        {"kind": "data_leak", "severity": "sev9", "title": "x", "detected_at": future},
    )
    assert wrong.status_code == 422
    future_only = admin_api.post_json(
        "/api/v1/ops/incidents",
        {"kind": "data_leak", "severity": "sev4", "title": "x", "detected_at": future},
    )
    assert future_only.status_code == 422
    assert [e["loc"] for e in future_only.json()["errors"]] == [["body", "detected_at"]]
    agent = ApiClient(token_for(make_staff("cs_agent")))
    denied = agent.post_json("/api/v1/ops/incidents", {"kind": "data_leak", "severity": "sev4", "title": "x"})
    assert denied.status_code == 403
    assert agent.get_json("/api/v1/ops/incidents").status_code == 403
    assert admin_api.get_json("/api/v1/ops/incidents/999999").status_code == 404
    assert not Incident.objects.exists()


def test_incident_console_pages(admin_api: ApiClient, client: Client) -> None:
    opened = admin_api.post_json(
        "/api/v1/ops/incidents",
        {"kind": "data_leak", "severity": "sev1", "title": "用户手机号泄露", "involves_personal_data": True},
    ).json()
    client.force_login(make_staff("platform_admin"))
    listing = client.get("/ops/incidents/").content.decode()
    assert listing.count('data-testid="incident-row"') == 1
    assert "用户手机号泄露" in listing and 'data-testid="regulator-due"' in listing
    assert 'data-testid="incidents-table"' in listing and 'class="sort' in listing  # the DataTable
    assert "数据泄露" in listing and ">data_leak<" not in listing
    other_kind = client.get("/ops/incidents/", {"kind": "system_failure"}).content.decode()
    assert 'data-testid="incident-row"' not in other_kind
    detail = client.get(f"/ops/incidents/{opened['id']}/")
    assert detail.status_code == 200
    assert detail.content.decode().count('data-testid="timeline-event"') == 1
    assert client.get("/ops/incidents/999999/").status_code == 404
    client.force_login(make_staff("cs_agent"))
    assert client.get("/ops/incidents/").status_code == 403


def test_action_items_are_tracked_to_done(admin_api: ApiClient, client: Client) -> None:
    incident_id = admin_api.post_json(
        "/api/v1/ops/incidents", {"kind": "system_failure", "severity": "sev4", "title": "缓存雪崩"}
    ).json()["id"]
    owner = make_staff("platform_admin")
    added = admin_api.post_json(
        f"/api/v1/ops/incidents/{incident_id}/actions",
        {"title": "Add jitter to cache TTLs", "owner_id": owner.pk, "due_on": "2026-12-31"},
    )
    assert added.status_code == 201, added.content
    (action,) = added.json()["actions"]
    assert (action["title"], action["owner"], action["due_on"], action["done_at"]) == (
        "Add jitter to cache TTLs",
        owner.username,
        "2026-12-31",
        None,
    )
    client.force_login(owner)
    assert client.get("/ops/incidents/").content.decode().count('data-testid="action-row"') == 1
    done = admin_api.post_json(f"/api/v1/ops/incidents/{incident_id}/actions/{action['id']}/done", {})
    assert done.status_code == 200
    assert done.json()["actions"][0]["done_at"] is not None
    assert [e["text"] for e in done.json()["timeline"] if e["kind"] == "action"] == [
        "action added: Add jitter to cache TTLs",
        "action done: Add jitter to cache TTLs",
    ]
    again = admin_api.post_json(f"/api/v1/ops/incidents/{incident_id}/actions/{action['id']}/done", {})
    assert again.status_code == 409
    assert again.json()["code"] == "action_already_done"
    assert client.get("/ops/incidents/").content.decode().count('data-testid="action-row"') == 0


def _figures(**changes: object) -> Figures:
    base = Figures(
        has_active_policy=True,
        last_backup_ok_at=T0 - timedelta(hours=1),
        last_drill_ok=True,
        worst_sweep_lag_s=0.0,
        worst_sweep_timer="",
        orders_last_hour=100,
        orders_hourly_baseline=100.0,
        payment_failures_last_hour=2,
        payment_failures_hourly_baseline=2.0,
        now=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "keys"),
    [
        ({}, []),
        ({"last_backup_ok_at": T0 - timedelta(hours=27)}, ["backup_stale"]),
        ({"last_backup_ok_at": None, "has_active_policy": False}, []),
        ({"last_drill_ok": False}, ["drill_failed"]),
        ({"worst_sweep_lag_s": 16 * 60.0, "worst_sweep_timer": "orders.order.pay_due_at"}, ["sweep_lag"]),
        ({"orders_last_hour": 29}, ["orders_falling"]),
        ({"orders_last_hour": 30}, []),
        ({"orders_last_hour": 0, "orders_hourly_baseline": 19.0}, []),
        (
            {"payment_failures_last_hour": 10, "payment_failures_hourly_baseline": 3.0},
            ["payment_failures_rising"],
        ),
        ({"payment_failures_last_hour": 9, "payment_failures_hourly_baseline": 0.0}, []),
        ({"payment_failures_last_hour": 12, "payment_failures_hourly_baseline": 5.0}, []),
    ],
)
def test_monitor_rules(changes: dict[str, object], keys: list[str]) -> None:
    assert [alert.key for alert in evaluate(_figures(**changes))] == keys


@pytest.mark.req("R6.3.2")
def test_monitors_open_one_incident_per_firing_rule(db: None) -> None:
    from mallops.core.models import SweepProbe

    # given: a timer 20 minutes overdue and a failed drill
    now = timezone.now()
    SweepProbe.objects.create(due_at=now - timedelta(minutes=20))
    DrillRun.objects.create(level="local", backup_name="b", started_at=now, result=RunResult.FAILED)
    # when: the monitors run twice
    assert sorted(monitors.run(now)) == ["drill_failed", "sweep_lag"]
    assert monitors.run(now + timedelta(minutes=5)) == []
    # then: one incident each, opened by the system, with the monitor named on the timeline
    rows = list(
        Incident.objects.order_by("source_key").values_list("source_key", "severity", "kind", "status")
    )
    assert rows == [
        ("monitor:drill_failed", "sev4", "system_failure", "open"),
        ("monitor:sweep_lag", "sev4", "system_failure", "open"),
    ]
    lag = Incident.objects.get(source_key="monitor:sweep_lag")
    assert "core.sweepprobe.due_at overdue by 20 min" in lag.summary
    assert lag.regulator_deadline_at is None  # a machine's alert starts no regulator clock
    # triage raises it to 较大: the CAC clock runs from detection
    admin = make_staff("platform_admin")
    raised = incident_set_severity(actor=actor_of(admin), incident_id=lag.pk, severity="sev3", now=now)
    assert raised.regulator_deadline_at == lag.detected_at + timedelta(hours=4)
    assert raised.regulator_due_at == raised.regulator_deadline_at
    texts = [e.text for e in raised.events.order_by("id")]
    assert texts[-1].startswith("severity sev4 → sev3; notify the regulator by ")
    assert lag.events.order_by("id").first().actor_username == "system"  # type: ignore[union-attr]


@pytest.mark.req("R7.4.2")
def test_incident_drills_are_scheduled_and_recorded_with_findings(
    admin_api: ApiClient, client: Client
) -> None:
    planned = admin_api.post_json(
        "/api/v1/ops/incident-drills",
        {
            "title": "个人信息泄露桌面推演",
            "scenario": "data_leak",
            "scheduled_at": "2026-12-15T10:00:00+08:00",
        },
    )
    assert planned.status_code == 201, planned.content
    drill = planned.json()
    assert (drill["result"], drill["held_at"], drill["findings"]) == ("planned", None, "")
    recorded = admin_api.post_json(
        f"/api/v1/ops/incident-drills/{drill['id']}/record",
        {
            "result": "issues_found",
            "findings": "The regulator contact list was out of date.",
            "participants": "ops, legal, customer service",
        },
    )
    assert recorded.status_code == 200, recorded.content
    body = recorded.json()
    assert body["result"] == "issues_found" and body["held_at"] is not None
    twice = admin_api.post_json(
        f"/api/v1/ops/incident-drills/{drill['id']}/record", {"result": "passed", "findings": "again"}
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "drill_already_recorded"
    listed = admin_api.get_json("/api/v1/ops/incident-drills").json()
    assert [(i["id"], i["result"]) for i in listed["items"]] == [(drill["id"], "issues_found")]
    client.force_login(make_staff("platform_admin"))
    page = client.get("/ops/incidents/").content.decode()
    assert page.count('data-testid="incident-drill"') == 1
    assert "regulator contact list" in page


def test_times_without_a_zone_are_read_in_beijing_time(admin_api: ApiClient) -> None:
    naive = (timezone.localtime() - timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    opened = admin_api.post_json(
        "/api/v1/ops/incidents",
        {"kind": "system_failure", "severity": "sev2", "title": "x", "detected_at": naive.isoformat()},
    )
    assert opened.status_code == 201, opened.content
    detected = datetime.fromisoformat(opened.json()["detected_at"])
    assert detected == timezone.make_aware(naive, timezone.get_current_timezone())
    far = admin_api.post_json(
        "/api/v1/ops/incident-drills",
        {"title": "x", "scenario": "data_leak", "scheduled_at": "9999-12-31T23:59:59"},
    )
    assert far.status_code == 201, far.content


@pytest.mark.django_db
def test_technical_operations_run_incidents_from_the_console_and_the_api() -> None:
    tech = make_staff("tech_ops")
    client = ApiClient(token_for(tech))
    opened = client.post_json(
        "/api/v1/ops/incidents", {"kind": "system_failure", "severity": "sev3", "title": "支付回调延迟"}
    )
    assert opened.status_code == 201, opened.content
    console = Client()
    console.force_login(tech)
    page = console.get("/ops/incidents/")
    assert page.status_code == 200 and "支付回调延迟" in page.content.decode()
