"""Retention sweeps: data past its declared period goes, ECL Art. 31 records and holds stay (PIPL Art. 19, 47)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from dsr_helpers import POLICY_TEXT, PURPOSES, new_buyer

from mallops.accounts.actors import actor_of
from mallops.analytics.models import SegmentMember
from mallops.audit.models import AuditEvent
from mallops.core.sweeps import registered, run_all, run_sweeper
from mallops.dsr import cli
from mallops.dsr.consent import consent_change, current_policy, policy_publish
from mallops.dsr.models import DataSubjectRequest, PersonalDataHold, RequestKind, RequestStatus
from mallops.dsr.retention import ECL_FLOOR_DAYS, RULES, retention_plan, rule
from mallops.orders.models import Order
from mallops.service.models import Ticket
from mallops.service.testing import make_ticket
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_order

pytestmark = pytest.mark.django_db

DELIVERY = {
    "ship_recipient": "李小红",
    "ship_phone": "13912345678",
    "ship_province": "上海市",
    "ship_detail": "世纪大道100号",
    "tracking_number": "SF100200300",
}


def _orders() -> Any:
    return Order.objects.unscoped(reason="test")


def _ended_order(merchant: Any, buyer: Any, days_ago: int | None) -> Order:
    order = make_order(merchant, buyer=buyer)
    completed = None if days_ago is None else timezone.now() - timedelta(days=days_ago)
    _orders().filter(pk=order.pk).update(completed_at=completed, **DELIVERY)
    return _orders().get(pk=order.pk)


def _delivery(order: Order) -> dict[str, str]:
    fresh = _orders().get(pk=order.pk)
    return {name: str(getattr(fresh, name)) for name in DELIVERY}


def _sweep(name: str) -> int:
    return run_sweeper(registered()[f"dsr.retention.{name}"])


def test_order_delivery_data_goes_three_years_after_completion_unless_held() -> None:
    merchant, _ = make_merchant()
    buyer = new_buyer()
    old = _ended_order(merchant, buyer, ECL_FLOOR_DAYS + 1)
    recent = _ended_order(merchant, buyer, ECL_FLOOR_DAYS - 1)
    running = _ended_order(merchant, buyer, None)
    held = _ended_order(merchant, buyer, ECL_FLOOR_DAYS + 30)
    request = DataSubjectRequest.objects.create(
        buyer=buyer, kind=RequestKind.DELETION, submitted_at=timezone.now(), due_at=timezone.now()
    )
    PersonalDataHold.objects.create(
        request=request,
        buyer=buyer,
        handler="orders",
        object_type="orders.order",
        object_id=str(held.pk),
        legal_basis="诉讼保全",
        hold_until=date(2099, 1, 1),
        created_at=timezone.now(),
    )
    paid_before = _orders().get(pk=old.pk).paid_fen

    assert _sweep("orders.delivery") == 1
    assert _delivery(old) == dict.fromkeys(DELIVERY, "")
    assert _orders().get(pk=old.pk).paid_fen == paid_before  # the transaction record itself stays
    for kept in (recent, running, held):
        assert _delivery(kept) == DELIVERY
    event = AuditEvent.objects.get(action="dsr.retention")
    assert event.object_id == str(old.pk)
    assert event.after == {"reason": "保存期限届满：订单收货信息（收货人、电话、地址、物流单号）"}
    assert _sweep("orders.delivery") == 0  # nothing left to do: a second run is a no-op


def test_the_policy_declares_the_period_but_never_below_the_legal_floor(officer: Any) -> None:
    merchant, _ = make_merchant()
    buyer = new_buyer()
    four_years = _ended_order(merchant, buyer, 4 * 365)
    two_years = _ended_order(merchant, buyer, 2 * 365)
    longer = [{**p, "retention_days": 5 * 365} if p["code"] == "order_fulfilment" else p for p in PURPOSES]
    policy_publish(actor=actor_of(officer), version="2026.1", text=POLICY_TEXT, purposes=longer)
    assert rule("orders.delivery").period_days(current_policy()) == 5 * 365
    assert _sweep("orders.delivery") == 0
    assert _delivery(four_years) == DELIVERY
    # a policy that declares less than ECL Art. 31 allows still keeps three years
    shorter = [{**p, "retention_days": 100} if p["code"] == "order_fulfilment" else p for p in PURPOSES]
    policy_publish(actor=actor_of(officer), version="2026.2", text=POLICY_TEXT, purposes=shorter)
    assert _sweep("orders.delivery") == 1
    assert _delivery(four_years) == dict.fromkeys(DELIVERY, "")
    assert _delivery(two_years) == DELIVERY


def test_policy_retention_days_is_published_and_checked(officer: Any) -> None:
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    staff = ApiClient(token_for(officer))
    bad = [{**PURPOSES[0], "retention_days": -1}, PURPOSES[1]]
    body = {"version": "2026.1", "text": POLICY_TEXT, "purposes": bad}
    assert staff.post_json("/api/v1/privacy/policies", body).status_code == 422
    good = [{**PURPOSES[0], "retention_days": 1200}, PURPOSES[1]]
    created = staff.post_json("/api/v1/privacy/policies", {**body, "purposes": good})
    assert created.status_code == 201, created.content
    purposes = ApiClient().get_json("/api/v1/privacy/policy").json()["purposes"]
    assert [p["retention_days"] for p in purposes] == [1200, None]


def test_ticket_text_goes_three_years_after_closing_but_not_while_its_order_is_kept() -> None:
    merchant, _ = make_merchant()
    buyer = new_buyer()
    order = _ended_order(merchant, buyer, 365)
    lone, about_order, recent = make_ticket(merchant), make_ticket(merchant), make_ticket(merchant)
    long_ago = timezone.now() - timedelta(days=ECL_FLOOR_DAYS + 10)
    Ticket.objects.unscoped(reason="test").filter(pk__in=[lone.pk, about_order.pk]).update(closed_at=long_ago)
    Ticket.objects.unscoped(reason="test").filter(pk=about_order.pk).update(order_ref=order.number)
    Ticket.objects.unscoped(reason="test").filter(pk=recent.pk).update(closed_at=timezone.now())
    assert _sweep("service.ticket_text") == 1
    subjects = dict(Ticket.objects.unscoped(reason="test").values_list("pk", "subject"))
    assert subjects == {lone.pk: "[已删除]", about_order.pk: "商品咨询", recent.pk: "商品咨询"}


def test_export_copies_are_deleted_thirty_days_after_completion() -> None:
    buyer = new_buyer()
    now = timezone.now()
    rows = [
        DataSubjectRequest.objects.create(
            buyer=buyer,
            kind=RequestKind.ACCESS,
            status=RequestStatus.COMPLETED,
            submitted_at=now - timedelta(days=days + 1),
            due_at=now,
            closed_at=now - timedelta(days=days),
            export='{"format": "mallops.personal-data/1"}',
        )
        for days in (31, 29)
    ]
    assert _sweep("dsr.export") == 1
    exports = {r.pk: str(r.export) for r in DataSubjectRequest.objects.all()}
    assert exports == {rows[0].pk: "", rows[1].pk: '{"format": "mallops.personal-data/1"}'}


def _tag(*users: Any) -> None:
    for user in users:
        SegmentMember.objects.create(
            distinct_id=user.username,
            recency_days=1,
            frequency=2,
            monetary_fen=1000,
            r_score=3,
            f_score=3,
            m_score=3,
            tag="regular",
            computed_on=timezone.localdate(),
            source="events",
        )


@pytest.mark.req("R1.3.4")
def test_segment_tags_of_buyers_without_marketing_consent_are_deleted(policy: Any) -> None:
    keeps, withdrew, never = new_buyer(), new_buyer(), new_buyer()
    consent_change(actor=actor_of(keeps), purpose="marketing", action="grant")
    consent_change(actor=actor_of(withdrew), purpose="marketing", action="grant")
    consent_change(actor=actor_of(withdrew), purpose="marketing", action="withdraw")
    _tag(keeps, withdrew, never)
    SegmentMember.objects.create(
        distinct_id="device-123",  # nobody's account: not personal to us, not ours to judge
        recency_days=1,
        frequency=1,
        monetary_fen=1,
        r_score=1,
        f_score=1,
        m_score=1,
        tag="regular",
        computed_on=timezone.localdate(),
        source="events",
    )
    assert _sweep("marketing.segment_tags") == 2
    assert sorted(SegmentMember.objects.values_list("distinct_id", flat=True)) == sorted(
        ["device-123", keeps.username]
    )


@pytest.mark.req("R1.3.4")
def test_the_segment_refresh_keeps_no_tag_of_a_buyer_without_marketing_consent(
    policy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mallops.analytics import modelling

    keeps, withdrew, never = new_buyer(), new_buyer(), new_buyer()
    consent_change(actor=actor_of(keeps), purpose="marketing", action="grant")
    consent_change(actor=actor_of(withdrew), purpose="marketing", action="grant")
    consent_change(actor=actor_of(withdrew), purpose="marketing", action="withdraw")
    now_us = int(timezone.now().timestamp() * 1_000_000)
    who = [keeps.username, withdrew.username, never.username, "device-9"]
    rows = [
        (name, "order_paid", now_us - 3_600_000_000 * (n + 1), {"amount_fen": 100 * (n + 1)})
        for n, name in enumerate(who)
    ]
    monkeypatch.setattr(modelling, "load_rows", lambda *_args, **_kwargs: rows)
    counts = modelling.segments_refresh()
    # everyone is scored, only the consenting buyer (and an id that is nobody's account) keeps a tag
    assert sorted(SegmentMember.objects.values_list("distinct_id", flat=True)) == sorted(
        ["device-9", keeps.username]
    )
    assert sum(counts.values()) == 2
    assert _sweep("marketing.segment_tags") == 0  # nothing left for the retention rule to find


def test_cli_dry_run_lists_and_changes_nothing_then_the_run_erases(capsys: Any) -> None:
    merchant, _ = make_merchant()
    old = _ended_order(merchant, new_buyer(), ECL_FLOOR_DAYS + 5)
    assert cli.main(["retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"orders.delivery: 1 would go (anonymise; period {ECL_FLOOR_DAYS} days)" in out
    assert f"  - order {old.number}" in out and "ECL Art. 31" in out
    assert _delivery(old) == DELIVERY and not AuditEvent.objects.filter(action="dsr.retention").exists()
    assert cli.main(["retention", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["dry_run"] is False
    delivery = next(r for r in document["rules"] if r["rule"] == "orders.delivery")
    assert delivery["count"] == 1 and delivery["done"] == 1
    assert _delivery(old) == dict.fromkeys(DELIVERY, "")
    assert [line.count for line in retention_plan(timezone.now())] == [0] * len(RULES)
    assert cli.main(["retention", "--bogus"]) == 2


def test_every_rule_is_a_registered_sweep_run_by_the_worker() -> None:
    names = {f"dsr.retention.{r.name}" for r in RULES}
    assert names <= set(registered())
    assert all(run_all()[name] == 0 for name in names)
