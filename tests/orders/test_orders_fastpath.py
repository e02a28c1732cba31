"""The flash fast path answers attempts like the API does (Redis path), and passes everything else on."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.orders.fastpath import FlashFastPath
from mallops.orders.flash import services as flash
from mallops.orders.models import Order
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock


def _call(app, path, *, token="", key="", body=b'{"qty": 1}', method="POST"):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
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
def setup(settings, redis_url):
    import redis

    settings.REDIS_URL = redis_url
    redis.Redis.from_url(redis_url).flushdb()
    merchant, _ = make_merchant()
    item = make_stock(merchant, price_fen=1000)
    sale = flash.flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="fast",
        flash_price_fen=500,
        quantity=2,
        per_buyer_limit=1,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    passed = []
    app = FlashFastPath(
        lambda environ, start: (passed.append(environ["PATH_INFO"]), start("200 OK", []), [b""])[2]
    )
    yield app, sale, passed
    redis.Redis.from_url(redis_url).flushdb()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1", "R6.1.1")
def test_fast_path_attempts_replays_and_refusals(setup, monkeypatch):
    import mallops.orders.tasks as tasks

    monkeypatch.setattr(tasks, "flash_drain_task", lambda sale_id: None)
    app, sale, passed = setup
    path = f"/api/v1/flash-sales/{sale.pk}/attempts"
    buyer, other, third = make_buyer(), make_buyer(), make_buyer()
    token = token_for(buyer)
    assert _call(app, path, key="k")[0] == 401
    assert _call(app, path, token=token)[2]["code"] == "idempotency_key_required"
    status, _headers, body = _call(app, path, token=token, key="k1")
    assert status == 202 and body["status"] == "queued" and body["path"] == "redis"
    again = _call(app, path, token=token, key="k1")
    assert again[2] == body and again[1]["Idempotent-Replayed"] == "true"
    assert _call(app, path, token=token, key="k1", body=b'{"qty": 2}')[2]["code"] == "idempotency_key_reused"
    assert _call(app, path, token=token, key="k2")[2]["code"] == "over_buyer_limit"
    assert _call(app, path, token=token, key="k3", body=b'{"qty": 0}')[0] == 422
    assert _call(app, path, token=token_for(other), key="o")[0] == 202
    sold_out = _call(app, path, token=token_for(third), key="t")
    assert sold_out[0] == 409 and sold_out[2]["code"] == "sold_out"
    assert sold_out[1]["Content-Type"] == "application/problem+json"
    staff = _call(app, path, token=token_for(make_staff("product_ops")), key="s")
    assert staff[0] == 403
    assert flash.flash_drain(sale.pk) == 2
    assert Order.objects.unscoped(reason="t").filter(flash_sale=sale).count() == 2
    assert flash.flash_reconcile(sale_id=sale.pk).ok
    # revoked and expired tokens are refused like the API refuses them
    from mallops.accounts.models import ApiToken

    late, gone = make_buyer(), make_buyer()
    late_token, gone_token = token_for(late), token_for(gone)
    expired = ApiToken.objects.get(user=late)
    expired.expires_at = timezone.now() - timedelta(seconds=1)
    expired.save()
    from mallops.accounts.services import token_revoke

    token_revoke(actor=actor_of(gone), token_id=ApiToken.objects.get(user=gone).pk)
    assert _call(app, path, token=late_token, key="l")[0] == 401
    assert _call(app, path, token=gone_token, key="g")[0] == 401
    assert _call(app, path, token=token[:-2] + "xx", key="w")[0] == 401
    # everything else goes to Django
    _call(app, "/healthz", method="GET")
    _call(app, f"/api/v1/flash-sales/{sale.pk}/attempts/abc", method="GET")
    assert passed == ["/healthz", f"/api/v1/flash-sales/{sale.pk}/attempts/abc"]


@pytest.mark.django_db(transaction=True)  # the handler manages connections like a request does
@pytest.mark.req("R2.3.1")
def test_fast_path_database_path_uses_the_core_idempotency_records(settings):
    settings.REDIS_URL = ""
    merchant, _ = make_merchant()
    item = make_stock(merchant, price_fen=1000)
    sale = flash.flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="db",
        flash_price_fen=500,
        quantity=1,
        per_buyer_limit=1,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    app = FlashFastPath(lambda environ, start: [b""])
    path = f"/api/v1/flash-sales/{sale.pk}/attempts"
    buyer, other = make_buyer(), make_buyer()
    token = token_for(buyer)
    status, _headers, body = _call(app, path, token=token, key="d1")
    assert status == 202 and body["status"] == "ordered" and body["path"] == "database"
    again = _call(app, path, token=token, key="d1")
    assert again[2] == body and again[1]["Idempotent-Replayed"] == "true"
    assert _call(app, path, token=token, key="d1", body=b'{"qty": 2}')[2]["code"] == "idempotency_key_reused"
    assert _call(app, path, token=token, key="d2")[2]["code"] in {"over_buyer_limit", "sold_out"}
    assert _call(app, path, token=token_for(other), key="o")[2]["code"] == "sold_out"
    assert _call(app, path, token=token, key="")[0] == 428
    assert Order.objects.unscoped(reason="t").filter(flash_sale=sale).count() == 1
    assert flash.flash_reconcile(sale_id=sale.pk).ok
