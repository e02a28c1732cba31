"""Risk register (R7.2.1) and early warning (R7.2.3): seeded defaults, CRUD with audit, threshold sweeps
raising alerts to the owner, acknowledgement, escalation when unacknowledged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mallops.accounts.models import LoginFailure
from mallops.audit.models import AuditEvent
from mallops.core.sweeps import autodiscover, registered, run_sweeper
from mallops.risk.models import RegisteredRisk, RiskAlert, WarningRule
from mallops.risk.seeds import SEED_REGISTER, SEED_WARNING_RULES
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db

ENTRY = {
    "code": "live-stream-claims",
    "title": "直播带货夸大宣传",
    "category": "advertising",
    "description": "主播口播功效宣称。",
    "likelihood": 4,
    "impact": 5,
    "owner_role": "compliance_auditor",
    "controls": ["直播脚本预审", "抽查回放"],
    "metrics": ["disputes"],
}


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _client(*roles: str) -> ApiClient:
    return ApiClient(token=token_for(make_staff(*roles)))


@pytest.mark.req("R7.2.1")
def test_the_register_is_seeded_with_every_category_and_read_most_severe_first() -> None:
    # the data migration seeded it (the test database is migrated)
    assert RegisteredRisk.objects.count() == len(SEED_REGISTER) == 10
    assert set(RegisteredRisk.objects.values_list("category", flat=True)) == {
        "legal",
        "data_security",
        "payment",
        "logistics",
        "counterfeit",
        "competition",
        "advertising",
    }
    page = _body(_client("compliance_auditor").get_json("/api/v1/risk/register?limit=100"))
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)
    first = page["items"][0]
    assert (first["score"], first["level"]) == (16, "high")
    assert all(item["controls"] and item["owner_role"] for item in page["items"])


@pytest.mark.req("R7.2.1")
def test_register_crud_is_audited_and_only_the_risk_owner_writes() -> None:
    admin = _client("platform_admin")
    created = admin.post_json("/api/v1/risk/register", ENTRY)
    assert created.status_code == 201, created.content
    body = _body(created)
    assert (body["score"], body["level"], body["category_label"]) == (20, "critical", "广告宣传")
    again = admin.post_json("/api/v1/risk/register", ENTRY)
    assert again.status_code == 409 and _body(again)["code"] == "risk_code_taken"
    bad = admin.post_json("/api/v1/risk/register", {**ENTRY, "code": "x", "metrics": ["nope"]})
    assert bad.status_code == 422
    assert [e["loc"] for e in _body(bad)["errors"]] == [["body", "metrics"]]
    response = admin.put(
        f"/api/v1/risk/register/{body['id']}",
        data={**ENTRY, "likelihood": 1, "status": "retired"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert response.status_code == 200 and _body(response)["level"] == "medium"
    analyst = _client("risk_analyst")
    refused = analyst.post_json("/api/v1/risk/register", {**ENTRY, "code": "other"})
    assert refused.status_code == 403
    assert analyst.get_json(f"/api/v1/risk/register/{body['id']}").status_code == 200
    assert admin.delete_json(f"/api/v1/risk/register/{body['id']}").status_code == 204
    assert not RegisteredRisk.objects.filter(code=ENTRY["code"]).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="risk.register_")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["risk.register_create", "risk.register_update", "risk.register_delete"]


def _sweep(name: str, now: Any) -> int:
    autodiscover()
    return run_sweeper(registered()[name], now)


def _failures(n: int, now: Any) -> None:
    LoginFailure.objects.bulk_create(
        [
            LoginFailure(
                username=f"u{i}", at=now - timedelta(minutes=1), expires_due_at=now + timedelta(minutes=15)
            )
            for i in range(n)
        ]
    )


@pytest.mark.req("R7.2.3")
def test_a_breached_threshold_raises_one_alert_to_the_owner_who_acknowledges_it() -> None:
    # given the seeded login-failure rule (200 in 15 minutes) made due, and 200 failures
    assert WarningRule.objects.count() == len(SEED_WARNING_RULES)
    now = timezone.now()
    WarningRule.objects.update(check_due_at=now)
    _failures(200, now)
    # when the sweep runs
    assert _sweep("risk.warning_check", now) == 6
    # then exactly one alert is raised, to the risk analysts, with the measured value
    alert = RiskAlert.objects.get()
    assert (alert.metric, alert.value, alert.threshold, alert.owner_role, alert.status) == (
        "login_failures",
        200,
        200,
        "risk_analyst",
        "open",
    )
    assert alert.escalate_due_at == now + timedelta(minutes=30)
    rule = WarningRule.objects.get(metric="login_failures")
    assert (rule.last_value, rule.check_due_at) == (200, now + timedelta(minutes=5))
    # a later breach while it is open raises nothing new
    assert _sweep("risk.warning_check", now + timedelta(minutes=5)) == 1
    assert RiskAlert.objects.count() == 1
    # the owner's list and acknowledgement
    analyst = _client("risk_analyst")
    mine = _body(analyst.get_json("/api/v1/risk/alerts?mine=true"))
    assert [item["id"] for item in mine["items"]] == [alert.pk]
    outsider = _client("compliance_auditor")
    assert _body(outsider.get_json("/api/v1/risk/alerts?mine=true"))["items"] == []
    refused = outsider.post_json(f"/api/v1/risk/alerts/{alert.pk}/acknowledge", {"note": "x"})
    assert refused.status_code == 403
    done = analyst.post_json(f"/api/v1/risk/alerts/{alert.pk}/acknowledge", {"note": "撞库，已封 IP"})
    assert done.status_code == 200
    assert (_body(done)["status"], _body(done)["escalate_due_at"]) == ("acknowledged", None)
    twice = analyst.post_json(f"/api/v1/risk/alerts/{alert.pk}/acknowledge", {"note": ""})
    assert twice.status_code == 409
    # the escalation sweep finds nothing to do
    assert _sweep("risk.alert_escalate", now + timedelta(hours=2)) == 0
    assert AuditEvent.objects.filter(action__in=["risk.alert_raise", "risk.alert_acknowledge"]).count() == 2


@pytest.mark.req("R7.2.3")
def test_an_unacknowledged_alert_is_escalated_once_at_its_due_time() -> None:
    now = timezone.now()
    WarningRule.objects.filter(metric="login_failures").update(check_due_at=now)
    _failures(250, now)
    assert _sweep("risk.warning_check", now) == 1
    alert = RiskAlert.objects.get()
    assert _sweep("risk.alert_escalate", now + timedelta(minutes=29)) == 0
    assert _sweep("risk.alert_escalate", now + timedelta(minutes=30)) == 1
    alert.refresh_from_db()
    assert (alert.status, alert.escalated_at, alert.escalate_due_at) == (
        "open",
        now + timedelta(minutes=30),
        None,
    )
    assert _sweep("risk.alert_escalate", now + timedelta(hours=5)) == 0
    # now the platform admins see it as theirs and may acknowledge it
    admin = _client("platform_admin")
    assert [i["id"] for i in _body(admin.get_json("/api/v1/risk/alerts?mine=true"))["items"]] == [alert.pk]
    assert admin.post_json(f"/api/v1/risk/alerts/{alert.pk}/acknowledge", {"note": ""}).status_code == 200
    assert AuditEvent.objects.filter(action="risk.alert_escalate").count() == 1


def test_a_quiet_metric_raises_nothing_and_a_switched_off_rule_is_not_checked() -> None:
    now = timezone.now()
    WarningRule.objects.update(check_due_at=now)
    _failures(10, now)
    assert _sweep("risk.warning_check", now) == 6
    assert RiskAlert.objects.count() == 0
    admin = _client("platform_admin")
    rule = WarningRule.objects.get(metric="login_failures")
    changed = admin.put(
        f"/api/v1/risk/warning-rules/{rule.pk}",
        data={"threshold": 5, "window_minutes": 15, "escalate_after_minutes": 30, "is_active": False},
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert changed.status_code == 200, changed.content
    assert _body(changed)["is_active"] is False
    assert _sweep("risk.warning_check", now + timedelta(days=1)) == 5
    assert RiskAlert.objects.count() == 0


# -- console --------------------------------------------------------------------------------------------


def _browser(*roles: str) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(make_staff(*roles))
    return client


@pytest.mark.req("R7.2.1")
def test_the_register_pages_list_add_edit_and_delete_with_audit() -> None:
    from django.urls import reverse

    admin = _browser("platform_admin")
    page = admin.get(reverse("risk:register")).content.decode()
    assert page.count('data-testid="risk-register-row"') == 10
    assert "风险登记册" in page and "交易安全·假冒伪劣" in page
    form = {
        "code": "live-claims",
        "title": "直播夸大宣传",
        "category": "advertising",
        "description": "",
        "likelihood": "4",
        "impact": "5",
        "owner_role": "compliance_auditor",
        "controls": "脚本预审\n回放抽查\n",
        "metrics": ["disputes"],
        "status": "active",
    }
    assert admin.post(reverse("risk:register_new"), form).status_code == 302
    row = RegisteredRisk.objects.get(code="live-claims")
    assert (row.controls, row.metrics, row.level) == (["脚本预审", "回放抽查"], ["disputes"], "critical")
    assert (
        admin.post(reverse("risk:register_edit", args=[row.pk]), {**form, "impact": "1"}).status_code == 302
    )
    row.refresh_from_db()
    assert row.level == "low"
    edit = admin.get(reverse("risk:register_edit", args=[row.pk])).content.decode()
    assert "data-confirm=" in edit
    assert admin.post(reverse("risk:register_edit", args=[row.pk]), {"op": "delete"}).status_code == 302
    assert not RegisteredRisk.objects.filter(code="live-claims").exists()
    assert AuditEvent.objects.filter(action__startswith="risk.register_").count() == 3
    # an auditor reads, cannot write
    auditor = _browser("compliance_auditor")
    assert auditor.get(reverse("risk:register")).status_code == 200
    assert auditor.get(reverse("risk:register_new")).status_code == 403
    first = RegisteredRisk.objects.order_by("pk").first()
    assert first is not None
    assert auditor.post(reverse("risk:register_edit", args=[first.pk]), {"op": "delete"}).status_code == 403


@pytest.mark.req("R7.2.3")
def test_the_alert_page_lists_my_alerts_and_acknowledges_one() -> None:
    from django.urls import reverse

    now = timezone.now()
    WarningRule.objects.filter(metric="login_failures").update(check_due_at=now)
    _failures(200, now)
    _sweep("risk.warning_check", now)
    alert = RiskAlert.objects.get()
    analyst = _browser("risk_analyst")
    page = analyst.get(reverse("risk:alerts")).content.decode()
    assert page.count('data-testid="risk-alert-row"') == 1
    assert "登录失败激增" in page and 'data-testid="risk-warning-rules"' in page
    answer = analyst.post(reverse("risk:alerts"), {"alert_id": alert.pk, "note": "已处理"})
    assert answer.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.note) == ("acknowledged", "已处理")
    auditor_page = _browser("compliance_auditor").get(reverse("risk:alerts")).content.decode()
    assert auditor_page.count('data-testid="risk-alert-row"') == 0  # not addressed to auditors


def test_the_risk_owner_edits_a_warning_rule_in_the_console() -> None:
    from django.urls import reverse

    rule = WarningRule.objects.get(metric="refund_rate")
    url = reverse("risk:warning_rule", args=[rule.pk])
    assert _browser("risk_analyst").get(url).status_code == 403
    admin = _browser("platform_admin")
    assert url in admin.get(reverse("risk:alerts")).content.decode()
    data = {"threshold": "15", "window_minutes": "720", "escalate_after_minutes": "120"}
    assert admin.post(url, data).status_code == 302  # the checkbox left out: switched off
    rule.refresh_from_db()
    assert (rule.threshold, rule.window_minutes, rule.escalate_after_minutes, rule.is_active) == (
        15,
        720,
        120,
        False,
    )
    assert rule.check_due_at is None
    assert AuditEvent.objects.filter(action="risk.warning_rule_update").count() == 1
