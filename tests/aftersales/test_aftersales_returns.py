"""The return leg (R5.2.1): approved returns of sent goods come back (buyer's carrier + tracking), the
merchant confirms receipt (restock, refund) or rejects the parcel; exchanges get a replacement; timers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mallops.aftersales.models import AfterSalesRequest, Shipment, TimelineEntry
from mallops.audit.models import AuditEvent
from mallops.core.sweeps import registered, run_sweeper
from mallops.orders.models import Order, OrderLine, StockItem
from mallops.orders.stock import ledger_balance
from mallops.payments.models import Refund
from mallops.testing.aftersales import delivered_order
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for

pytestmark = pytest.mark.django_db


def _lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.for_merchant(order.merchant_id).filter(order=order).order_by("pk"))


def _item(line: OrderLine) -> StockItem:
    return StockItem.objects.unscoped(reason="test").get(pk=line.item_id)


def _buyer(order: Order) -> ApiClient:
    return ApiClient(token=token_for(order.buyer))


def _ask(order: Order, line: OrderLine, qty: int, kind: str = "return") -> int:
    body = {
        "order_id": order.pk,
        "kind": kind,
        "classification": "product",
        "reason": "做工有瑕疵",
        "lines": [{"order_line_id": line.pk, "qty": qty}],
    }
    created = _buyer(order).post_json("/api/v1/buyer/aftersales", body)
    assert created.status_code == 201, created.content
    return int(json.loads(created.content)["id"])


def _post(owner, path: str, body: dict | None = None, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return ApiClient(token=token_for(owner)).post_json(path, body or {}, headers=headers)


def _req(merchant, req_id: int) -> AfterSalesRequest:
    return AfterSalesRequest.objects.for_merchant(merchant.pk).get(pk=req_id)


@pytest.mark.req("R5.2.1")
def test_return_comes_back_then_is_restocked_and_refunded():
    merchant, owner = make_merchant()
    order = delivered_order(merchant)
    _first, second = _lines(order)
    stock_before = _item(second).available
    req_id = _ask(order, second, 2)
    approved = _post(owner, f"/api/v1/merchant/aftersales/{req_id}/approve", key="a1")
    out = json.loads(approved.content)
    # approval of a sent return: no money yet, the buyer sends the goods back
    assert out["status"] == "awaiting_return" and out["refund_fen"] == 0 and out["return_ship_due_at"]
    assert not Refund.objects.exists()
    # the merchant cannot receive before the buyer ships
    early = _post(owner, f"/api/v1/merchant/aftersales/{req_id}/receive", key="r0")
    assert early.status_code == 409 and json.loads(early.content)["code"] == "illegal_transition"
    # bad parcel: 422 with paths, nothing written
    bad = _buyer(order).post_json(
        f"/api/v1/buyer/aftersales/{req_id}/return-shipment", {"carrier": "XX", "tracking_number": "!"}
    )
    assert bad.status_code == 422
    locs = [tuple(e["loc"]) for e in json.loads(bad.content)["errors"]]
    assert locs == [("body", "carrier"), ("body", "tracking_number")]
    assert not Shipment.objects.unscoped(reason="test").exists()
    # another buyer cannot ship it (404)
    stranger = delivered_order(merchant)
    assert (
        _buyer(stranger)
        .post_json(
            f"/api/v1/buyer/aftersales/{req_id}/return-shipment",
            {"carrier": "SF", "tracking_number": "SF1234567890"},
        )
        .status_code
        == 404
    )
    shipped = _buyer(order).post_json(
        f"/api/v1/buyer/aftersales/{req_id}/return-shipment",
        {"carrier": "SF", "tracking_number": "SF1234567890"},
    )
    assert shipped.status_code == 201, shipped.content
    out = json.loads(shipped.content)
    assert out["status"] == "returning" and out["receive_due_at"]
    assert out["shipments"][0] | {"shipped_at": None} == {
        "leg": "return",
        "carrier": "SF",
        "tracking_number": "SF1234567890",
        "shipped_at": None,
        "received_at": None,
    }
    no_key = _post(owner, f"/api/v1/merchant/aftersales/{req_id}/receive")
    assert no_key.status_code == 428
    received = _post(owner, f"/api/v1/merchant/aftersales/{req_id}/receive", key="r1")
    assert received.status_code == 200, received.content
    out = json.loads(received.content)
    req = _req(merchant, req_id)
    assert out["status"] == "reviewing" and out["outcome"] == "approved"
    assert req.refund_fen == req.requested_fen > 0 and out["shipments"][0]["received_at"]
    # restocked: two units are sellable again, the ledger still sums to the columns
    item = _item(second)
    assert item.available == stock_before + 2
    assert ledger_balance(item) == (item.available, item.reserved, item.sold)
    after = Order.objects.for_merchant(merchant.pk).get(pk=order.pk)
    assert after.refunded_fen == req.refund_fen and after.status == "partially_refunded"
    events = list(
        TimelineEntry.objects.for_merchant(merchant.pk)
        .filter(request_id=req_id)
        .values_list("event", flat=True)
    )
    assert events == [
        "created",
        "acknowledged",
        "approved",
        "awaiting_return",
        "return_shipped",
        "received",
        "refunded",
        "concluded",
    ]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"aftersales.return_ship", "aftersales.return_receive"} <= actions


@pytest.mark.req("R5.2.1")
def test_merchant_rejects_the_returned_parcel_with_a_reason_and_the_buyer_may_dispute():
    merchant, owner = make_merchant()
    order = delivered_order(merchant)
    line = _lines(order)[0]
    stock_before = _item(line).available
    req_id = _ask(order, line, 1)
    _post(owner, f"/api/v1/merchant/aftersales/{req_id}/approve", key="a1")
    _buyer(order).post_json(
        f"/api/v1/buyer/aftersales/{req_id}/return-shipment",
        {"carrier": "ZTO", "tracking_number": "ZT998877"},
    )
    empty = _post(owner, f"/api/v1/merchant/aftersales/{req_id}/reject", {"reason": " "})
    assert empty.status_code == 422 and _req(merchant, req_id).status == "returning"
    rejected = _post(owner, f"/api/v1/merchant/aftersales/{req_id}/reject", {"reason": "退回商品已被使用"})
    out = json.loads(rejected.content)
    assert out["status"] == "rejected" and out["reject_reason"] == "退回商品已被使用"
    assert out["receive_due_at"] is None and out["timeline"][-1]["data"] == {"stage": "receipt"}
    assert _item(line).available == stock_before and not Refund.objects.exists()
    disputed = _buyer(order).post_json(
        f"/api/v1/buyer/aftersales/{req_id}/dispute", {"category": "quality", "text": "商品未使用"}
    )
    assert disputed.status_code == 201


@pytest.mark.req("R5.2.1")
def test_exchange_gets_a_replacement_shipment_and_stock_is_unchanged():
    merchant, owner = make_merchant()
    order = delivered_order(merchant)
    line = _lines(order)[0]
    stock_before = _item(line).available
    req_id = _ask(order, line, 1, kind="exchange")
    assert (
        json.loads(_post(owner, f"/api/v1/merchant/aftersales/{req_id}/approve", key="a").content)["status"]
        == "awaiting_return"
    )
    _buyer(order).post_json(
        f"/api/v1/buyer/aftersales/{req_id}/return-shipment",
        {"carrier": "YTO", "tracking_number": "YT1000001"},
    )
    out = json.loads(_post(owner, f"/api/v1/merchant/aftersales/{req_id}/receive", key="r").content)
    assert out["status"] == "replacing" and out["replacement_due_at"] and out["refund_fen"] == 0
    sent = _post(
        owner,
        f"/api/v1/merchant/aftersales/{req_id}/replacement-shipment",
        {"carrier": "SF", "tracking_number": "SF5550001"},
    )
    assert sent.status_code == 201, sent.content
    out = json.loads(sent.content)
    assert out["status"] == "reviewing" and [s["leg"] for s in out["shipments"]] == ["return", "replacement"]
    assert out["timeline"][-1]["event"] == "concluded" and "SF5550001" in out["timeline"][-2]["text"]
    assert _item(line).available == stock_before and not Refund.objects.exists()


@pytest.mark.req("R5.2.1")
def test_return_timers_after_an_outage_lapse_or_receive_once():
    merchant, owner = make_merchant()
    order = delivered_order(merchant, lines=((1000, 2), (2000, 2)))
    first, second = _lines(order)
    never_sent = _ask(order, first, 1)
    not_answered = _ask(order, second, 1)
    for i, req_id in enumerate((never_sent, not_answered)):
        _post(owner, f"/api/v1/merchant/aftersales/{req_id}/approve", key=f"a{i}")
    _buyer(order).post_json(
        f"/api/v1/buyer/aftersales/{not_answered}/return-shipment",
        {"carrier": "JD", "tracking_number": "JD00000042"},
    )
    stock_before = _item(second).available
    lapse, receive = registered()["aftersales.return_lapse"], registered()["aftersales.auto_receive"]
    soon = datetime.now(UTC) + timedelta(hours=100)
    assert run_sweeper(lapse, now=soon) == 0 and run_sweeper(receive, now=soon) == 0
    # the worker was down for weeks: each timer acts once
    later = datetime.now(UTC) + timedelta(days=30)
    assert run_sweeper(lapse, now=later) == 1 and run_sweeper(receive, now=later) == 1
    assert run_sweeper(lapse, now=later) == 0 and run_sweeper(receive, now=later) == 0
    lapsed, received = _req(merchant, never_sent), _req(merchant, not_answered)
    assert (lapsed.status, lapsed.outcome, lapsed.refund_fen) == ("reviewing", "lapsed", 0)
    assert (received.status, received.refund_fen) == ("reviewing", received.requested_fen)
    assert _item(second).available == stock_before + 1
    assert Refund.objects.count() == 1
    # a lapsed request's unit can be asked for again
    assert _ask(order, first, 2) > 0
