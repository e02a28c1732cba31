"""Flash sales never oversell: database path (SQLite and real-parallel PostgreSQL) and Redis path."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.core import sweeps
from mallops.core.errors import DomainError
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.flash import services as flash
from mallops.orders.models import FlashAttempt, FlashPurchase, FlashSale, Order, StockItem
from mallops.orders.states import Event
from mallops.orders.stock import ledger_balance
from mallops.orders.transitions import order_transition
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock


def _sale(*, quantity: int = 10, limit: int = 2, stock: int = 100, price: int = 9900) -> FlashSale:
    merchant, _ = make_merchant()
    item = make_stock(merchant, price_fen=price, available=stock)
    now = timezone.now()
    return flash.flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="秒杀 测试",
        flash_price_fen=price // 2,
        quantity=quantity,
        per_buyer_limit=limit,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    )


def _item(sale: FlashSale) -> StockItem:
    return StockItem.objects.unscoped(reason="test").get(pk=sale.item_id)


def _live_units_by_buyer(sale: FlashSale) -> Counter[int]:
    units: Counter[int] = Counter()
    orders = Order.objects.unscoped(reason="test").filter(flash_sale=sale).exclude(status="cancelled")
    for order in orders:
        units[order.buyer_id] += sum(ln.qty for ln in order.lines.for_merchant(order.merchant_id))
    return units


def _assert_never_oversold(sale: FlashSale) -> None:
    sale.refresh_from_db()
    units = _live_units_by_buyer(sale)
    assert sum(units.values()) == sale.claimed <= sale.quantity
    assert max(units.values(), default=0) <= sale.per_buyer_limit
    item = _item(sale)
    assert ledger_balance(item) == (item.available, item.reserved, item.sold)
    assert item.available >= 0 and item.reserved >= 0


@pytest.mark.django_db
@pytest.mark.req("R2.3.1")
def test_database_path_sells_exactly_the_quantity_and_respects_the_limit():
    sale = _sale(quantity=5, limit=2)
    item = _item(sale)
    assert (item.available, item.reserved) == (95, 5)
    buyers = [make_buyer() for _ in range(4)]
    results = Counter()
    for buyer in buyers:
        for _ in range(3):
            try:
                result = flash.flash_attempt(actor=actor_of(buyer), sale_id=sale.pk)
                assert result.status == "ordered" and result.order_id
                results["ok"] += 1
            except DomainError as exc:
                results[exc.code] += 1
    assert results["ok"] == 5
    assert results["over_buyer_limit"] >= 2 and results["sold_out"] >= 1
    _assert_never_oversold(sale)


@pytest.mark.django_db
@pytest.mark.req("R2.3.1")
def test_flash_api_bad_input_and_permissions():
    sale = _sale(quantity=3, limit=1)
    buyer = make_buyer()
    client = ApiClient(token=token_for(buyer))
    url = f"/api/v1/flash-sales/{sale.pk}/attempts"
    assert client.post_json(url, {"qty": 1}).status_code == 428
    assert json.loads(client.post_json(url, {"qty": 0}, headers={"Idempotency-Key": "a"}).content)[
        "code"
    ] == ("validation_error")
    over = client.post_json(url, {"qty": 2}, headers={"Idempotency-Key": "b"})
    assert over.status_code == 409 and json.loads(over.content)["code"] == "over_buyer_limit"
    ok = client.post_json(url, {"qty": 1}, headers={"Idempotency-Key": "c"})
    assert ok.status_code == 202
    attempt = json.loads(ok.content)
    polled = client.get_json(f"/api/v1/flash-sales/{sale.pk}/attempts/{attempt['attempt_id']}")
    assert json.loads(polled.content)["order_id"] == attempt["order_id"]
    replay = client.post_json(url, {"qty": 1}, headers={"Idempotency-Key": "c"})
    assert replay["Idempotent-Replayed"] == "true" and Order.objects.unscoped(reason="t").count() == 1
    assert (
        client.post_json(
            f"/api/v1/flash-sales/{sale.pk + 99}/attempts", {}, headers={"Idempotency-Key": "d"}
        ).status_code
        == 404
    )
    # creating needs promotion.manage; an unknown SKU is 422
    cs = ApiClient(token=token_for(make_staff("cs_agent")))
    body = {
        "sku_code": "nope",
        "title": "x",
        "flash_price_fen": 1,
        "quantity": 1,
        "per_buyer_limit": 1,
        "starts_at": timezone.now().isoformat(),
        "ends_at": (timezone.now() + timedelta(hours=1)).isoformat(),
    }
    assert cs.post_json("/api/v1/flash-sales", body).status_code == 403
    ops = ApiClient(token=token_for(make_staff("product_ops")))
    assert ops.post_json("/api/v1/flash-sales", body).status_code == 428  # it reserves stock
    bad = ops.post_json("/api/v1/flash-sales", body, headers={"Idempotency-Key": "e"})
    assert bad.status_code == 422 and json.loads(bad.content)["errors"][0]["code"] == "unknown_sku"


@pytest.mark.django_db
@pytest.mark.req("R2.3.1")
def test_unpaid_flash_orders_go_back_to_the_sale_and_the_end_returns_the_rest():
    sale = _sale(quantity=3, limit=3)
    buyer, other = make_buyer(), make_buyer()
    unpaid = flash.flash_attempt(actor=actor_of(buyer), sale_id=sale.pk, qty=3)
    with pytest.raises(DomainError):
        flash.flash_attempt(actor=actor_of(other), sale_id=sale.pk)
    # the pay timer fires after an outage: units come back to the sale
    sweeps.run_sweeper(sweeps.registered()["orders.cancel_unpaid"], timezone.now() + timedelta(hours=3))
    assert Order.objects.unscoped(reason="t").get(pk=unpaid.order_id).status == "cancelled"
    sale.refresh_from_db()
    assert sale.claimed == 0 and FlashPurchase.objects.get(buyer=buyer).qty == 0
    paid = flash.flash_attempt(actor=actor_of(other), sale_id=sale.pk, qty=1)
    order_transition(actor=None, order_id=paid.order_id, event=Event.PAY)
    # the sale ends: the two units nobody holds return to available stock
    sweeps.run_sweeper(sweeps.registered()["orders.flash_finalize"], sale.ends_at)
    sale.refresh_from_db()
    item = _item(sale)
    assert sale.finalized and (item.available, item.reserved, item.sold) == (99, 0, 1)
    _assert_never_oversold(sale)
    assert flash.flash_reconcile(sale_id=sale.pk).ok


def _hammer(target, workers: int) -> Counter:
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def run(index: int) -> None:
        try:
            start.wait()
            for outcome in target(index):
                with lock:
                    outcomes[outcome] += 1
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1", "R6.1.1")
def test_real_parallel_buyers_on_postgresql_never_oversell():
    sale = _sale(quantity=25, limit=2, stock=40)
    buyers = [make_buyer() for _ in range(20)]

    def buy(index: int):
        for _ in range(4):
            try:
                flash.flash_attempt(actor=actor_of(buyers[index]), sale_id=sale.pk)
                yield "ok"
            except DomainError as exc:
                yield exc.code

    outcomes = _hammer(buy, 20)
    assert outcomes["ok"] == 25, outcomes
    assert set(outcomes) <= {"ok", "sold_out", "over_buyer_limit"}
    _assert_never_oversold(sale)
    # regular checkout on the same PostgreSQL: 15 buyers want 3 units each of 20 in stock
    merchant, _ = make_merchant()
    item = make_stock(merchant, sku="HOT-1", available=20)
    shoppers = [make_buyer() for _ in range(15)]

    def checkout(index: int):
        try:
            checkout_create(
                actor=actor_of(shoppers[index]),
                idempotency_key=f"p{index}",
                req=CheckoutRequest(lines=[CartLine("HOT-1", 3)]),
            )
            yield "ok"
        except DomainError as exc:
            yield exc.code

    outcomes = _hammer(checkout, 15)
    item.refresh_from_db()
    assert outcomes["ok"] == 6 and outcomes["out_of_stock"] == 9, outcomes
    assert (item.available, item.reserved) == (2, 18)
    assert ledger_balance(item) == (item.available, item.reserved, item.sold)


# ---------------------------------------------------------------- Redis path


@pytest.fixture
def redis_path(settings, redis_url, monkeypatch):
    import redis

    settings.REDIS_URL = redis_url
    redis.Redis.from_url(redis_url).flushdb()
    drained: list[int] = []
    import mallops.orders.tasks as tasks

    # the queue is written by a worker; the test runs the worker itself, after the rush
    monkeypatch.setattr(tasks, "flash_drain_task", lambda sale_id: drained.append(sale_id))
    yield drained
    redis.Redis.from_url(redis_url).flushdb()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1", "R6.1.1")
def test_redis_path_lua_decides_queue_writes_and_reconciliation_repairs_a_loss(redis_path):
    sale = _sale(quantity=12, limit=3)
    buyers = [make_buyer() for _ in range(10)]

    def buy(index: int):
        for _ in range(5):
            try:
                result = flash.flash_attempt(actor=actor_of(buyers[index]), sale_id=sale.pk)
                yield result.status
            except DomainError as exc:
                yield exc.code

    outcomes = _hammer(buy, 10)
    assert outcomes["queued"] == 12, outcomes
    assert set(outcomes) <= {"queued", "sold_out", "over_buyer_limit"}
    report = flash.flash_reconcile(sale_id=sale.pk)
    assert report.ok and report.queued_units == 12 and report.redis_stock == 0
    # buyers poll: queued until the worker writes the order
    assert Order.objects.unscoped(reason="t").count() == 0
    assert flash.flash_drain(sale.pk) == 12
    _assert_never_oversold(sale)
    assert flash.flash_reconcile(sale_id=sale.pk).ok
    order = Order.objects.unscoped(reason="t").filter(flash_sale=sale).first()
    attempt_ids = list(FlashAttempt.objects.filter(order=order).values_list("pk", flat=True))
    polled = flash.flash_attempt_get(actor=actor_of(order.buyer), sale_id=sale.pk, attempt_id=attempt_ids[0])
    assert polled.status == "ordered" and polled.order_id == order.pk
    # an unpaid order times out: the Lua counters get the units back
    sweeps.run_sweeper(sweeps.registered()["orders.cancel_unpaid"], timezone.now() + timedelta(hours=1))
    sale.refresh_from_db()
    assert sale.claimed == 0
    assert flash.flash_reconcile(sale_id=sale.pk).ok
    # Redis loses everything: reconciliation shows it, and the next attempt rebuilds from the database
    import redis

    redis.Redis.from_url(redis_path_url(sale)).flushdb()
    lost = flash.flash_reconcile(sale_id=sale.pk)
    assert not lost.ok and lost.redis_stock is None
    assert flash.flash_attempt(actor=actor_of(buyers[0]), sale_id=sale.pk, qty=3).status == "queued"
    assert flash.flash_reconcile(sale_id=sale.pk).ok
    flash.flash_drain(sale.pk)
    _assert_never_oversold(sale)
    # the end writes what is queued, returns the rest to stock and drops the Redis keys
    sweeps.run_sweeper(sweeps.registered()["orders.flash_finalize"], sale.ends_at)
    sale.refresh_from_db()
    assert sale.finalized
    assert redis.Redis.from_url(redis_path_url(sale)).exists(f"flash:{{{sale.pk}}}:stock") == 0
    _assert_never_oversold(sale)


def redis_path_url(sale: FlashSale) -> str:
    from mallops.orders import conf

    return conf.redis_url()
