"""The order state machine, its timers and the merchant/buyer endpoints around it."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from mallops.audit.models import AuditEvent
from mallops.core import sweeps
from mallops.orders.models import Order, OrderStatus, StockItem
from mallops.orders.states import TRANSITIONS, Event, target
from mallops.orders.stock import ledger_balance
from mallops.orders.transitions import order_transition
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_order

pytestmark = pytest.mark.django_db


def _item(order: Order) -> StockItem:
    return StockItem.objects.unscoped(reason="test").get(pk=order.lines.unscoped(reason="t").get().item_id)


def _reload(order: Order) -> Order:
    return Order.objects.unscoped(reason="test").get(pk=order.pk)


def test_the_table_is_the_only_source_of_moves():
    statuses = [s.value for s in OrderStatus]
    for status in statuses:
        for event in Event:
            to = target(status, event, "paid")
            assert (to is not None) == ((status, event) in TRANSITIONS)
    assert target("refunding", Event.REJECT_REFUND, "shipped") == "shipped"


@pytest.mark.parametrize(
    ("status", "event"),
    [
        ("created", Event.SHIP),
        ("paid", Event.CANCEL),
        ("completed", Event.REQUEST_REFUND),
        ("cancelled", Event.PAY),
        ("shipped", Event.COMPLETE),
        ("refunded", Event.REFUND),
    ],
)
def test_illegal_moves_are_409_and_change_nothing(status, event):
    merchant, _ = make_merchant()
    order = make_order(merchant)
    Order.objects.unscoped(reason="test").filter(pk=order.pk).update(status=status)
    from mallops.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        order_transition(actor=None, order_id=order.pk, event=event)
    assert caught.value.status == 409 and caught.value.code == "illegal_transition"
    assert _reload(order).status == status


def test_illegal_ship_through_the_api_is_409():
    merchant, owner = make_merchant()
    order = make_order(merchant)
    response = ApiClient(token=token_for(owner)).post_json(
        f"/api/v1/merchant/orders/{order.pk}/ship", {"carrier": "SF", "tracking_number": "SF1234567890"}
    )
    assert response.status_code == 409
    body = json.loads(response.content)
    assert body["code"] == "illegal_transition" and body["allowed"] == ["pay", "cancel"]


@pytest.mark.req("R3.3.1")
def test_full_happy_path_with_timers_audit_and_stock():
    merchant, owner = make_merchant()
    buyer = make_buyer()
    order = make_order(merchant, buyer=buyer, qty=3)
    item = _item(order)
    assert (item.available, item.reserved, item.sold) == (7, 3, 0)
    order = order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    assert order.pay_due_at is None and order.ship_due_at is not None
    item = _item(order)
    assert (item.available, item.reserved, item.sold) == (7, 0, 3)
    merchant_client = ApiClient(token=token_for(owner))
    shipped = merchant_client.post_json(
        f"/api/v1/merchant/orders/{order.pk}/ship", {"carrier": "SF", "tracking_number": "SF1234567890"}
    )
    assert shipped.status_code == 200, shipped.content
    assert json.loads(shipped.content)["ship_due_at"] is None
    buyer_client = ApiClient(token=token_for(buyer))
    done = buyer_client.post_json(f"/api/v1/buyer/orders/{order.pk}/confirm", {})
    assert json.loads(done.content)["status"] == "completed"
    actions = list(AuditEvent.objects.filter(object_id=str(order.pk)).values_list("action", flat=True))
    for action in (
        "orders.order_create",
        "orders.order_pay",
        "orders.order_ship",
        "orders.order_deliver",
        "orders.order_complete",
    ):
        assert action in actions
    assert ledger_balance(item) == (item.available, item.reserved, item.sold)


@pytest.mark.req("R3.3.1")
def test_unpaid_orders_are_cancelled_after_an_outage_and_stock_is_released():
    merchant, _ = make_merchant()
    order = make_order(merchant, qty=4)
    paid = make_order(merchant, qty=1)
    order_transition(actor=None, order_id=paid.pk, event=Event.PAY)
    # the sweeper was down for two hours: nothing happened meanwhile
    later = timezone.now() + timedelta(hours=2)
    assert sweeps.run_sweeper(sweeps.registered()["orders.cancel_unpaid"], later) == 1
    order = _reload(order)
    assert (
        order.status == "cancelled" and order.cancel_reason == "payment_timeout" and order.pay_due_at is None
    )
    item = _item(order)
    assert (item.available, item.reserved) == (10, 0)
    assert ledger_balance(item) == (item.available, item.reserved, item.sold)
    assert _reload(paid).status == "paid"
    # a second sweep finds nothing
    assert sweeps.run_sweeper(sweeps.registered()["orders.cancel_unpaid"], later) == 0


def test_late_shipping_is_flagged_and_delivered_orders_complete_themselves():
    merchant, _ = make_merchant()
    late = make_order(merchant)
    order_transition(actor=None, order_id=late.pk, event=Event.PAY)
    delivered = make_order(merchant)
    for event in (Event.PAY, Event.SHIP, Event.DELIVER):
        order_transition(actor=None, order_id=delivered.pk, event=event)
    sweeps.run_all(timezone.now() + timedelta(hours=49))
    assert _reload(late).ship_late is True and _reload(late).status == "paid"
    assert _reload(delivered).status == "delivered"
    sweeps.run_all(timezone.now() + timedelta(days=8))
    assert _reload(delivered).status == "completed"


def test_refund_before_shipping_restocks():
    merchant, _owner = make_merchant()
    buyer = make_buyer()
    order = make_order(merchant, buyer=buyer, qty=2)
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    order_transition(actor=None, order_id=order.pk, event=Event.REQUEST_REFUND, buyer_id=buyer.pk)
    order_transition(actor=None, order_id=order.pk, event=Event.REFUND)
    item = _item(order)
    assert (item.available, item.reserved, item.sold) == (10, 0, 0)
    assert _reload(order).refunded_fen == order.paid_fen


def test_a_rejected_refund_goes_back_where_it_was():
    merchant, owner = make_merchant()
    buyer = make_buyer()
    order = make_order(merchant, buyer=buyer)
    for event in (Event.PAY, Event.SHIP):
        order_transition(actor=None, order_id=order.pk, event=event)
    ApiClient(token=token_for(buyer)).post_json(
        f"/api/v1/buyer/orders/{order.pk}/refund-request", {"reason": "x"}
    )
    response = ApiClient(token=token_for(owner)).post_json(
        f"/api/v1/merchant/orders/{order.pk}/refund-reject", {}
    )
    assert json.loads(response.content)["status"] == "shipped"


def test_merchants_see_only_their_orders_and_export_xlsx():
    m1, owner1 = make_merchant()
    m2, _ = make_merchant()
    mine = make_order(m1, qty=2)
    theirs = make_order(m2)
    client = ApiClient(token=token_for(owner1))
    listed = json.loads(client.get_json("/api/v1/merchant/orders").content)
    assert [o["id"] for o in listed["items"]] == [mine.pk]
    assert client.get_json(f"/api/v1/merchant/orders/{theirs.pk}").status_code == 404
    export = client.post_json("/api/v1/merchant/orders/export", {})
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == mine.number and rows[1][6] == 2


def test_buyers_see_only_their_orders_and_operations_see_all():
    merchant, _ = make_merchant()
    b1, b2 = make_buyer(), make_buyer()
    o1 = make_order(merchant, buyer=b1)
    o2 = make_order(merchant, buyer=b2)
    c1 = ApiClient(token=token_for(b1))
    assert [o["id"] for o in json.loads(c1.get_json("/api/v1/buyer/orders").content)["items"]] == [o1.pk]
    assert c1.get_json(f"/api/v1/buyer/orders/{o2.pk}").status_code == 404
    ops = ApiClient(token=token_for(make_staff("cs_agent")))
    assert json.loads(ops.get_json("/api/v1/orders").content)["count"] == 2
    nobody = ApiClient(token=token_for(make_staff("data_ops")))
    assert nobody.get_json("/api/v1/orders").status_code == 403
