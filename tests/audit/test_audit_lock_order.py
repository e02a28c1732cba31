"""The audit chain head is the last lock of every audited transaction (issue 16).

Checkout locks stock rows, pay and cancel lock the order and then its stock rows; all of them record
audit events. Events recorded inside ``audited`` are chained when the outermost block ends, so the chain
head is locked after everything else, in one order everywhere: no deadlock between checkout and
pay/cancel on PostgreSQL, and the head is held only for the append.
"""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from django.db import connection, transaction

from mallops.audit.models import AuditChainHead, AuditEvent
from mallops.audit.selectors import audit_verify
from mallops.audit.services import audit_record, audited
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, OrderStatus, StockItem
from mallops.orders.services import buyer_order_cancel
from mallops.payments.services import payment_open, sandbox_pay
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer, make_stock
from mallops.testing.queries import count_queries

HEAD_TABLE = AuditChainHead._meta.db_table
STOCK_TABLE = StockItem._meta.db_table
ORDER_TABLE = Order._meta.db_table


def _statements_touching(statements: list[str], table: str) -> list[int]:
    return [n for n, sql in enumerate(statements) if f'"{table}"' in sql]


def _head_is_last(statements: list[str], *tables: str) -> None:
    head = _statements_touching(statements, HEAD_TABLE)
    assert head, "the transaction appends to the chain"
    for table in tables:
        touching = _statements_touching(statements, table)
        assert touching, f"expected statements on {table}"
        assert max(touching) < min(head), f"{table} touched after the audit chain head"


def _batches(statements: list[str]) -> list[list[str]]:
    """The statements of a run of the payment-timeout sweep, one list per batch (per transaction): each
    starts with the batch's selection of due orders."""
    runs: list[list[str]] = [[]]
    for sql in statements:
        if f'"{ORDER_TABLE}"."pay_due_at" <=' in sql:
            runs.append([])
        runs[-1].append(sql)
    return runs


def _checkout(buyer: Any, skus: list[str], key: str) -> Any:
    checkout, _ = checkout_create(
        actor=buyer,
        idempotency_key=key,
        req=CheckoutRequest(lines=[CartLine(sku, 1) for sku in skus]),
    )
    return checkout


def _orders_of(checkout: Any) -> list[Order]:
    return list(checkout.orders.unscoped(reason="test").order_by("pk"))


@pytest.mark.django_db
def test_events_of_an_audited_block_are_chained_in_order_when_it_ends() -> None:
    # given an empty chain
    with audited():
        first = audit_record(actor=None, action="test.first", object_type="thing", object_id="1")
        with audited():  # a nested service joins the outer block
            audit_record(actor=None, action="test.second", object_type="thing", object_id="2")
        # when: nothing is written before the outermost block ends
        assert AuditEvent.objects.count() == 0
        assert first.pk is None
    # then
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "action")) == [
        (1, "test.first"),
        (2, "test.second"),
    ]
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.keyed_from_seq) == (2, 1)
    assert audit_verify().ok


@pytest.mark.django_db
def test_an_event_recorded_in_a_rolled_back_savepoint_is_not_chained() -> None:
    with audited():
        audit_record(actor=None, action="test.kept", object_type="thing", object_id="1")
        try:
            with transaction.atomic():
                audit_record(actor=None, action="test.rolled_back", object_type="thing", object_id="2")
                raise RuntimeError("the step fails")
        except RuntimeError:
            pass
        with pytest.raises(RuntimeError), audited():
            audit_record(actor=None, action="test.nested_failed", object_type="thing", object_id="3")
            raise RuntimeError("the nested service fails")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.kept"]
    assert audit_verify().ok


@pytest.mark.django_db
def test_an_audited_block_that_fails_writes_no_event() -> None:
    with pytest.raises(RuntimeError), audited():
        audit_record(actor=None, action="test.lost", object_type="thing", object_id="1")
        raise RuntimeError("rolled back")
    assert AuditEvent.objects.count() == 0
    assert not AuditChainHead.objects.exists()


@pytest.mark.django_db
def test_outside_an_audited_block_an_event_is_appended_at_once() -> None:
    event = audit_record(actor=None, action="test.now", object_type="thing", object_id="1")
    assert (event.seq, AuditEvent.objects.get().pk) == (1, event.pk)


@pytest.mark.django_db
def test_checkout_pay_and_cancel_touch_the_chain_head_after_stock_and_orders() -> None:
    merchant, _ = make_merchant()
    skus = [make_stock(merchant, available=10).sku_code for _ in range(2)]
    buyer = make_buyer()

    with count_queries() as checkout_sql:
        paid = _checkout(buyer, skus, "k-1")
    _head_is_last(checkout_sql.statements, STOCK_TABLE, ORDER_TABLE)

    payment = payment_open(actor=buyer, checkout_id=paid.pk)
    with count_queries() as pay_sql:
        assert sandbox_pay(actor=buyer, out_trade_no=payment.out_trade_no).outcome == "paid"
    _head_is_last(pay_sql.statements, STOCK_TABLE, ORDER_TABLE)

    cancelled = _orders_of(_checkout(buyer, skus, "k-2"))[0]
    with count_queries() as cancel_sql:
        buyer_order_cancel(actor=buyer, order_id=cancelled.pk)
    _head_is_last(cancel_sql.statements, STOCK_TABLE, ORDER_TABLE)
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_sweep_batch_touches_the_chain_head_after_every_row_it_cancels() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mallops.core.sweeps import registered, run_sweeper

    merchant, _ = make_merchant()
    skus = [make_stock(merchant, available=10).sku_code for _ in range(2)]
    buyer = make_buyer()
    orders = [_orders_of(_checkout(buyer, skus, f"sweep-{n}"))[0] for n in range(3)]
    later = timezone.now() + timedelta(days=1)
    with count_queries() as sweep_sql:
        handled = run_sweeper(registered()["orders.cancel_unpaid"], now=later)
    assert handled == 3
    # one order per transaction (a batch would lock its orders' stock rows order by order, not by id)
    appending = [sql for sql in _batches(sweep_sql.statements) if _statements_touching(sql, HEAD_TABLE)]
    assert len(appending) == 3
    for statements in appending:
        _head_is_last(statements, STOCK_TABLE, ORDER_TABLE)
    cancels = AuditEvent.objects.filter(action="orders.order_cancel")
    assert sorted(int(e.object_id) for e in cancels) == sorted(o.pk for o in orders)
    assert audit_verify().ok


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_payments_and_cancellations_on_the_same_skus_neither_deadlock_nor_lose_events() -> (
    None
):
    # given three SKUs, and orders on all of them waiting to be paid or cancelled
    merchant, _ = make_merchant()
    skus = [make_stock(merchant, available=10_000).sku_code for _ in range(3)]
    buyers = [make_buyer() for _ in range(12)]
    to_pay, to_cancel = [], []
    for n, buyer in enumerate(buyers):
        checkout = _checkout(buyer, skus, f"pre-{n}")
        if n % 2:
            to_pay.append((buyer, payment_open(actor=buyer, checkout_id=checkout.pk)))
        else:
            to_cancel.append((buyer, _orders_of(checkout)[0]))
    events_before = AuditEvent.objects.count()
    rounds = 4
    # each worker does a mix; lines name the SKUs in different orders
    jobs: list[tuple[str, Any]] = []
    for n, buyer in enumerate(buyers):
        for r in range(rounds):
            order = skus[:]
            random.Random(n * 31 + r).shuffle(order)
            jobs.append(("checkout", (buyer, order, f"par-{n}-{r}")))
    jobs += [("pay", item) for item in to_pay] + [("cancel", item) for item in to_cancel]
    random.Random(7).shuffle(jobs)
    workers = 8
    shares = [jobs[i::workers] for i in range(workers)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work(share: list[tuple[str, Any]]) -> None:
        try:
            barrier.wait()
            for kind, item in share:
                if kind == "checkout":
                    _checkout(*item)
                elif kind == "pay":
                    buyer, payment = item
                    assert sandbox_pay(actor=buyer, out_trade_no=payment.out_trade_no).outcome == "paid"
                else:
                    buyer, order = item
                    buyer_order_cancel(actor=buyer, order_id=order.pk)
        except BaseException as exc:  # a deadlock is an OperationalError: collect it and fail below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: nothing failed, and one event per state change, all chained
    assert errors == []
    checkouts = len(buyers) * rounds  # one order per checkout (one merchant)
    expected = checkouts + 2 * len(to_pay) + len(to_cancel)  # create; paid + order_pay; cancel
    assert AuditEvent.objects.count() - events_before == expected
    actions = list(AuditEvent.objects.filter(seq__gt=events_before).values_list("action", flat=True))
    assert actions.count("orders.order_create") == checkouts
    assert actions.count("payments.payment_paid") == actions.count("orders.order_pay") == len(to_pay)
    assert actions.count("orders.order_cancel") == len(to_cancel)
    assert Order.objects.unscoped(reason="test").filter(status=OrderStatus.PAID).count() == len(to_pay)
    result = audit_verify()
    assert result.ok, result.reason
    stock = StockItem.objects.unscoped(reason="test").filter(sku_code__in=skus)
    placed = len(buyers) * (rounds + 1)  # units per SKU ever reserved
    cancelled = len(to_cancel)
    assert sorted(s.available + s.reserved + s.sold for s in stock) == [10_000] * 3
    assert sorted(s.reserved + s.sold for s in stock) == [placed - cancelled] * 3
