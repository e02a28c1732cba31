"""The orders side of a partial refund (``orders.services.order_refund_part``): refunded_fen, status,
audit, idempotency per reference, nothing written on a refused amount."""

from __future__ import annotations

import pytest

from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.orders.models import Order, PartialRefund
from mallops.orders.services import order_refund_part
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def _reload(order: Order) -> Order:
    return Order.objects.unscoped(reason="test").get(pk=order.pk)


@pytest.mark.req("R5.2.1")
def test_partial_refunds_add_up_and_the_last_one_refunds_the_order():
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    order_refund_part(actor=None, order_id=order.pk, amount_fen=100, reference="AS1")
    after = _reload(order)
    assert (after.status, after.refunded_fen) == ("partially_refunded", 100)
    audit = AuditEvent.objects.filter(action="orders.order_partial_refund").get()
    assert audit.before["status"] == "delivered" and audit.after["refunded_fen"] == 100
    assert audit.after["amount_fen"] == 100
    # the same refund again (a retry) changes nothing
    order_refund_part(actor=None, order_id=order.pk, amount_fen=100, reference="AS1")
    assert _reload(order).refunded_fen == 100
    assert AuditEvent.objects.filter(action="orders.order_partial_refund").count() == 1
    order_refund_part(actor=None, order_id=order.pk, amount_fen=order.paid_fen - 100, reference="AS2")
    after = _reload(order)
    assert (after.status, after.refunded_fen) == ("refunded", order.paid_fen)
    assert after.complete_due_at is None
    assert sum(PartialRefund.objects.unscoped(reason="test").values_list("amount_fen", flat=True)) == (
        order.paid_fen
    )


def test_a_paid_order_keeps_its_status_until_everything_is_refunded():
    merchant, _ = make_merchant()
    order = delivered_order(merchant, status="paid")
    order_refund_part(actor=None, order_id=order.pk, amount_fen=1, reference="AS9")
    after = _reload(order)
    assert (after.status, after.refunded_fen) == ("paid", 1)


@pytest.mark.parametrize("amount", [0, -5, "over"])
def test_an_amount_beyond_what_is_left_is_409_and_writes_nothing(amount):
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    fen = order.paid_fen + 1 if amount == "over" else amount
    with pytest.raises(DomainError) as caught:
        order_refund_part(actor=None, order_id=order.pk, amount_fen=fen, reference="AS3")
    assert caught.value.status == 409 and caught.value.code == "refund_exceeds_order"
    assert _reload(order).refunded_fen == 0 and _reload(order).status == "delivered"
    assert not PartialRefund.objects.unscoped(reason="test").exists()


def test_partially_refunded_order_can_still_be_confirmed_by_the_buyer():
    from mallops.orders.services import buyer_order_confirm

    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    order_refund_part(actor=None, order_id=order.pk, amount_fen=10, reference="AS4")
    buyer_order_confirm(actor=order.buyer, order_id=order.pk)
    after = _reload(order)
    assert after.status == "partially_refunded" and after.completed_at is not None


def test_a_later_whole_order_refund_pays_back_only_what_is_left():
    from mallops.orders.services import buyer_refund_request
    from mallops.payments.models import Payment, Refund
    from mallops.payments.services import order_refund

    merchant, _ = make_merchant()
    order = delivered_order(merchant, status="shipped")
    order_refund_part(actor=None, order_id=order.pk, amount_fen=500, reference="AS5")
    # the buyer then asks the order's own refund of the rest (shipped orders keep their status)
    buyer_refund_request(actor=order.buyer, order_id=order.pk, reason="不想要了")
    order_refund(actor=None, merchant_id=merchant.pk, order_id=order.pk)
    after = _reload(order)
    assert (after.status, after.refunded_fen) == ("refunded", order.paid_fen)
    assert Refund.objects.get(order=order).amount_fen == order.paid_fen - 500
    assert (
        Payment.objects.get().refunded_fen == order.paid_fen - 500
    )  # (the 500 was recorded on the order only here)
