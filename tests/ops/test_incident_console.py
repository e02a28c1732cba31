"""The 事件 page is worked from the console: open an incident, note, move it on, plan and record a drill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mallops.audit.models import AuditEvent
from mallops.ops.models import Incident, IncidentDrill
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def test_an_operator_opens_and_moves_an_incident_and_plans_a_drill_without_the_api() -> None:
    client = Client()
    client.force_login(make_staff("tech_ops"))
    page = client.get("/ops/incidents/").content.decode()
    assert "/api/v1" not in page and 'data-testid="incident-open"' in page and "登记事件" in page

    # when: open, note, mitigate
    opened = client.post(
        "/ops/incidents/new/",
        {
            "title": "支付回调延迟",
            "kind": "system_failure",
            "severity": "sev4",
            "summary": "回调积压 20 分钟",
        },
    )
    incident = Incident.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/ops/incidents/{incident.pk}/"
    client.post(f"/ops/incidents/{incident.pk}/act/", {"op": "note", "text": "已扩容回调处理"})
    client.post(f"/ops/incidents/{incident.pk}/act/", {"op": "move", "status": "mitigated"})
    refused = client.post(
        f"/ops/incidents/{incident.pk}/act/", {"op": "move", "status": "closed"}, follow=True
    )

    # then
    incident.refresh_from_db()
    assert (incident.title, incident.kind, incident.severity, incident.status) == (
        "支付回调延迟",
        "system_failure",
        "sev4",
        "mitigated",
    )
    assert list(incident.events.values_list("kind", flat=True).order_by("pk")) == ["opened", "note", "status"]
    assert list(
        AuditEvent.objects.filter(action__startswith="ops.incident.")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == ["ops.incident.open", "ops.incident.note", "ops.incident.transition"]
    assert "故障不能变更到该状态" in refused.content.decode()  # mitigated → closed is not a step
    detail = client.get(f"/ops/incidents/{incident.pk}/").content.decode()
    assert "<strong>一般</strong>; 类型: 系统故障; 状态: <strong>已缓解</strong>" in detail
    assert 'value="resolved"' in detail  # the next step is offered

    # and a drill is planned, then recorded, from the same page
    at = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        "/ops/incidents/drills/",
        {"op": "schedule", "title": "数据泄露桌面推演", "scenario": "data_leak", "scheduled_at": at},
    )
    drill = IncidentDrill.objects.get()
    client.post(
        "/ops/incidents/drills/",
        {"op": "record", "drill_id": drill.pk, "result": "passed", "findings": "通报链路畅通"},
    )
    drill.refresh_from_db()
    assert (drill.title, drill.scenario, drill.result, drill.findings) == (
        "数据泄露桌面推演",
        "data_leak",
        "passed",
        "通报链路畅通",
    )


def test_a_person_without_system_operate_cannot_open_an_incident() -> None:
    client = Client()
    client.force_login(make_staff("cs_agent"))
    response = client.post(
        "/ops/incidents/new/", {"title": "x", "kind": "system_failure", "severity": "sev4"}
    )
    assert response.status_code == 403 and not Incident.objects.exists()
