"""The refund cap has one owner (issue 16): ``core.money.refund_cap_check`` applied by every refund path
(``payments.refund_issue`` for after-sales, ``order_refund_part``, ``payment_refund_amount``, the sandbox
provider's books), and a ``CheckConstraint`` refunded <= paid per payment, per order and per sandbox row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from mallops.core.errors import DomainError
from mallops.orders.models import Order
from mallops.orders.services import order_refund_part
from mallops.payments.models import Payment, Refund, SandboxTransaction
from mallops.payments.providers import get_provider
from mallops.payments.services import payment_refund_amount, refund_issue, refund_number
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def _books(order: Order) -> tuple[int, int, int, int]:
    """(order refunded, payment refunded, sandbox refunded, refund rows)"""
    return (
        Order.objects.unscoped(reason="test").get(pk=order.pk).refunded_fen,
        Payment.objects.get().refunded_fen,
        SandboxTransaction.objects.get().refunded_fen,
        Refund.objects.count(),
    )


def _via_refund_issue(order: Order, amount: int) -> Any:
    return refund_issue(actor=None, order_id=order.pk, amount_fen=amount, reference="AS2")


def _via_order_refund_part(order: Order, amount: int) -> Any:
    return order_refund_part(actor=None, order_id=order.pk, amount_fen=amount, reference="AS2")


def _via_payment_refund_amount(order: Order, amount: int) -> Any:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get()
        fresh = Order.objects.unscoped(reason="test").get(pk=order.pk)
        return payment_refund_amount(payment=payment, order=fresh, amount=amount)


# which books the last refund of what is left moves: (order, payment, sandbox, refund rows), "all" = paid
@pytest.mark.parametrize(
    ("path", "after"),
    [
        (_via_refund_issue, ("all", "all", "all", 2)),
        (_via_order_refund_part, ("all", 100, 100, 1)),  # the orders side only (money moved elsewhere)
        (_via_payment_refund_amount, (100, "all", "all", 2)),  # the money only (the order is its caller's)
    ],
)
def test_a_second_partial_refund_above_what_is_left_is_refused_by_every_path(
    path: Callable[[Order, int], Any], after: tuple[Any, ...]
) -> None:
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    refund_issue(actor=None, order_id=order.pk, amount_fen=100, reference="AS1")
    assert _books(order) == (100, 100, 100, 1)
    with pytest.raises(DomainError) as caught:
        path(order, order.paid_fen - 100 + 1)
    assert (caught.value.status, caught.value.code) == (409, "refund_exceeds_order")
    assert caught.value.extra == {"left_fen": order.paid_fen - 100}
    assert _books(order) == (100, 100, 100, 1)
    # exactly what is left still goes through
    path(order, order.paid_fen - 100)
    assert _books(order) == tuple(order.paid_fen if x == "all" else x for x in after)


def test_the_sandbox_provider_refuses_beyond_its_books_with_the_same_rule() -> None:
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    payment = Payment.objects.get()
    with pytest.raises(DomainError) as caught:
        get_provider("sandbox").refund(
            out_trade_no=payment.out_trade_no, out_refund_no="rf-x", amount_fen=payment.amount_fen + 1
        )
    assert (caught.value.code, caught.value.extra) == (
        "refund_exceeds_payment",
        {"left_fen": payment.amount_fen},
    )
    assert _books(order) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("model", "paid"),
    [(Payment, "amount_fen"), (Order, "paid_fen"), (SandboxTransaction, "amount_fen")],
)
def test_the_database_refuses_a_direct_over_refund_write(model: Any, paid: str) -> None:
    merchant, _ = make_merchant()
    delivered_order(merchant)
    rows = model.objects.unscoped(reason="test") if model is Order else model.objects
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.all().update(refunded_fen=F(paid) + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.all().update(refunded_fen=-1)
    assert set(rows.values_list("refunded_fen", flat=True)) == {0}


def test_the_provider_refund_number_is_derived_from_the_refund_so_a_retry_repeats_it() -> None:
    # a retry after a crash between the provider's answer and our commit must send the same out_refund_no,
    # so the provider answers it as the refund it already made (never random)
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    refund_issue(actor=None, order_id=order.pk, amount_fen=100, reference="AS1")
    refund_issue(actor=None, order_id=order.pk, amount_fen=50, reference="AS2")
    payment = Payment.objects.get()
    numbers = list(Refund.objects.order_by("pk").values_list("out_refund_no", flat=True))
    assert numbers == [
        refund_number(payment=payment, key=f"part:{order.pk}:AS1"),
        refund_number(payment=payment, key=f"part:{order.pk}:AS2"),
    ]
    assert len(set(numbers)) == 2 and all(len(n) <= 40 for n in numbers)
