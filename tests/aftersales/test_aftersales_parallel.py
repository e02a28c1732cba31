"""Parallel requests on one line never return more units than were bought (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mallops.aftersales.models import RequestLine
from mallops.aftersales.services import LineIn, request_create
from mallops.aftersales.testing import delivered_order
from mallops.core.errors import DomainError
from mallops.orders.models import OrderLine
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
                actor=order.buyer,
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
