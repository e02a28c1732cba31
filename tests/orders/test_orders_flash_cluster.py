"""The flash-sale Redis path on a three-primary Redis Cluster (``REDIS_CLUSTER_URL``): every script call
stays in the sale's hash slot (the token check and the Idempotency-Key record included), parallel buyers
never oversell, release gives units back, and two sales live on different slots."""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.orders import fastpath
from mallops.orders.flash import redis_path, tokens
from mallops.orders.flash import services as flash
from mallops.orders.models import FlashSale, Order
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock


def _sale(quantity: int) -> FlashSale:
    merchant, _ = make_merchant()
    item = make_stock(merchant, price_fen=1000, available=100)
    return flash.flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="cluster",
        flash_price_fen=500,
        quantity=quantity,
        per_buyer_limit=1,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )


def _attempt(app, sale_id: int, raw: str, key: str) -> tuple[int, dict, dict]:
    body = b'{"qty": 1}'
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/api/v1/flash-sales/{sale_id}/attempts",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_AUTHORIZATION": f"Bearer {raw}",
        "HTTP_IDEMPOTENCY_KEY": key,
    }
    seen: dict = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    out = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], json.loads(out)


def _forget_keys(r) -> None:
    for pattern in ("flash:*", "auth:tok:*"):
        for name in list(r.scan_iter(match=pattern, count=1000)):
            r.delete(name)


@pytest.fixture
def on_cluster(settings, redis_cluster_url, monkeypatch):
    from redis.cluster import RedisCluster

    import mallops.orders.tasks as tasks

    settings.REDIS_URL = ""
    settings.REDIS_CLUSTER_URL = redis_cluster_url
    monkeypatch.setattr(tasks, "flash_drain_task", lambda sale_id: None)  # the test drains itself
    r = RedisCluster.from_url(redis_cluster_url, decode_responses=True)
    _forget_keys(r)
    yield r
    _forget_keys(r)
    r.close()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R6.1.1")
def test_flash_sale_on_a_redis_cluster_never_oversells_and_keeps_each_sale_in_one_slot(on_cluster):
    r = on_cluster
    sale, other = _sale(quantity=10), _sale(quantity=1)
    # given: every key a script call touches shares the sale's slot; the two sales' slots differ
    for s in (sale, other):
        names = [
            *redis_path.keys(s.pk),
            redis_path.idempotency_key(s.pk, "tok:abc:k1"),
            tokens.sale_key(s.pk, "prefix"),
        ]
        assert {r.keyslot(name) for name in names} == {r.keyslot(str(s.pk))}
    assert r.keyslot(str(sale.pk)) != r.keyslot(str(other.pk))
    buyers = [make_buyer() for _ in range(16)]
    raws = [token_for(b) for b in buyers]  # issuing writes each running sale's token copy
    app = fastpath.FlashFastPath(lambda environ, start: [b""])
    first = _attempt(app, sale.pk, raws[0], "warm")
    assert first[0] == 202 and first[2]["path"] == "redis"

    # when: 16 buyers press "buy" twice each at the same moment through the served fast path
    outcomes: Counter = Counter()
    lock, barrier = threading.Lock(), threading.Barrier(len(buyers))

    def run(index: int) -> None:
        try:
            barrier.wait()
            for n in range(2):
                status, _, body = _attempt(app, sale.pk, raws[index], f"k{n}")
                with lock:
                    outcomes[status if status == 202 else body["code"]] += 1
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(buyers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # then: exactly the quantity was accepted, one unit per buyer at most
    assert outcomes[202] == 9, outcomes  # 10 units, one taken by the first attempt
    assert set(outcomes) <= {202, "sold_out", "over_buyer_limit"}
    stock_left, held = redis_path.counters(sale.pk)
    assert stock_left == 0 and sum(held.values()) == 10 and set(held.values()) == {1}
    assert _attempt(app, sale.pk, raws[0], "warm")[1]["Idempotent-Replayed"] == "true"
    assert flash.flash_drain(sale.pk) == 10
    orders = Order.objects.unscoped(reason="test").filter(flash_sale=sale)
    assert orders.count() == 10 and len(set(orders.values_list("buyer_id", flat=True))) == 10
    sale.refresh_from_db()
    assert sale.claimed == 10 and flash.flash_reconcile(sale_id=sale.pk).ok
    # an unpaid order is cancelled: the release script gives the unit back, and it sells exactly once
    cancelled = orders.order_by("pk").first()
    order_transition(actor=None, order_id=cancelled.pk, event=Event.CANCEL)
    assert redis_path.counters(sale.pk)[0] == 1
    waiting = [i for i, b in enumerate(buyers) if not orders.filter(buyer=b).exists()]
    assert _attempt(app, sale.pk, raws[waiting[0]], "again")[0] == 202
    assert _attempt(app, sale.pk, raws[waiting[1]], "again")[2]["code"] == "sold_out"
    assert flash.flash_drain(sale.pk) == 1 and flash.flash_reconcile(sale_id=sale.pk).ok
    # the other sale on its own slot; a revoked token is refused there at once (its copy says so)
    from mallops.accounts.models import ApiToken
    from mallops.accounts.services import token_revoke

    token_revoke(actor=actor_of(buyers[1]), token_id=ApiToken.objects.get(user=buyers[1]).pk)
    assert _attempt(app, other.pk, raws[1], "x")[0] == 401
    assert _attempt(app, other.pk, raws[2], "x")[0] == 202
    assert redis_path.counters(other.pk) == (0, {buyers[2].pk: 1})
