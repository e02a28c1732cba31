"""The one-round-trip Lua script, the Redis token cache, the sold-out cache and the served entry point."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.core.models import IdempotencyRecord
from mallops.orders import fastpath
from mallops.orders.flash import redis_path, tokens
from mallops.orders.flash import services as flash
from mallops.orders.models import FlashSale, Order
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock


def _sale(quantity: int, limit: int = 1) -> FlashSale:
    merchant, _ = make_merchant()
    item = make_stock(merchant, price_fen=1000)
    return flash.flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="fast",
        flash_price_fen=500,
        quantity=quantity,
        per_buyer_limit=limit,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )


def _call(app, path, *, token="", key="", body=b'{"qty": 1}', method="POST"):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if key:
        environ["HTTP_IDEMPOTENCY_KEY"] = key
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    out = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], json.loads(out) if out else None


@pytest.fixture
def on_redis(settings, redis_url, monkeypatch):
    import redis

    import mallops.orders.tasks as tasks

    settings.REDIS_URL = redis_url
    monkeypatch.setattr(tasks, "flash_drain_task", lambda sale_id: None)
    redis.Redis.from_url(redis_url).flushdb()
    yield redis.Redis.from_url(redis_url, decode_responses=True)
    redis.Redis.from_url(redis_url).flushdb()


def _prefix(raw: str) -> str:
    return raw[len("mlp_") :].split("_", 1)[0]


def _digest(raw: str) -> str:
    import hashlib

    return hashlib.sha256(raw.encode()).hexdigest()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1", "R6.1.1")
def test_one_script_checks_token_idempotency_limit_and_stock(on_redis):
    r = on_redis
    sale = _sale(quantity=2)
    buyer, staff = make_buyer(), make_staff("product_ops")
    raw, staff_raw = token_for(buyer), token_for(staff)  # issuing writes the token cache
    assert r.get(tokens.key(_prefix(raw))).split("|")[1] == str(buyer.pk)
    # ... and the copy of every running sale, in the sale's hash slot
    assert r.get(tokens.sale_key(sale.pk, _prefix(raw))) == r.get(tokens.key(_prefix(raw)))
    now = int(time.time())

    def run(raw_token, key, *, record="R", buyer_id=None, token=True, attempt="a1"):
        return redis_path.attempt(
            sale.pk,
            buyer_id,
            1,
            1,
            attempt,
            idempotency=(f"s:{key}", record, 60),
            token=(tokens.sale_key(sale.pk, _prefix(raw_token)), _digest(raw_token), now) if token else None,
        )

    assert run(raw, "k1", record="first") == (1, None)
    stock, buyers, queue, attempts = redis_path.keys(sale.pk)
    assert r.get(stock) == "1" and r.hget(buyers, str(buyer.pk)) == "1"
    assert r.lrange(queue, 0, -1) == [f"a1|{buyer.pk}|1"] and r.hget(attempts, "a1") == str(buyer.pk)
    assert r.get(redis_path.idempotency_key(sale.pk, "s:k1")) == "first"
    # the same key: the stored record comes back, nothing moves
    assert run(raw, "k1", record="second", attempt="a2") == (redis_path.RECORDED, "first")
    assert r.get(stock) == "1" and r.llen(queue) == 1
    # a refusal (over the limit) stores no record
    assert run(raw, "k2", attempt="a3") == (redis_path.OVER_LIMIT, None)
    assert r.get(redis_path.idempotency_key(sale.pk, "s:k2")) is None
    # the token: wrong secret, staff, unknown (not cached) -> no decision at all
    assert run(raw[:-2] + "xx", "k3")[0] == redis_path.BAD_TOKEN
    assert run(staff_raw, "k3")[0] == redis_path.NOT_BUYER
    r.delete(tokens.sale_key(sale.pk, _prefix(raw)))
    assert run(raw, "k3")[0] == redis_path.NO_TOKEN
    # the caller then reads the database and passes the buyer; another buyer takes the last unit
    other = make_buyer()
    assert run("", "o1", buyer_id=other.pk, token=False, attempt="b1") == (0, None)
    third = make_buyer()
    assert run("", "t1", buyer_id=third.pk, token=False, attempt="c1") == (redis_path.SOLD_OUT, None)
    assert r.get(redis_path.idempotency_key(sale.pk, "s:t1")) is None
    assert r.get(stock) == "0" and r.llen(queue) == 2


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1")
def test_token_cache_revocation_is_immediate_and_misses_read_the_database(on_redis):
    from mallops.accounts.models import ApiToken
    from mallops.accounts.services import token_revoke

    r = on_redis
    sale = _sale(quantity=5)
    app = fastpath.FlashFastPath(lambda environ, start: [b""])
    path = f"/api/v1/flash-sales/{sale.pk}/attempts"
    buyer = make_buyer()
    raw = token_for(buyer)
    # a token issued before the cache existed: read from the database, then cached (and the sale's copy)
    r.delete(tokens.key(_prefix(raw)), tokens.sale_key(sale.pk, _prefix(raw)))
    assert _call(app, path, token=raw, key="k1")[0] == 202
    assert r.get(tokens.key(_prefix(raw))).startswith(_digest(raw))
    assert r.get(tokens.sale_key(sale.pk, _prefix(raw))) == r.get(tokens.key(_prefix(raw)))
    token_revoke(actor=actor_of(buyer), token_id=ApiToken.objects.get(user=buyer).pk)
    assert r.get(tokens.key(_prefix(raw))) == tokens.REFUSED
    assert r.get(tokens.sale_key(sale.pk, _prefix(raw))) == tokens.REFUSED
    assert _call(app, path, token=raw, key="k2")[0] == 401
    # deactivating a user refuses their tokens at once too
    other = make_buyer()
    other_raw = token_for(other)
    assert _call(app, path, token=other_raw, key="o1")[0] == 202
    other.is_active = False
    other.save(update_fields=["is_active"])
    assert _call(app, path, token=other_raw, key="o2")[0] == 401
    # a fill from the database never overwrites a refusal written meanwhile
    tokens.owner(raw, lambda _raw: (_digest(raw), buyer.pk, "buyer", time.time() + 600))
    assert r.get(tokens.key(_prefix(raw))) == tokens.REFUSED


@pytest.mark.django_db(transaction=True)  # the handler manages connections like a request does
@pytest.mark.req("R2.3.1")
def test_sold_out_cache_answers_without_writing_and_never_oversells_after_release(settings, monkeypatch):
    settings.REDIS_URL = ""
    sale = _sale(quantity=1)
    app = fastpath.FlashFastPath(lambda environ, start: [b""])
    path = f"/api/v1/flash-sales/{sale.pk}/attempts"
    first, second, third, fourth = (make_buyer() for _ in range(4))
    won = _call(app, path, token=token_for(first), key="a")
    assert won[0] == 202 and won[2]["status"] == "ordered"
    second_token = token_for(second)
    assert _call(app, path, token=second_token, key="b")[2]["code"] == "sold_out"
    records = IdempotencyRecord.objects.count()
    assert records == 1  # the refusal stored nothing
    # the unpaid order is cancelled: its unit goes back to the sale
    order_transition(actor=None, order_id=won[2]["order_id"], event=Event.CANCEL)
    sale.refresh_from_db()
    assert sale.claimed == 0
    # within SOLD_OUT_SECONDS the process still answers sold out, without touching a row
    third_token = token_for(third)
    assert _call(app, path, token=third_token, key="c")[2]["code"] == "sold_out"
    assert IdempotencyRecord.objects.count() == records
    # once the short cache ran out, the released unit sells exactly once
    later = time.monotonic() + fastpath.SOLD_OUT_SECONDS + fastpath.SALE_CACHE_SECONDS + 0.1
    monkeypatch.setattr(fastpath.time, "monotonic", lambda: later)
    again = _call(app, path, token=second_token, key="b")  # the refused key is decided again
    assert again[0] == 202 and "Idempotent-Replayed" not in again[1]
    assert _call(app, path, token=third_token, key="c")[2]["code"] == "sold_out"
    assert _call(app, path, token=token_for(fourth), key="d")[2]["code"] == "sold_out"
    live = Order.objects.unscoped(reason="t").filter(flash_sale=sale).exclude(status="cancelled")
    assert live.count() == 1
    sale.refresh_from_db()
    assert sale.claimed == 1 and flash.flash_reconcile(sale_id=sale.pk).ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1", "R6.1.1")
def test_the_served_application_is_the_fast_path_in_front_of_django(settings):
    from mallops.wsgi import application, django_application

    settings.REDIS_URL = ""
    assert isinstance(application, fastpath.FlashFastPath) and application.app is django_application
    sale = _sale(quantity=1)
    path = f"/api/v1/flash-sales/{sale.pk}/attempts"
    raw = token_for(make_buyer())
    status, headers, body = _call(application, path, token=raw, key="x")
    assert status == 202 and body["path"] == "database" and headers["Content-Type"] == "application/json"
    assert _call(application, path, token=raw, key="x")[1]["Idempotent-Replayed"] == "true"
    # everything else is Django's (its middleware and routing)
    health = _call(application, "/healthz", method="GET", body=b"")
    assert health[0] == 200
    listed = _call(application, "/api/v1/storefront/flash-sales", method="GET", body=b"")
    assert listed[0] == 200


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1")
def test_the_hot_call_survives_a_script_flush_and_a_dropped_connection(on_redis):
    r = on_redis
    sale = _sale(quantity=3, limit=3)
    buyer = make_buyer()
    assert redis_path.attempt(sale.pk, buyer.pk, 1, 3, "x1")[0] == 2
    r.script_flush()  # e.g. a Redis restart: EVALSHA answers NOSCRIPT, the source is sent again
    assert redis_path.attempt(sale.pk, buyer.pk, 1, 3, "x2")[0] == 1
    # the thread's connection is dropped: a call with an idempotency record is sent again (a second run
    # would only answer the first one's record); one without it fails rather than risk running twice
    import redis

    r.client_kill_filter(_type="normal", skipme=True)
    assert redis_path.attempt(sale.pk, buyer.pk, 1, 3, "x3", idempotency=("k", "rec", 60))[0] == 0
    r.client_kill_filter(_type="normal", skipme=True)
    with pytest.raises(redis.exceptions.ConnectionError):
        redis_path.attempt(sale.pk, buyer.pk, 1, 3, "x5")
    assert redis_path.attempt(sale.pk, buyer.pk, 1, 3, "x4")[0] == redis_path.OVER_LIMIT
    assert r.llen(redis_path.keys(sale.pk)[2]) == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1")
def test_signing_in_and_revoking_work_while_redis_is_down(settings):
    from mallops.accounts.models import ApiToken
    from mallops.accounts.services import token_authenticate, token_revoke

    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"  # nothing listens there
    buyer = make_buyer()
    raw = token_for(buyer)  # the cache write fails after commit; the sign-in does not
    assert token_authenticate(raw).pk == buyer.pk
    token_revoke(actor=actor_of(buyer), token_id=ApiToken.objects.get(user=buyer).pk)
    assert token_authenticate(raw) is None


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
