"""A replayed partial refund pays nothing twice (issue 16): ``payments.refund_issue`` decides the replay
(same reference) and every cap under the payment's lock, before the provider is asked."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from mallops.accounts.actors import actor_of
from mallops.core.errors import DomainError
from mallops.orders.models import Order, OrderLine, PartialRefund
from mallops.payments.models import Payment, Refund, SandboxTransaction
from mallops.payments.providers.sandbox import SandboxProvider
from mallops.payments.services import refund_issue
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_merchant


def _count_provider_refunds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = SandboxProvider.refund

    def counted(self: SandboxProvider, **kwargs: Any) -> Any:
        calls.append(kwargs["amount_fen"])
        return real(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "refund", counted)
    return calls


def _books(order: Order) -> tuple[int, int, int, int, int, list[int]]:
    """(order refunded, payment refunded, sandbox refunded, refund rows, partial refunds, lines refunded)"""
    return (
        Order.objects.unscoped(reason="test").get(pk=order.pk).refunded_fen,
        Payment.objects.get().refunded_fen,
        SandboxTransaction.objects.get().refunded_fen,
        Refund.objects.count(),
        PartialRefund.objects.unscoped(reason="test").count(),
        list(
            OrderLine.objects.unscoped(reason="test")
            .filter(order=order)
            .order_by("pk")
            .values_list("refunded_fen", flat=True)
        ),
    )


@pytest.mark.django_db
def test_a_replayed_refund_reference_asks_the_provider_once(monkeypatch: pytest.MonkeyPatch) -> None:
    merchant, _ = make_merchant()
    order = delivered_order(merchant, lines=((1000, 1), (2000, 1)))
    first, second = OrderLine.objects.unscoped(reason="test").filter(order=order).order_by("pk")
    calls = _count_provider_refunds(monkeypatch)
    refund_issue(actor=None, order_id=order.pk, amount_fen=300, reference="AS7", lines={second.pk: 300})
    after_first = _books(order)
    assert after_first == (300, 300, 300, 1, 1, [0, 300])
    # when: the same refund again, and once more with another split and amount
    replayed = refund_issue(
        actor=None, order_id=order.pk, amount_fen=300, reference="AS7", lines={second.pk: 300}
    )
    refund_issue(actor=None, order_id=order.pk, amount_fen=500, reference="AS7", lines={first.pk: 500})
    # then
    assert calls == [300]
    assert _books(order) == after_first
    assert (replayed.pk, replayed.refunded_fen) == (order.pk, 300)


@pytest.mark.django_db
def test_an_over_refund_of_a_line_is_refused_before_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    merchant, _ = make_merchant()
    order = delivered_order(merchant, lines=((1000, 1), (2000, 1)))
    first = OrderLine.objects.unscoped(reason="test").filter(order=order).order_by("pk").first()
    assert first is not None
    calls = _count_provider_refunds(monkeypatch)
    with pytest.raises(DomainError) as caught:
        refund_issue(
            actor=None,
            order_id=order.pk,
            amount_fen=first.paid_fen + 1,
            reference="AS8",
            lines={first.pk: first.paid_fen + 1},
        )
    assert (caught.value.status, caught.value.code) == (409, "refund_exceeds_line")
    assert calls == []
    assert _books(order) == (0, 0, 0, 0, 0, [0, 0])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_replays_of_one_reference_refund_once(monkeypatch: pytest.MonkeyPatch) -> None:
    merchant, _ = make_merchant()
    order = delivered_order(merchant, lines=((1000, 1), (2000, 1)))
    calls = _count_provider_refunds(monkeypatch)
    workers = 4
    barrier = threading.Barrier(workers)
    errors: list[Exception] = []

    def replay() -> None:
        try:
            barrier.wait()
            refund_issue(actor=None, order_id=order.pk, amount_fen=300, reference="AS9")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=replay) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert calls == [300]
    assert _books(order) == (300, 300, 300, 1, 1, [100, 200])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_of_a_whole_order_refund_pay_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from mallops.orders.services import buyer_refund_request
    from mallops.payments.services import order_refund

    merchant, _ = make_merchant()
    order = delivered_order(merchant, lines=((1000, 1),), off_fen=100)
    assert order.paid_fen == 900
    buyer_refund_request(actor=actor_of(order.buyer), order_id=order.pk, reason="不想要了")
    calls = _count_provider_refunds(monkeypatch)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve() -> None:
        try:
            barrier.wait()
            order_refund(actor=None, merchant_id=merchant.pk, order_id=order.pk)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["illegal_transition", "ok"]
    assert calls == [900]
    assert _books(order)[:4] == (900, 900, 900, 1)
