"""Export and deletion of tickets, after-sales requests, flash-sale purchases and the privacy records
(R1.3.4, R7.3.3); the hold selector other apps call before showing delivery data."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.aftersales.models import AfterSalesRequest, TimelineEntry
from mallops.aftersales.services import LineIn, request_create
from mallops.dsr import requests as dsr
from mallops.dsr import selectors
from mallops.dsr.models import PersonalDataHold
from mallops.orders.models import FlashAttempt, FlashPurchase, FlashSale, Order
from mallops.service.models import Ticket, TicketEvent
from mallops.service.services import ticket_create, ticket_reply
from mallops.testing.aftersales import delivered_order
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for
from mallops.testing.orders import make_stock

pytestmark = pytest.mark.django_db


def _submit(buyer: Any, kind: str) -> int:
    response = ApiClient(token_for(buyer)).post_json("/api/v1/me/data-requests", {"kind": kind})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _ticket(buyer: Any, order_ref: str = "") -> Ticket:
    ticket = ticket_create(
        actor=actor_of(buyer),
        subject="快递破损",
        description="外箱破了，商品有划痕",
        channel="app",
        order_ref=order_ref,
    )
    ticket_reply(actor=actor_of(buyer), ticket_id=ticket.pk, body="请尽快处理，我的电话13912345678")
    return ticket


def _aftersales(buyer: Any, merchant: Any) -> AfterSalesRequest:
    order = delivered_order(merchant, buyer=buyer)
    line = order.lines.unscoped(reason="test").order_by("pk").first()
    assert line is not None
    return request_create(
        actor=actor_of(buyer),
        order_id=order.pk,
        kind="refund",
        classification="product",
        reason="尺码不合适",
        lines=[LineIn(line.pk, 1)],
    )


def _complete_order(order_id: int, days_ago: int) -> None:
    Order.objects.unscoped(reason="test").filter(pk=order_id).update(
        completed_at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.mark.req("R1.3.4")
@pytest.mark.req("R7.3.3")
def test_export_lists_tickets_aftersales_flash_and_privacy_sections(
    buyer: Any, officer: Any, policy: Any
) -> None:
    client = ApiClient(token_for(buyer))
    client.post_json("/api/v1/me/consents", {"purpose": "marketing", "action": "grant"})
    merchant, _ = make_merchant()
    ticket = _ticket(buyer)
    other_ticket = _ticket(new_other := _other_buyer())
    req = _aftersales(buyer, merchant)
    item = make_stock(merchant, sku=f"FL-{merchant.pk}", price_fen=990, available=10)
    now = timezone.now()
    sale = FlashSale.objects.create(
        merchant=merchant,
        item=item,
        title="双十一秒杀",
        flash_price_fen=500,
        quantity=5,
        per_buyer_limit=2,
        starts_at=now,
        ends_at=now + timedelta(hours=1),
    )
    FlashPurchase.objects.create(sale=sale, buyer=buyer, qty=2)
    FlashAttempt.objects.create(id="FA1", sale=sale, buyer=buyer, qty=2, status="rejected", reason="limit")
    request_id = _submit(buyer, "access")
    dsr.request_complete(actor=actor_of(officer), request_id=request_id)
    body = client.get_json(f"/api/v1/me/data-requests/{request_id}/export")
    data = json.loads(body.content)
    assert [s["name"] for s in data["sources"]] == [
        "accounts",
        "aftersales",
        "analytics",
        "flash",
        "orders",
        "privacy",
        "reviews",
        "service",
    ]
    assert all(s["description"] for s in data["sources"])
    [t] = data["service"]["tickets"]
    assert (t["number"], t["subject"], t["description"]) == (
        ticket.number,
        "快递破损",
        "外箱破了，商品有划痕",
    )
    assert [(m["kind"], m["text"]) for m in t["messages"]] == [
        ("created", "外箱破了，商品有划痕"),
        ("customer_reply", "请尽快处理，我的电话13912345678"),
    ]
    assert other_ticket.number not in body.content.decode() and new_other.pk != buyer.pk
    [a] = data["aftersales"]["requests"]
    assert (a["id"], a["kind"], a["reason"], a["order"]) == (req.pk, "refund", "尺码不合适", req.order.number)
    assert a["requested_fen"] == req.requested_fen and a["evidence"] == [] and a["shipments"] == []
    assert data["flash"]["purchases"] == [{"sale": "双十一秒杀", "qty": 2}]
    assert [(x["id"], x["status"], x["order"]) for x in data["flash"]["attempts"]] == [
        ("FA1", "rejected", None)
    ]
    assert [(c["purpose"], c["action"], c["policy_version"]) for c in data["privacy"]["consents"]] == [
        ("marketing", "granted", "2026.1")
    ]
    assert [(r["id"], r["kind"]) for r in data["privacy"]["requests"]] == [(request_id, "access")]


def _other_buyer() -> Any:
    from dsr_helpers import new_buyer

    return new_buyer("13800000000")


@pytest.mark.req("R7.3.3")
def test_deletion_freezes_texts_of_kept_orders_and_erases_the_rest(buyer: Any, officer: Any) -> None:
    merchant, _ = make_merchant()
    kept_req = _aftersales(buyer, merchant)
    old_req = _aftersales(buyer, merchant)
    _complete_order(kept_req.order_id, 30)
    _complete_order(old_req.order_id, 4 * 365)
    kept_ticket = _ticket(buyer, order_ref=kept_req.order.number)
    loose_ticket = _ticket(buyer)
    row = dsr.request_complete(actor=actor_of(officer), request_id=_submit(buyer, "deletion"))

    holds = {(h.object_type, h.object_id) for h in PersonalDataHold.objects.filter(request=row)}
    assert holds == {
        ("orders.order", str(kept_req.order_id)),
        ("aftersales.request", str(kept_req.pk)),
        ("service.ticket", str(kept_ticket.pk)),
    }
    assert row.result["frozen"] == {
        "aftersales": [f"AS{kept_req.pk}"],
        "orders": [kept_req.order.number],
        "service": [kept_ticket.number],
    }
    kept_req.refresh_from_db()
    old_req.refresh_from_db()
    assert kept_req.reason == "尺码不合适" and old_req.reason == "[已删除]"
    assert (
        not TimelineEntry.objects.unscoped(reason="t").filter(request=old_req, actor=buyer).exclude(text="")
    )
    kept_ticket.refresh_from_db()
    loose_ticket.refresh_from_db()
    assert kept_ticket.description == "外箱破了，商品有划痕"
    assert (loose_ticket.subject, loose_ticket.description) == ("[已删除]", "[已删除]")
    assert not TicketEvent.objects.filter(ticket=loose_ticket).exclude(body="").filter(actor=buyer).exists()
    assert (
        TicketEvent.objects.filter(ticket=kept_ticket, kind="customer_reply").get().body.startswith("请尽快")
    )

    # the hold ends: the release sweep erases the frozen ticket and request as well
    from mallops.core import sweeps

    sweeper = sweeps.registered()["dsr.hold_release"]
    last = max(h.release_due_at for h in PersonalDataHold.objects.filter(request=row))
    assert sweeps.run_sweeper(sweeper, last + timedelta(days=1)) == 3
    kept_ticket.refresh_from_db()
    kept_req.refresh_from_db()
    assert kept_ticket.description == "[已删除]" and kept_req.reason == "[已删除]"


@pytest.mark.req("R7.3.3")
def test_hold_selector_masks_delivery_data_of_a_frozen_order(buyer: Any, officer: Any) -> None:
    merchant, _ = make_merchant()
    frozen = delivered_order(merchant, buyer=buyer)
    free = delivered_order(merchant)
    running = delivered_order(merchant, buyer=buyer)
    _complete_order(frozen.pk, 10)
    assert selectors.delivery_for_display(frozen)["tracking_number"] == frozen.tracking_number != ""
    dsr.request_complete(actor=actor_of(officer), request_id=_submit(buyer, "deletion"))
    frozen.refresh_from_db()
    assert frozen.tracking_number != ""  # kept (ECL Art. 31) ...
    shown = selectors.delivery_for_display(frozen)  # ... but not shown
    assert set(shown.values()) == {selectors.FROZEN_TEXT}
    assert selectors.frozen_ids("orders.order", [frozen.pk, free.pk]) == {str(frozen.pk)}
    assert selectors.delivery_for_display(free)["tracking_number"] == free.tracking_number
    # a frozen order still running keeps its delivery data visible: the merchant must still deliver it
    assert selectors.is_frozen("orders.order", running.pk)
    assert selectors.delivery_for_display(running)["tracking_number"] == running.tracking_number != ""
    PersonalDataHold.objects.filter(object_id=str(frozen.pk)).update(released_at=timezone.now())
    assert not selectors.is_frozen("orders.order", frozen.pk)


def test_template_filter_masks_a_frozen_ended_order(buyer: Any, officer: Any) -> None:
    from django.template import engines

    merchant, _ = make_merchant()
    order = delivered_order(merchant, buyer=buyer)
    _complete_order(order.pk, 10)
    page = engines["django"].from_string(
        "{% load dsr_holds %}{% with d=order|delivery_shown %}{{ d.tracking_number }}{% endwith %}"
    )
    order.refresh_from_db()
    assert page.render({"order": order}) == order.tracking_number
    dsr.request_complete(actor=actor_of(officer), request_id=_submit(buyer, "deletion"))
    order.refresh_from_db()
    assert page.render({"order": order}) == selectors.FROZEN_TEXT
