"""Refunds are capped per order line, not only per order (issue 16: one owner per fact).

Every refund of an order is split over its lines (``orders.refunds``) in the refund's transaction; a
line never gives back more than it was paid (``refund_exceeds_line``; CheckConstraint
``orders_line_refunded_le_paid``), even when the order's total would allow the amount.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from mallops.accounts.actors import actor_of
from mallops.core.errors import DomainError
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, OrderLine
from mallops.payments.models import Payment, Refund
from mallops.payments.services import payment_open, refund_issue, sandbox_pay
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer, make_stock


def _paid_order_of_two_lines() -> tuple[Order, OrderLine, OrderLine]:
    merchant, _ = make_merchant()
    cheap = make_stock(merchant, price_fen=1000, available=5)
    dear = make_stock(merchant, price_fen=2000, available=5)
    buyer = make_buyer()
    checkout, _ = checkout_create(
        actor=actor_of(buyer),
        idempotency_key="k",
        req=CheckoutRequest(lines=[CartLine(cheap.sku_code, 1), CartLine(dear.sku_code, 1)]),
    )
    payment = payment_open(actor=actor_of(buyer), checkout_id=checkout.pk)
    assert sandbox_pay(actor=actor_of(buyer), out_trade_no=payment.out_trade_no).outcome == "paid"
    order = Order.objects.unscoped(reason="test").get(checkout=checkout)
    first, second = OrderLine.objects.for_merchant(order.merchant_id).filter(order=order).order_by("pk")
    assert (first.paid_fen, second.paid_fen, order.paid_fen) == (1000, 2000, 3000)
    return order, first, second


def _refunded(order: Order) -> tuple[int, list[int], int, int]:
    order.refresh_from_db()
    lines = list(
        OrderLine.objects.for_merchant(order.merchant_id)
        .filter(order=order)
        .order_by("pk")
        .values_list("refunded_fen", flat=True)
    )
    payment = Payment.objects.get(checkout_id=order.checkout_id)
    return order.refunded_fen, lines, payment.refunded_fen, Refund.objects.filter(order=order).count()


@pytest.mark.django_db
def test_a_refund_of_more_than_a_line_was_paid_is_refused_although_the_order_total_allows_it() -> None:
    order, first, _second = _paid_order_of_two_lines()

    # when 1,500 fen are asked back for the line paid 1,000 (the order has 3,000 left)
    with pytest.raises(DomainError) as refused:
        refund_issue(actor=None, order_id=order.pk, amount_fen=1500, reference="AS1", lines={first.pk: 1500})

    # then it is refused before the provider is asked, and nothing changed anywhere
    assert (refused.value.code, refused.value.status) == ("refund_exceeds_line", 409)
    assert _refunded(order) == (0, [0, 0], 0, 0)
    assert order.status == "paid"


@pytest.mark.django_db
def test_a_partial_refund_is_split_over_the_lines_and_a_full_refund_pays_every_line_back() -> None:
    order, first, _second = _paid_order_of_two_lines()

    # a refund naming no lines is apportioned over what each line has left
    refund_issue(actor=None, order_id=order.pk, amount_fen=1500, reference="AS1")
    assert _refunded(order) == (1500, [500, 1000], 1500, 1)
    # a refund naming a line takes from that line only, up to what it has left
    refund_issue(actor=None, order_id=order.pk, amount_fen=500, reference="AS2", lines={first.pk: 500})
    assert _refunded(order) == (2000, [1000, 1000], 2000, 2)
    with pytest.raises(DomainError) as refused:
        refund_issue(actor=None, order_id=order.pk, amount_fen=1, reference="AS3", lines={first.pk: 1})
    assert refused.value.code == "refund_exceeds_line"
    # the rest of the order: the line with money left gives it back, and the order is refunded
    refund_issue(actor=None, order_id=order.pk, amount_fen=1000, reference="AS4")
    assert _refunded(order) == (3000, [1000, 2000], 3000, 3)
    assert order.status == "refunded"


@pytest.mark.django_db
def test_the_database_refuses_a_line_refunded_beyond_its_paid_amount() -> None:
    order, first, _second = _paid_order_of_two_lines()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.for_merchant(order.merchant_id).filter(pk=first.pk).update(
            refunded_fen=F("paid_fen") + 1
        )
