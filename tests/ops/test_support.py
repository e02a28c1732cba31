"""Technical-support tickets (R6.3.1): targets on the calendar, lifecycle, tenancy, the sweep, escalation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core import sweeps
from mallops.core.errors import DomainError
from mallops.ops import support
from mallops.ops.incidents import incident_open
from mallops.ops.models import Incident, SupportNotice, SupportTicket, SupportTicketEvent
from mallops.ops.support_rules import deadlines
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for
from mallops.workdays.engine import CalendarData

SH = ZoneInfo("Asia/Shanghai")
# 2026: National Day 1-7 October, make-up workdays Sunday 20 September and Saturday 10 October
NATIONAL_DAY = CalendarData(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    makeup_workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
    covered_years=frozenset({2026}),
)


@pytest.mark.parametrize(
    ("severity", "reported", "response", "resolution"),
    [
        # a major fault runs on natural time, through the holiday
        ("p1", datetime(2026, 10, 1, 10, 0), datetime(2026, 10, 1, 12, 0), datetime(2026, 10, 2, 10, 0)),
        # desk support: 1 h on Wednesday, the holiday skipped, 3 h on Thursday 8 October
        (
            "p3",
            datetime(2026, 9, 30, 17, 0),
            datetime(2026, 10, 8, 12, 0),
            datetime(2026, 10, 13, 23, 59, 59),
        ),
        # the Saturday make-up workday counts: 8, 9, 10 (Sat), 12 ... 16, 19, 20: the 10th
        (
            "p4",
            datetime(2026, 9, 30, 17, 0),
            datetime(2026, 10, 8, 12, 0),
            datetime(2026, 10, 20, 23, 59, 59),
        ),
        (
            "p2",
            datetime(2026, 10, 9, 16, 0),
            datetime(2026, 10, 10, 11, 0),
            datetime(2026, 10, 12, 23, 59, 59),
        ),
    ],
)
def test_targets_follow_the_working_day_calendar(
    severity: str, reported: datetime, response: datetime, resolution: datetime
) -> None:
    result = deadlines(NATIONAL_DAY, severity=severity, reported_at=reported.replace(tzinfo=SH))
    assert result.response_at == response.replace(tzinfo=SH)
    assert result.resolution_at == resolution.replace(tzinfo=SH)
    assert result.uncovered_years == frozenset()


@settings(max_examples=40, deadline=None)
@given(
    severity=st.sampled_from(["p1", "p2", "p3", "p4"]),
    reported=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20)),
)
def test_targets_oracle(severity: str, reported: datetime) -> None:
    """Oracle: P1 answers 2 h and resolves 24 h later on the wall clock; desk support answers inside
    09:00-18:00 of a working day, at most 4 h of desk time later, and never resolves before it answers."""
    start = reported.replace(tzinfo=SH)
    result = deadlines(NATIONAL_DAY, severity=severity, reported_at=start)
    if severity == "p1":
        assert result.response_at == start + timedelta(hours=2)
        assert result.resolution_at == start + timedelta(hours=24)
        return
    local = result.response_at.astimezone(SH)
    working = (local.weekday() < 5 or local.date() in NATIONAL_DAY.makeup_workdays) and (
        local.date() not in NATIONAL_DAY.holidays
    )
    assert working
    assert (9, 0) < (local.hour, local.minute) <= (18, 0) or local.time().isoformat() == "18:00:00"
    assert result.response_at > start
    assert result.resolution_at >= result.response_at


@pytest.fixture
def tech(db: None) -> object:
    return make_staff("tech_ops")


@pytest.mark.req("R6.3.1")
def test_merchant_reports_and_tech_ops_answer_within_the_target(tech: object) -> None:
    merchant, owner = make_merchant()
    owner_api, tech_api = ApiClient(token_for(owner)), ApiClient(token_for(tech))  # type: ignore[arg-type]
    # when: the store reports a P1 fault (it cannot choose its store or the targets)
    created = owner_api.post_json(
        "/api/v1/ops/support-tickets",
        {"kind": "fault", "severity": "p1", "title": "支付回调全部失败", "description": "自 10:02 起"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    ticket_id = body["id"]
    assert body["number"] == f"TS{ticket_id}"
    assert (body["merchant_id"], body["status"], body["reporter"]) == (merchant.pk, "new", owner.username)
    reported = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["response_deadline_at"]) == reported + timedelta(hours=2)
    assert datetime.fromisoformat(body["resolution_deadline_at"]) == reported + timedelta(hours=24)
    # then: every tech-ops member got a P1 notice
    assert list(SupportNotice.objects.filter(ticket_id=ticket_id).values_list("recipient_id", "kind")) == [
        (tech.pk, "major_fault")  # type: ignore[attr-defined]
    ]
    # tech ops reply: the first response stops the clock and acknowledges; an internal note stays internal
    assert (
        tech_api.post_json(
            f"/api/v1/ops/support-tickets/{ticket_id}/comments",
            {"text": "已收到，正在排查", "internal": False},
        ).status_code
        == 200
    )
    noted = tech_api.post_json(
        f"/api/v1/ops/support-tickets/{ticket_id}/comments", {"text": "回调证书过期", "internal": True}
    )
    assert noted.json()["status"] == "acknowledged"
    assert noted.json()["response_missed"] is False
    assert (
        tech_api.post_json(
            f"/api/v1/ops/support-tickets/{ticket_id}/assign",
            {"assignee_id": tech.pk},  # type: ignore[attr-defined]
        ).status_code
        == 200
    )
    # the store may not resolve; tech ops must say what was done
    assert (
        owner_api.post_json(
            f"/api/v1/ops/support-tickets/{ticket_id}/transition", {"status": "resolved", "resolution": "x"}
        ).status_code
        == 403
    )
    empty = tech_api.post_json(f"/api/v1/ops/support-tickets/{ticket_id}/transition", {"status": "resolved"})
    assert empty.status_code == 422
    assert (
        tech_api.post_json(
            f"/api/v1/ops/support-tickets/{ticket_id}/transition",
            {"status": "resolved", "resolution": "证书已续期"},
        ).status_code
        == 200
    )
    # the store confirms
    closed = owner_api.post_json(f"/api/v1/ops/support-tickets/{ticket_id}/transition", {"status": "closed"})
    assert closed.status_code == 200, closed.content
    final = closed.json()
    assert final["status"] == "closed" and final["resolution_missed"] is False
    # the reporter's timeline hides the internal note; tech ops see it
    assert [(e["kind"], e["before"], e["after"]) for e in final["timeline"]] == [
        ("opened", "", "p1"),
        ("comment", "", ""),
        ("status", "new", "acknowledged"),
        ("assigned", "", tech.username),  # type: ignore[attr-defined]
        ("status", "acknowledged", "resolved"),
        ("status", "resolved", "closed"),
    ]
    inbox = tech_api.get_json("/api/v1/ops/support-notices").json()
    assert sorted(item["kind"] for item in inbox["items"]) == ["assigned", "major_fault"]
    assert tech_api.post_json("/api/v1/ops/support-notices/read", {}).json() == {"marked_read": 2}
    assert tech_api.get_json("/api/v1/ops/support-notices").json()["count"] == 0
    internal = tech_api.get_json(f"/api/v1/ops/support-tickets/{ticket_id}").json()["timeline"]
    assert [e["kind"] for e in internal].count("note") == 1
    ticket = SupportTicket.objects.unscoped(reason="test").get(pk=ticket_id)
    assert ticket.response_due_at is None and ticket.resolution_due_at is None
    assert list(
        AuditEvent.objects.filter(object_id=str(ticket_id), action__startswith="ops.support.")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == [
        "ops.support.report",
        "ops.support.reply",
        "ops.support.note",
        "ops.support.assign",
        "ops.support.transition",
        "ops.support.transition",
    ]


def test_reads_fail_closed_per_store_and_reporter(tech: object) -> None:
    store_a, owner_a = make_merchant()
    store_b, owner_b = make_merchant()
    colleague = make_member(store_a, "merchant_cs").user
    staff_reporter, other_staff = make_staff("cs_agent"), make_staff("data_ops")
    a = support.support_ticket_report(
        actor=actor_of(owner_a), kind="question", severity="p3", title="导出报表超时"
    )
    s = support.support_ticket_report(
        actor=actor_of(staff_reporter), kind="request", severity="p4", title="工作台加筛选"
    )

    def visible(actor: object) -> list[int]:
        return sorted(support.tickets_visible(actor=actor_of(actor)).values_list("pk", flat=True))

    assert visible(tech) == [a.pk, s.pk]
    assert visible(colleague) == [a.pk]
    assert visible(owner_b) == []
    assert visible(staff_reporter) == [s.pk]
    assert visible(other_staff) == []
    with pytest.raises(DomainError) as denied:
        support.support_ticket_comment(actor=actor_of(owner_b), ticket_id=a.pk, text="看看别家的")
    assert denied.value.status == 404
    assert SupportTicketEvent.objects.filter(ticket=a).count() == 1
    # a P1 is for faults only (also a database constraint); buyers use the buyer service desk
    with pytest.raises(DomainError) as bad:
        support.support_ticket_report(
            actor=actor_of(owner_a), kind="question", severity="p1", title="怎么改价"
        )
    assert bad.value.status == 422
    assert store_b.pk and SupportTicket.objects.unscoped(reason="test").count() == 2


def test_missed_targets_are_swept_into_notices_once(tech: object) -> None:
    other_tech = make_staff("tech_ops")
    _, owner = make_merchant()
    reported = timezone.now() - timedelta(days=30)
    ticket = support.support_ticket_report(
        actor=actor_of(owner), kind="fault", severity="p2", title="商品图片上传失败", now=reported
    )
    support.support_ticket_assign(
        actor=actor_of(tech), ticket_id=ticket.pk, assignee_id=other_tech.pk, now=reported
    )
    # when: the sweep runs twice, long after both targets
    for _ in range(2):
        handled = sweeps.run_all()
    assert handled["ops.support_response_target"] == 0 and handled["ops.support_resolution_target"] == 0
    ticket.refresh_from_db()
    assert ticket.response_due_at is None and ticket.resolution_due_at is None
    assert sorted(SupportNotice.objects.filter(ticket=ticket).values_list("recipient_id", "kind")) == sorted(
        [
            (other_tech.pk, "assigned"),
            (other_tech.pk, "response_missed"),
            (other_tech.pk, "resolution_missed"),
        ]
    )
    missed = SupportTicketEvent.objects.filter(ticket=ticket, kind="target_missed")
    assert sorted((e.after, e.is_internal) for e in missed) == [("resolution", True), ("response", True)]
    assert support.notices_read(actor=actor_of(other_tech)) == 3


def test_a_p1_fault_escalates_to_one_incident(tech: object) -> None:
    _, owner = make_merchant()
    ticket = support.support_ticket_report(
        actor=actor_of(owner), kind="fault", severity="p1", title="结算页 502"
    )
    support.support_ticket_escalate(actor=actor_of(tech), ticket_id=ticket.pk)
    ticket.refresh_from_db()
    incident = Incident.objects.get()
    assert ticket.incident_id == incident.pk
    assert (incident.kind, incident.severity, incident.detected_at) == (
        "system_failure",
        "sev4",
        ticket.created_at,
    )
    assert [e.kind for e in incident.events.all()] == ["opened", "note"]
    with pytest.raises(DomainError) as twice:
        support.support_ticket_escalate(actor=actor_of(tech), ticket_id=ticket.pk)
    assert twice.value.code == "support_already_linked"
    minor = support.support_ticket_report(
        actor=actor_of(owner), kind="fault", severity="p4", title="按钮错位"
    )
    with pytest.raises(DomainError) as refused:
        support.support_ticket_escalate(actor=actor_of(tech), ticket_id=minor.pk)
    assert refused.value.code == "support_not_escalatable"
    support.support_ticket_link(actor=actor_of(tech), ticket_id=minor.pk, incident_id=incident.pk)
    linked = (
        support.tickets_visible(actor=actor_of(tech)).filter(incident=incident).values_list("pk", flat=True)
    )
    assert sorted(linked) == [ticket.pk, minor.pk]
    with pytest.raises(DomainError) as not_tech:
        support.support_ticket_escalate(actor=actor_of(owner), ticket_id=ticket.pk)
    assert not_tech.value.status == 403
    assert Incident.objects.count() == 1


def test_severity_triage_recomputes_the_open_clocks(tech: object) -> None:
    _, owner = make_merchant()
    reported = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
    ticket = support.support_ticket_report(
        actor=actor_of(owner), kind="fault", severity="p3", title="慢", now=reported
    )
    support.support_ticket_set_severity(
        actor=actor_of(tech), ticket_id=ticket.pk, severity="p1", now=reported
    )
    ticket.refresh_from_db()
    assert ticket.response_deadline_at == reported + timedelta(hours=2)
    assert ticket.response_due_at == reported + timedelta(hours=2)
    assert ticket.resolution_due_at == reported + timedelta(hours=24)
    assert SupportNotice.objects.filter(ticket=ticket, kind="major_fault").count() == 1


def test_console_report_list_and_detail_in_chinese(tech: object) -> None:
    from django.test import Client

    merchant, owner = make_merchant()
    web = Client()
    web.force_login(owner)
    # the merchant centre: report through the form
    posted = web.post(
        "/ops/support/new/",
        {"kind": "fault", "severity": "p2", "title": "订单导出一直转圈", "description": "从昨天起"},
    )
    ticket = SupportTicket.objects.for_merchant(merchant.pk).get()
    assert posted.status_code == 302 and posted["Location"] == f"/ops/support/{ticket.pk}/"
    page = web.get(f"/ops/support/{ticket.pk}/").content.decode()
    assert "订单导出一直转圈" in page and "P2 高" in page and "待响应" in page
    assert "升级为事件" not in page  # no handler action for the store
    listed = web.get("/ops/support/").content.decode()
    assert ticket.number in listed and "技术支持" in listed
    # technical operations: reply, then escalate from the page
    ops = Client()
    ops.force_login(tech)  # type: ignore[arg-type]
    ops.post(f"/ops/support/{ticket.pk}/act/", {"action": "comment", "text": "正在处理"})
    ops.post(f"/ops/support/{ticket.pk}/act/", {"action": "escalate"})
    ticket.refresh_from_db()
    assert ticket.status == "acknowledged" and ticket.incident_id is not None
    detail = ops.get(f"/ops/support/{ticket.pk}/").content.decode()
    assert "待响应 → 已受理" in detail and f"#{ticket.incident_id}" in detail
    assert ticket.number in ops.get(f"/ops/incidents/{ticket.incident_id}/").content.decode()
    # a buyer has no support desk here
    from mallops.accounts.models import User

    buyer = User.objects.create(username="buyer-support", kind="buyer")
    outsider = Client()
    outsider.force_login(buyer)
    assert outsider.get("/ops/support/").status_code == 403


def test_an_incident_links_the_runbooks_of_its_kind_and_each_page_renders(tech: object) -> None:
    from pathlib import Path

    from django.test import Client

    from mallops.ops.runbooks import PAGES, RUNBOOK_DIR, RUNBOOKS

    # every mapped page exists in docs/runbooks and every page is mapped or is the index
    assert sorted(p.stem for p in Path(RUNBOOK_DIR).glob("*.md")) == sorted(PAGES)
    assert {slug for slugs in RUNBOOKS.values() for slug in slugs} | {"README"} == set(PAGES)
    incident = incident_open(
        actor=actor_of(tech), kind="data_leak", severity="sev3", title="导出越权", involves_personal_data=True
    )
    web = Client()
    web.force_login(tech)  # type: ignore[arg-type]
    page = web.get(f"/ops/incidents/{incident.pk}/").content.decode()
    assert "/ops/runbooks/personal-data-incident/" in page and "/ops/runbooks/leaked-credential/" in page
    runbook = web.get("/ops/runbooks/personal-data-incident/").content.decode()
    assert "<h1>Personal-data incident (PIPL Art. 57)</h1>" in runbook and "<table>" in runbook
    assert "<script" not in runbook.split('data-testid="runbook"')[1].split("</section>")[0]
    assert web.get("/ops/runbooks/nope/").status_code == 404
    outsider = Client()
    outsider.force_login(make_staff("cs_agent"))
    assert outsider.get("/ops/runbooks/disk-full/").status_code == 403


@pytest.mark.parametrize("role", ["cs_agent", "merchant_operator"])
@pytest.mark.parametrize("action", ["assign", "severity", "escalate", "resolve", "note"])
def test_only_technical_operations_handle(tech: object, role: str, action: str) -> None:
    merchant, owner = make_merchant()
    actor = (
        owner
        if role == "merchant_owner"
        else make_member(merchant, role).user
        if role.startswith("merchant")
        else make_staff(role)
    )
    reporter = owner if role.startswith("merchant") else actor
    ticket = support.support_ticket_report(
        actor=actor_of(reporter), kind="fault", severity="p2", title="登录页空白"
    )
    tech_id: int = tech.pk  # type: ignore[attr-defined]
    calls: dict[str, Callable[[], object]] = {
        "assign": lambda: support.support_ticket_assign(
            actor=actor_of(actor), ticket_id=ticket.pk, assignee_id=tech_id
        ),
        "severity": lambda: support.support_ticket_set_severity(
            actor=actor_of(actor), ticket_id=ticket.pk, severity="p1"
        ),
        "escalate": lambda: support.support_ticket_escalate(actor=actor_of(actor), ticket_id=ticket.pk),
        "resolve": lambda: support.support_ticket_transition(
            actor=actor_of(actor), ticket_id=ticket.pk, status="resolved", resolution="自己修好了"
        ),
        "note": lambda: support.support_ticket_comment(
            actor=actor_of(actor), ticket_id=ticket.pk, text="内部", internal=True
        ),
    }
    with pytest.raises(DomainError) as denied:
        calls[action]()
    assert denied.value.status == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.severity, ticket.assignee_id, ticket.incident_id) == (
        "new",
        "p2",
        None,
        None,
    )
    assert SupportTicketEvent.objects.filter(ticket=ticket).count() == 1


def test_the_reporter_confirms_or_reopens_and_the_table_holds(tech: object) -> None:
    _, owner = make_merchant()
    reported = timezone.now() - timedelta(hours=1)
    ticket = support.support_ticket_report(
        actor=actor_of(owner), kind="question", severity="p3", title="发票怎么开", now=reported
    )
    with pytest.raises(DomainError) as bad:
        support.support_ticket_transition(actor=actor_of(tech), ticket_id=ticket.pk, status="closed")
    assert bad.value.code == "support_bad_transition"
    support.support_ticket_transition(
        actor=actor_of(tech), ticket_id=ticket.pk, status="resolved", resolution="见帮助文档"
    )
    ticket.refresh_from_db()
    assert ticket.responded_at == ticket.resolved_at and ticket.response_due_at is None
    # not fixed: the reporter reopens; the resolution clock runs on to its original target
    support.support_ticket_transition(actor=actor_of(owner), ticket_id=ticket.pk, status="in_progress")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == ("in_progress", None)
    assert ticket.resolution_due_at == ticket.resolution_deadline_at
    support.support_ticket_transition(
        actor=actor_of(tech), ticket_id=ticket.pk, status="resolved", resolution="已补充示例"
    )
    support.support_ticket_transition(actor=actor_of(owner), ticket_id=ticket.pk, status="closed")
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None and ticket.resolution_due_at is None
    with pytest.raises(DomainError) as closed:
        support.support_ticket_comment(actor=actor_of(owner), ticket_id=ticket.pk, text="还有一个问题")
    assert closed.value.code == "support_ticket_closed"
