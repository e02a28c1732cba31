"""Parallel requests on one line never return more units than were bought (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mallops.accounts.actors import actor_of
from mallops.aftersales.models import RequestLine
from mallops.aftersales.services import LineIn, request_create
from mallops.core.errors import DomainError
from mallops.orders.models import OrderLine
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_merchant


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_never_exceed_the_line_quantity():
    merchant, _ = make_merchant()
    order = delivered_order(merchant, lines=((1000, 3),), off_fen=100)
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def ask() -> None:
        try:
            barrier.wait()
            request_create(
                actor=actor_of(order.buyer),
                order_id=order.pk,
                kind="refund",
                classification="product",
                reason="重复",
                lines=[LineIn(line.pk, 1)],
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 3 and outcomes.count("validation_error") == 3
    rows = RequestLine.objects.for_merchant(merchant.pk).filter(order_line=line)
    assert sum(r.qty for r in rows) == 3
    assert sum(r.paid_fen for r in rows) == line.paid_fen


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_of_two_lines_add_both_refunds_to_the_order():
    from mallops.aftersales.services import request_approve
    from mallops.orders.models import Order
    from mallops.payments.models import Payment

    merchant, owner = make_merchant()
    order = delivered_order(merchant, lines=((1000, 1), (2000, 1)), off_fen=300)
    requests = [
        request_create(
            actor=actor_of(order.buyer),
            order_id=order.pk,
            kind="refund",
            classification="product",
            reason="质量问题",
            lines=[LineIn(line.pk, 1)],
        )
        for line in OrderLine.objects.for_merchant(merchant.pk).filter(order=order).order_by("pk")
    ]
    barrier = threading.Barrier(len(requests))
    errors: list[Exception] = []

    def approve(request_id: int) -> None:
        try:
            barrier.wait()
            request_approve(actor=actor_of(owner), request_id=request_id, merchant_id=merchant.pk)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(r.pk,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    after = Order.objects.for_merchant(merchant.pk).get(pk=order.pk)
    assert (after.status, after.refunded_fen) == ("refunded", order.paid_fen)
    assert Payment.objects.get().refunded_fen == order.paid_fen
