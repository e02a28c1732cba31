"""Complaints past their deadline need a reason and a proposed solution (R5.2.3); serious complaints go to
the management role chosen per severity and can be reported to a regulator, with follow-up (R5.2.4);
SLA targets are edited in the console (hours and minutes, effective from the save)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from service_helpers import make_agent, make_buyer, sh

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.core.sweeps import run_all
from mallops.service import complaints, services
from mallops.service.models import EscalationTarget, Notification, ServiceTask, SlaPolicy, Ticket
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db

T0 = sh(2026, 12, 1, 10, 0)


def _complaint(*, serious: bool = False, priority: str = "normal") -> Ticket:
    return services.ticket_create(
        actor=actor_of(make_buyer()), subject="投诉：商家拒绝退款", description="申请三次都被拒", channel="app",
        category="complaint", priority=priority, is_serious=serious, now=T0,
    )  # fmt: skip


@pytest.mark.req("R5.2.3")
def test_complaint_past_its_deadline_cannot_close_without_reason_and_solution(client: Client) -> None:
    agent = make_agent("complaint")
    ticket = _complaint()
    assert ticket.assignee_id == agent.pk
    run_all(now=T0 + timedelta(hours=71, minutes=59))
    ticket.refresh_from_db()
    assert ticket.explanation_requested_at is None
    # when: the 72 h handling deadline passes with the complaint open
    run_all(now=T0 + timedelta(hours=72, minutes=5))
    run_all(now=T0 + timedelta(hours=73))  # a second sweep asks once
    # then: marked, recorded, and the assignee is asked
    ticket.refresh_from_db()
    assert ticket.explanation_requested_at == T0 + timedelta(hours=72, minutes=5)
    assert ticket.events.filter(kind="explanation_requested").count() == 1
    asked = Notification.objects.filter(kind="complaint_explain")
    assert [(n.recipient_id, n.ticket_id) for n in asked] == [(agent.pk, ticket.pk)]
    assert complaints.missing_explanation(ticket) == ["unresolved_reason", "proposed_solution"]
    desk = ApiClient(token=token_for(agent))
    refused = desk.post_json(f"/api/v1/service/tickets/{ticket.pk}/resolve", {"summary": "已处理"})
    assert refused.status_code == 422 and refused.json()["code"] == "explanation_required"
    assert [e["loc"] for e in refused.json()["errors"]] == [
        ["body", "unresolved_reason"],
        ["body", "proposed_solution"],
    ]
    half = desk.post_json(
        f"/api/v1/service/tickets/{ticket.pk}/resolve",
        {"summary": "已处理", "unresolved_reason": "商家未回应"},
    )
    assert half.status_code == 422
    ticket.refresh_from_db()
    assert ticket.status == "open"
    client.force_login(agent)
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="explanation-requested"' in page and "否则工单不能解决或关闭" in page
    # the form on the ticket page gives both; then it resolves
    client.post(
        f"/service/tickets/{ticket.pk}/complaint/explain",
        {"reason": "商家尚未提供发货凭证", "proposed_solution": "平台先行垫付退款，3 个工作日内完成"},
    )
    ticket.refresh_from_db()
    assert (ticket.unresolved_reason, ticket.proposed_solution) == (
        "商家尚未提供发货凭证", "平台先行垫付退款，3 个工作日内完成",
    )  # fmt: skip
    assert complaints.missing_explanation(ticket) == []
    assert AuditEvent.objects.filter(action="service.complaint_explained").count() == 1
    resolved = desk.post_json(f"/api/v1/service/tickets/{ticket.pk}/resolve", {"summary": "已垫付退款"})
    assert resolved.status_code == 200, resolved.content
    detail = desk.get_json(f"/api/v1/service/tickets/{ticket.pk}").json()
    assert (detail["status"], detail["proposed_solution"]) == (
        "resolved",
        "平台先行垫付退款，3 个工作日内完成",
    )


def test_explanation_through_the_api_and_only_for_complaints() -> None:
    agent = make_agent("complaint", "logistics")
    desk = ApiClient(token=token_for(agent))
    ticket = _complaint()
    empty = desk.post_json(f"/api/v1/service/tickets/{ticket.pk}/explanation", {"reason": "等待商家"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["body", "proposed_solution"]
    given = desk.post_json(
        f"/api/v1/service/tickets/{ticket.pk}/explanation",
        {"reason": "等待商家", "proposed_solution": "补偿券"},
    )
    assert given.status_code == 200, given.content
    other = services.ticket_create(
        actor=actor_of(make_buyer()),
        subject="物流",
        description="慢",
        channel="app",
        category="logistics",
        now=T0,
    )
    wrong = desk.post_json(
        f"/api/v1/service/tickets/{other.pk}/explanation", {"reason": "x", "proposed_solution": "y"}
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "not_a_complaint"


@pytest.mark.req("R5.2.4")
def test_serious_complaint_goes_to_the_management_role_chosen_per_severity(client: Client) -> None:
    supervisor = make_staff("cs_supervisor")
    make_agent("complaint")
    admin = make_staff("platform_admin")
    auditor = make_staff("compliance_auditor")
    # no target chosen: platform admins receive serious complaints
    first = _complaint(serious=True)
    assert (first.escalated_to_id, first.management_escalated_to_id) == (supervisor.pk, admin.pk)
    # the supervisor chooses the compliance auditor for serious ones (a defined role, from a select)
    client.force_login(supervisor)
    page = client.get("/service/escalation/").content.decode()
    assert "严重投诉" in page and "紧急投诉" in page and "合规审计" in page and "平台管理员" in page
    client.post("/service/escalation/", {"severity": "serious", "role": "compliance_auditor"})
    client.post("/service/escalation/", {"severity": "serious", "role": "boss"})  # not a role: refused
    assert list(EscalationTarget.objects.values_list("severity", "role")) == [
        ("serious", "compliance_auditor")
    ]
    assert AuditEvent.objects.filter(action="service.escalation_target_set").count() == 1
    second = _complaint(serious=True)
    urgent = _complaint(priority="urgent")
    assert second.management_escalated_to_id == auditor.pk and second.flagged_for_regulators
    assert urgent.management_escalated_to_id == admin.pk  # urgent severity still on the default
    task = ServiceTask.objects.get(ticket=second, kind="regulator_flag")
    assert task.assignee_id == auditor.pk
    notice = Notification.objects.get(ticket=second, kind="management_escalation")
    assert notice.recipient_id == auditor.pk
    assert second.events.filter(kind="management_escalated").count() == 1
    client.force_login(auditor)
    assert "严重投诉已升级至管理层" in client.get("/service/notifications/").content.decode()


@pytest.mark.req("R5.2.4")
def test_serious_complaint_is_reported_to_a_regulator_and_followed_up(client: Client) -> None:
    make_staff("platform_admin")
    agent = make_agent("complaint")
    serious = _complaint(serious=True)
    plain = _complaint()
    desk = ApiClient(token=token_for(agent))
    refused = desk.post_json(
        f"/api/v1/service/tickets/{plain.pk}/regulator-reports",
        {"regulator": "市场监督管理局", "reported_at": "2026-12-02T09:00:00+08:00"},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "not_serious"
    created = desk.post_json(
        f"/api/v1/service/tickets/{serious.pk}/regulator-reports",
        {"regulator": "上海市市场监督管理局", "reported_at": "2026-12-02T09:00:00+08:00",
         "reference": "沪市监投〔2026〕118号", "next_followup_on": "2026-12-09"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    report = created.json()
    assert (report["regulator"], report["reference"], report["state"], report["followups"]) == (
        "上海市市场监督管理局", "沪市监投〔2026〕118号", "open", [],
    )  # fmt: skip
    followed = desk.post_json(
        f"/api/v1/service/regulator-reports/{report['id']}/followups",
        {"note": "监管部门要求补充聊天记录，已提交", "next_followup_on": "2026-12-16"},
    )
    assert followed.status_code == 201
    assert (followed.json()["next_followup_on"], [f["note"] for f in followed.json()["followups"]]) == (
        "2026-12-16", ["监管部门要求补充聊天记录，已提交"],
    )  # fmt: skip
    client.force_login(agent)
    client.post(
        f"/service/tickets/{serious.pk}/complaint/report_followup",
        {"report_id": report["id"], "note": "监管部门结案", "closed": "on"},
    )
    page = client.get(f"/service/tickets/{serious.pk}/").content.decode()
    assert 'data-testid="regulator-report"' in page and "沪市监投〔2026〕118号" in page
    assert "监管部门已结案" in page and "监管部门要求补充聊天记录" in page
    closed = desk.post_json(
        f"/api/v1/service/regulator-reports/{report['id']}/followups", {"note": "再次跟进"}
    )
    assert closed.status_code == 409 and closed.json()["code"] == "report_closed"
    detail = desk.get_json(f"/api/v1/service/tickets/{serious.pk}").json()
    assert [(r["state"], len(r["followups"])) for r in detail["regulator_reports"]] == [("closed", 2)]
    assert [e["kind"] for e in detail["events"]].count("regulator_followup") == 2
    assert AuditEvent.objects.filter(action__startswith="service.regulator_").count() == 3


def test_sla_target_edited_in_hours_and_minutes_is_audited_with_its_effective_time(client: Client) -> None:
    supervisor = make_staff("cs_supervisor")
    client.force_login(supervisor)
    listed = client.get("/service/sla/").content.decode()
    assert "投诉 72 小时内处理完毕" in listed and "72 小时（自然时间）" in listed
    form = client.get("/service/sla/complaint_handling/").content.decode()
    assert "安装时（默认值）" in form
    saved = client.post(
        "/service/sla/complaint_handling/",
        {"basis": "calendar_hours", "hours": "60", "minutes": "30", "window": "09:00-18:00",
         "warning_lead_minutes": "600", "is_active": "on"},
    )  # fmt: skip
    assert saved.status_code == 302
    policy = SlaPolicy.objects.get(code="complaint_handling")
    assert (policy.minutes, policy.working_days, policy.warning_lead_minutes) == (60 * 60 + 30, 0, 600)
    assert policy.effective_from is not None
    event = AuditEvent.objects.get(action="service.sla_policy_updated")
    assert event.before is not None and event.after is not None
    assert (event.before["minutes"], event.after["minutes"]) == (72 * 60, 3630)
    assert event.after["effective_from"] == policy.effective_from.isoformat()
    assert "60 小时 30 分钟（自然时间）" in client.get("/service/sla/").content.decode()
    # nothing to count: refused, unchanged
    client.post(
        "/service/sla/complaint_handling/",
        {"basis": "calendar_hours", "hours": "0", "minutes": "0", "window": "09:00-18:00", "is_active": "on"},
    )
    assert SlaPolicy.objects.get(code="complaint_handling").minutes == 3630
    client.force_login(make_staff("cs_agent"))
    assert client.get("/service/sla/").status_code == 403
    with pytest.raises(DomainError):
        complaints.require_explanation(Ticket(explanation_requested_at=T0))


def test_store_cs_gives_reason_and_solution_when_resolving_its_store_complaint(client: Client) -> None:
    merchant, _owner = make_merchant()
    store_cs = make_member(merchant, "merchant_cs").user
    ticket = services.ticket_create(
        actor=actor_of(make_buyer()), subject="投诉：发错货", description="收到的颜色不对", channel="app",
        category="complaint", merchant_id=merchant.pk, now=T0,
    )  # fmt: skip
    Ticket.objects.unscoped(reason="test").filter(pk=ticket.pk).update(explanation_requested_at=T0)
    client.force_login(store_cs)
    url = f"/service/store/tickets/{ticket.pk}/resolve"
    refused = client.post(url, {"summary": "已补发", "unresolved_reason": "仓库缺货"}, follow=True)
    assert "解决方案：这个字段是必填项。" in refused.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == ("new", None)
    client.post(
        url, {"summary": "已补发", "unresolved_reason": "仓库缺货", "proposed_solution": "补发正确颜色"}
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.unresolved_reason, ticket.proposed_solution) == (
        "resolved",
        "仓库缺货",
        "补发正确颜色",
    )


def test_sla_target_for_a_channel_and_priority_created_in_the_console(client: Client) -> None:
    supervisor = make_staff("cs_supervisor")
    client.force_login(supervisor)
    assert "新建时效策略" in client.get("/service/sla/").content.decode()
    form = {"label": "电话紧急工单 5 分钟首响", "target": "first_response", "category": "", "priority": "urgent",
            "channel": "phone", "basis": "calendar_hours", "hours": "0", "minutes": "5", "window": "09:00-18:00"}  # fmt: skip
    assert client.post("/service/sla/new", form).status_code == 302
    again = client.post("/service/sla/new", form).content.decode()
    assert "已有启用中的策略设定了该时限" in again
    policy = SlaPolicy.objects.get(channel="phone")
    assert (policy.code, policy.priority, policy.minutes, policy.basis) == (
        "first_response-urgent-phone", "urgent", 5, "calendar_hours",
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="service.sla_policy_created").count() == 1

    def first_clock(channel: str) -> tuple[str, object]:
        ticket = services.ticket_create(
            actor=actor_of(make_buyer()), subject="电话催件", description="很急", channel=channel, category="logistics",
            priority="urgent", now=T0,
        )  # fmt: skip
        row = ticket.slas.get(target="first_response")
        return row.policy.code, row.due_at

    assert first_clock("phone") == ("first_response-urgent-phone", T0 + timedelta(minutes=5))
    assert first_clock("chat")[0] == "first_response"  # other channels keep the default
    created = ApiClient(token=token_for(supervisor)).post_json(
        "/api/v1/service/sla-policies",
        {"label": "邮件 8 小时首响", "target": "first_response", "channel": "email", "basis": "business_hours",
         "minutes": 480},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert (created.json()["channel"], created.json()["effective_from"] is not None) == ("email", True)


@pytest.mark.req("R5.2.4")
def test_regulator_follow_up_date_reminds_the_manager_once() -> None:
    admin = make_staff("platform_admin")
    agent = make_agent("complaint")
    ticket = _complaint(serious=True)
    report = complaints.regulator_report_create(
        actor=actor_of(agent), ticket_id=ticket.pk, regulator="市场监督管理局", reported_at=T0,
        next_followup_on=date(2026, 12, 9), now=T0,
    )  # fmt: skip
    assert report.followup_due_at == sh(2026, 12, 9, 9, 0)
    run_all(now=sh(2026, 12, 9, 8, 59))
    assert not Notification.objects.filter(kind="regulator_followup_due").exists()
    run_all(now=sh(2026, 12, 9, 9, 1))
    run_all(now=sh(2026, 12, 9, 10, 0))
    reminded = Notification.objects.filter(kind="regulator_followup_due")
    assert [(n.recipient_id, n.ticket_id) for n in reminded] == [(admin.pk, ticket.pk)]
    assert ticket.events.filter(kind="regulator_followup_due").count() == 1
    # the next follow-up sets the next reminder; closing clears it
    complaints.regulator_followup(
        actor=actor_of(agent), report_id=report.pk, note="已补充材料", next_followup_on=date(2026, 12, 16)
    )
    report.refresh_from_db()
    assert report.followup_due_at == sh(2026, 12, 16, 9, 0)
    complaints.regulator_followup(actor=actor_of(agent), report_id=report.pk, note="结案", closed=True)
    report.refresh_from_db()
    assert report.state == "closed"
    assert report.followup_due_at is None and report.next_followup_on is None
