"""Returned units go back into stock: sold → available as ``return`` movements, never more than sold."""

from __future__ import annotations

import pytest

from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.orders.models import Order, OrderLine, StockItem, StockLedger
from mallops.orders.services import order_lines_restock
from mallops.orders.states import Event
from mallops.orders.stock import ledger_balance
from mallops.orders.transitions import order_transition
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer, make_order

pytestmark = pytest.mark.django_db


def _delivered(qty: int = 2) -> tuple[Order, OrderLine]:
    merchant, _owner = make_merchant()
    order = make_order(merchant, buyer=make_buyer(), qty=qty)
    for event in (Event.PAY, Event.SHIP, Event.DELIVER):
        order_transition(actor=None, order_id=order.pk, event=event, carrier="SF", tracking_number="SF123456")
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    return order, line


def _row(line: OrderLine) -> StockItem:
    return StockItem.objects.unscoped(reason="test").get(pk=line.item_id)


def _state(line: OrderLine) -> tuple[int, int, int, int, int]:
    item = _row(line)
    returned = OrderLine.objects.unscoped(reason="test").get(pk=line.pk).returned_qty
    movements = StockLedger.objects.unscoped(reason="test").filter(item_id=item.pk).count()
    return item.available, item.reserved, item.sold, returned, movements


@pytest.mark.req("R5.2.1")
def test_returning_one_of_two_units_moves_it_from_sold_to_available_and_the_ledger_balances():
    # given a delivered order of 2 units (10 received, 2 sold)
    order, line = _delivered(qty=2)
    assert _state(line)[:4] == (8, 0, 2, 0)
    # when one unit comes back
    order_lines_restock(order_id=order.pk, lines=[(line.pk, 1)])
    # then sold drops by 1, available grows by 1, the line counts it, one return movement names the order
    item = _row(line)
    assert (item.available, item.reserved, item.sold) == (9, 0, 1)
    assert ledger_balance(item) == (9, 0, 1)
    last = StockLedger.objects.unscoped(reason="test").filter(item_id=item.pk).latest("pk")
    assert (last.kind, last.d_available, last.d_reserved, last.d_sold, last.order_id) == (
        "return",
        1,
        0,
        -1,
        order.pk,
    )
    assert OrderLine.objects.unscoped(reason="test").get(pk=line.pk).returned_qty == 1
    event = AuditEvent.objects.filter(action="orders.stock_return").get()
    assert event.object_id == str(order.pk)
    assert event.after["lines"] == [{"line": line.pk, "sku": line.sku_code, "qty": 1, "returned_qty": 1}]


def test_a_line_never_gives_back_more_than_it_sold():
    order, line = _delivered(qty=2)
    order_lines_restock(order_id=order.pk, lines=[(line.pk, 1)])
    before = _state(line)
    with pytest.raises(DomainError) as caught:
        order_lines_restock(order_id=order.pk, lines=[(line.pk, 2)])
    assert caught.value.code == "return_exceeds_line" and caught.value.extra["left"] == 1
    assert _state(line) == before
    # the last unit may still come back, then nothing more
    order_lines_restock(order_id=order.pk, lines=[(line.pk, 1)])
    assert _state(line)[:4] == (10, 0, 0, 2)
    with pytest.raises(DomainError) as caught:
        order_lines_restock(order_id=order.pk, lines=[(line.pk, 1)])
    assert caught.value.code == "return_exceeds_line"
    assert ledger_balance(_row(line)) == (10, 0, 0)


@pytest.mark.parametrize("qty", [0, -1])
def test_bad_lines_are_409_and_write_nothing(qty):
    order, line = _delivered(qty=2)
    _other, other_line = _delivered(qty=1)
    before, events = _state(line), AuditEvent.objects.count()
    for lines in ([(line.pk, qty)], [(other_line.pk, 1)], [(line.pk, 1), (line.pk, 1)]):
        with pytest.raises(DomainError) as caught:
            order_lines_restock(order_id=order.pk, lines=lines)
        assert caught.value.code == "invalid_line"
    assert _state(line) == before and AuditEvent.objects.count() == events
    with pytest.raises(DomainError) as caught:
        order_lines_restock(order_id=999_999, lines=[(line.pk, 1)])
    assert caught.value.status == 404


def test_units_of_an_unpaid_order_were_never_sold():
    merchant, _ = make_merchant()
    order = make_order(merchant, qty=2)
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    before = _state(line)
    with pytest.raises(DomainError) as caught:
        order_lines_restock(order_id=order.pk, lines=[(line.pk, 1)])
    assert caught.value.code == "not_sold"
    assert _state(line) == before


def test_a_refund_before_shipping_counts_its_units_as_returned():
    merchant, _ = make_merchant()
    buyer = make_buyer()
    order = make_order(merchant, buyer=buyer, qty=2)
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    order_transition(actor=None, order_id=order.pk, event=Event.REQUEST_REFUND, buyer_id=buyer.pk)
    order_transition(actor=None, order_id=order.pk, event=Event.REFUND)
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    assert _state(line)[:4] == (10, 0, 0, 2)
    assert ledger_balance(_row(line)) == (10, 0, 0)


def test_a_partly_refunded_delivered_order_still_auto_completes():
    from datetime import timedelta

    from django.utils import timezone

    from mallops.core import sweeps
    from mallops.orders.services import order_refund_part

    order, _line = _delivered(qty=2)
    order_refund_part(actor=None, order_id=order.pk, amount_fen=100, reference="AS1")
    sweeps.run_all(timezone.now() + timedelta(days=8))
    after = Order.objects.unscoped(reason="test").get(pk=order.pk)
    assert after.status == "partially_refunded" and after.completed_at is not None
    assert after.complete_due_at is None


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R5.2.1")
def test_real_parallel_returns_of_one_line_never_exceed_what_it_sold():
    import threading
    from collections import Counter

    from django.db import close_old_connections, connection

    order, line = _delivered(qty=3)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(8)

    def run() -> None:
        try:
            start.wait()
            try:
                order_lines_restock(order_id=order.pk, lines=[(line.pk, 1)])
                outcome = "ok"
            except DomainError as exc:
                outcome = exc.code
            with lock:
                outcomes[outcome] += 1
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == Counter({"ok": 3, "return_exceeds_line": 5}), outcomes
    item = _row(line)
    assert (item.available, item.reserved, item.sold) == (10, 0, 0)
    assert ledger_balance(item) == (10, 0, 0)
    assert OrderLine.objects.unscoped(reason="test").get(pk=line.pk).returned_qty == 3
