"""The Django side of risk control: assess (log, queue, audit, restart), analysts, profiles, the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.risk import services
from mallops.risk.contracts import RiskEvent
from mallops.risk.engine import Decision, EventType, Rule, Verdict, to_micros
from mallops.risk.models import RiskDecision, RiskEventLog, RiskProfileVersion
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_engine() -> Any:
    services.reset_engine()
    yield
    services.reset_engine()


def claim(n: int, buyer: str, device: str, batch: str = "c1", minutes: int = 0) -> RiskEvent:
    return RiskEvent(
        id=f"claim:{n}",
        type=EventType.COUPON_CLAIM,
        buyer=buyer,
        at=T0 + timedelta(minutes=minutes),
        device=device,
        batch=batch,
    )


def _ring() -> list[Any]:
    return [
        services.assess(event=claim(1, "b1", "d1")),
        services.assess(event=claim(2, "b2", "d1", minutes=1)),
        services.assess(event=claim(3, "b3", "d1", minutes=2)),
    ]


@pytest.mark.req("R7.2.2")
def test_assess_logs_every_event_and_queues_review_and_block_with_evidence_and_audit() -> None:
    decisions = _ring()
    assert [d.verdict for d in decisions] == [Verdict.ALLOW, Verdict.REVIEW, Verdict.BLOCK]
    assert list(RiskEventLog.objects.order_by("pk").values_list("event_id", "outcome")) == [
        ("claim:1", "allow"),
        ("claim:2", "review"),
        ("claim:3", "block"),
    ]
    rows = list(RiskDecision.objects.order_by("pk"))
    assert [(r.event.event_id, r.outcome, r.rules, r.status, r.subject_ref) for r in rows] == [
        ("claim:2", "review", ["coupon_ring"], "open", "batch:c1"),
        ("claim:3", "block", ["coupon_ring"], "open", "batch:c1"),
    ]
    assert rows[1].evidence["linked"] == {"buyers": ["b1", "b2", "b3"], "devices": ["d1"], "addresses": []}
    assert rows[1].evidence["linked_buyer_count"] == 3
    assert rows[1].reasons[0]["decision"] == "block"
    audit = list(AuditEvent.objects.filter(action__startswith="risk.").order_by("seq"))
    assert [(a.action, a.object_id) for a in audit] == [
        ("risk.review", str(rows[0].pk)),
        ("risk.block", str(rows[1].pk)),
    ]


def test_an_event_without_the_fields_of_its_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="batch"):
        services.assess(event=RiskEvent(id="x", type=EventType.COUPON_CLAIM, buyer="b1"))
    assert RiskEventLog.objects.count() == 0


def test_block_decisions_refuse_with_risk_blocked_and_a_buyer_message() -> None:
    decision = _ring()[-1]
    with pytest.raises(DomainError) as refused:
        services.require_allowed(decision)
    assert (refused.value.code, refused.value.status) == ("risk_blocked", 403)
    assert refused.value.detail == services.BUYER_MESSAGES[Rule.COUPON_RING]
    services.require_allowed(Decision("x", Verdict.ALLOW))
    services.require_allowed(Decision("y", Verdict.REVIEW))  # review lets the action through


@pytest.mark.req("R7.2.2")
def test_state_survives_a_restart_and_rows_from_other_processes_count() -> None:
    services.assess(event=claim(1, "b1", "d1"))
    services.reset_engine()  # a restart: the next call rebuilds from the log
    assert services.assess(event=claim(2, "b2", "d1", minutes=1)).verdict is Verdict.REVIEW
    # another process logged b4's claim on d1; this process catches up before deciding
    RiskEventLog.objects.create(
        event_id="claim:elsewhere",
        event_type="coupon_claim",
        buyer="b4",
        at=T0 + timedelta(minutes=2),
        at_us=to_micros(T0 + timedelta(minutes=2)),
        payload={"device": "d1", "batch": "c1"},
        outcome="review",
    )
    decision = services.assess(event=claim(3, "b3", "d1", minutes=3))
    assert decision.verdict is Verdict.BLOCK
    assert "3 other buyer(s)" in decision.reasons[0].detail


@pytest.mark.req("R7.2.2")
def test_analyst_confirms_a_ring_and_its_linked_accounts_are_blocked_next_time() -> None:
    analyst = make_staff("risk_analyst")
    _ring()
    first = RiskDecision.objects.order_by("pk").first()
    assert first is not None
    row = services.decision_confirm(actor=actor_of(analyst), decision_id=first.pk, note="同一设备批量领券")
    assert (row.status, row.analyst_id, row.note) == ("confirmed", analyst.pk, "同一设备批量领券")
    assert row.reviewed_at is not None
    # b5 joins the ring through d1 and claims another batch: blocked as a confirmed ring
    decision = services.assess(event=claim(5, "b5", "d1", batch="c2", minutes=5))
    assert (decision.verdict, [r.rule for r in decision.reasons]) == (Verdict.BLOCK, [Rule.CONFIRMED_RING])
    assert AuditEvent.objects.filter(action="risk.decision_confirm", object_id=str(first.pk)).count() == 1
    with pytest.raises(DomainError) as again:
        services.decision_clear(actor=actor_of(analyst), decision_id=first.pk)
    assert (again.value.code, again.value.status) == ("risk_decision_closed", 409)


def test_cleared_decisions_do_not_mark_a_ring() -> None:
    analyst = make_staff("risk_analyst")
    _ring()
    for row in RiskDecision.objects.all():
        services.decision_clear(actor=actor_of(analyst), decision_id=row.pk, note="家人共用手机")
    assert services.assess(event=claim(5, "b5", "d9", batch="c2", minutes=5)).verdict is Verdict.ALLOW
    assert set(RiskDecision.objects.values_list("status", flat=True)) == {"cleared"}


@pytest.mark.parametrize(
    ("role", "may_view", "may_decide"),
    [("risk_analyst", True, True), ("compliance_auditor", True, False), ("cs_agent", False, False)],
)
def test_who_may_view_and_decide(role: str, may_view: bool, may_decide: bool) -> None:
    _ring()
    row = RiskDecision.objects.order_by("pk").first()
    assert row is not None
    client = ApiClient(token=token_for(make_staff(role)))
    listing = client.get_json("/api/v1/risk/decisions")
    assert listing.status_code == (200 if may_view else 403)
    confirm = client.post_json(f"/api/v1/risk/decisions/{row.pk}/confirm", {"note": "ok"})
    assert confirm.status_code == (200 if may_decide else 403)
    row.refresh_from_db()
    assert row.status == ("confirmed" if may_decide else "open")


def test_queue_and_detail_api_shapes() -> None:
    _ring()
    client = ApiClient(token=token_for(make_staff("risk_analyst")))
    body = client.get_json("/api/v1/risk/decisions?status=open").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert {k: first[k] for k in ("event_id", "event_type", "buyer", "decision", "rules", "status")} == {
        "event_id": "claim:2",
        "event_type": "coupon_claim",
        "buyer": "b2",
        "decision": "review",
        "rules": ["coupon_ring"],
        "status": "open",
    }
    assert "evidence" not in first
    detail = client.get_json(f"/api/v1/risk/decisions/{first['id']}").json()
    assert detail["evidence"]["linked"]["buyers"] == ["b1", "b2"]
    cleared = client.post_json(f"/api/v1/risk/decisions/{first['id']}/clear", {"note": "误报"}).json()
    assert (cleared["status"], cleared["note"]) == ("cleared", "误报")
    assert client.get_json("/api/v1/risk/decisions?status=open").json()["count"] == 1
    assert client.get_json("/api/v1/risk/decisions?status=&rule=coupon_ring").json()["count"] == 2
    assert client.get_json("/api/v1/risk/decisions?status=&rule=brushing").json()["count"] == 0
    assert client.get_json("/api/v1/risk/decisions?status=nope").status_code == 422
    assert client.get_json("/api/v1/risk/decisions/999999").status_code == 404


def test_a_published_profile_is_versioned_audited_and_used_at_once() -> None:
    admin = make_staff("platform_admin")
    services.assess(event=claim(1, "b1", "d1"))
    row = services.profile_publish(actor=actor_of(admin), rules={"coupon_ring_block_linked": 1}, note="收紧")
    assert (row.version, row.is_active, row.rules["coupon_ring_block_linked"]) == (1, True, 1)
    assert services.assess(event=claim(2, "b2", "d1", minutes=1)).verdict is Verdict.BLOCK
    second = services.profile_publish(actor=actor_of(admin), rules={}, note="回到基线")
    assert list(RiskProfileVersion.objects.order_by("version").values_list("version", "is_active")) == [
        (1, False),
        (2, True),
    ]
    assert second.rules["coupon_ring_block_linked"] == 2
    assert AuditEvent.objects.filter(action="risk.profile_publish").count() == 2
    with pytest.raises(DomainError) as bad:
        services.profile_publish(actor=actor_of(admin), rules={"brushing_block_orders": -3})
    assert bad.value.code == "validation_error"
    with pytest.raises(DomainError) as denied:
        services.profile_publish(actor=actor_of(make_staff("risk_analyst")), rules={})
    assert denied.value.code == "permission_denied"


def test_dry_run_counts_the_decisions_a_candidate_would_change() -> None:
    admin = make_staff("platform_admin")
    now = timezone.now()
    for k, buyer in enumerate(["b1", "b2", "b3"]):
        services.assess(
            event=RiskEvent(
                id=f"c{k}", type=EventType.COUPON_CLAIM, buyer=buyer, at=now, device="d1", batch="c1"
            )
        )
    result = services.profile_dry_run(actor=actor_of(admin), rules={"coupon_ring_review_linked": 2}, days=30)
    assert (result.events, result.changed) == (3, 1)  # b2's review becomes allow; b3 stays blocked
    assert result.before == {"allow": 1, "review": 1, "block": 1}
    assert result.after == {"allow": 2, "block": 1}
    assert result.changed_by_rule == {"coupon_ring": 1}
    api = ApiClient(token=token_for(admin))
    response = api.post_json("/api/v1/risk/profiles/dry-run", {"rules": {"coupon_ring_review_linked": 2}})
    assert response.status_code == 200 and response.json()["changed"] == 1
    assert RiskProfileVersion.objects.count() == 0
