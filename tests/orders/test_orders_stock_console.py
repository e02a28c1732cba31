"""Merchant stock in the merchant centre and the API: rows with their catalogue link, set with a reason
(an audited ``adjust`` movement), one row's ledger; another store's row is a 404."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mallops.audit.models import AuditEvent
from mallops.catalogue.fixtures import make_product
from mallops.orders.models import StockItem, StockLedger
from mallops.orders.stock import ledger_balance
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_order, make_stock

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reload(item: StockItem) -> StockItem:
    return StockItem.objects.unscoped(reason="test").get(pk=item.pk)


def _movements(item: StockItem) -> int:
    return StockLedger.objects.unscoped(reason="test").filter(item_id=item.pk).count()


def test_merchant_sets_stock_with_a_reason_in_the_console_and_sees_the_ledger():
    # given a row with 100 received and one order holding 1 unit
    merchant, owner = make_merchant()
    other, _ = make_merchant()
    order = make_order(merchant, qty=1)
    item = StockItem.objects.unscoped(reason="test").get(
        pk=order.lines.for_merchant(merchant.pk).get().item_id
    )
    theirs = make_stock(other, sku="THEIRS-1")
    client = _client(owner)
    # the list shows own rows only, in Chinese, with the menu entry
    page = client.get("/orders/merchant/stock/").content.decode()
    assert f"stock-{item.pk}" in page and "THEIRS-1" not in page
    assert "本店库存" in page and "可售" in page and 'href="/orders/merchant/stock/"' in page
    # when the merchant counts 7 available units after a stocktake
    response = client.post(f"/orders/merchant/stock/{item.pk}/set", {"available": "7", "reason": "盘点"})
    assert response.status_code == 302
    # then one adjust movement with the difference and the reason; reserved untouched; audited
    after = _reload(item)
    assert (after.available, after.reserved, after.sold) == (7, 1, 0)
    assert ledger_balance(after) == (7, 1, 0)
    last = StockLedger.objects.unscoped(reason="test").filter(item_id=item.pk).latest("pk")
    assert (last.kind, last.d_available, last.note) == ("adjust", 7 - item.available, "盘点")
    event = AuditEvent.objects.filter(action="orders.stock_set").get()
    assert event.actor_id == owner.pk and event.object_id == str(item.pk)
    assert event.before == {"available": item.available}
    assert event.after == {"available": 7, "change": 7 - item.available, "reason": "盘点"}
    # the row's page shows the ledger newest first, movements named in Chinese, the order number
    detail = client.get(f"/orders/merchant/stock/{item.pk}/").content.decode()
    assert detail.index("盘点") < detail.index(order.number)
    assert "由商家设置" in detail and "已入库" in detail
    # another store's row is a 404 for reading and setting, and nothing changes
    assert client.get(f"/orders/merchant/stock/{theirs.pk}/").status_code == 404
    refused = client.post(f"/orders/merchant/stock/{theirs.pk}/set", {"available": "0", "reason": "x y"})
    assert refused.status_code == 404 and _reload(theirs).available == theirs.available


@pytest.mark.parametrize(
    ("available", "reason"), [("-1", "盘点"), ("abc", "盘点"), ("5", ""), ("5", "x"), ("10000001", "盘点")]
)
def test_bad_console_input_writes_nothing(available, reason):
    merchant, owner = make_merchant()
    item = make_stock(merchant, available=10)
    client = _client(owner)
    response = client.post(
        f"/orders/merchant/stock/{item.pk}/set", {"available": available, "reason": reason}, follow=True
    )
    assert response.status_code == 200
    assert _reload(item).available == 10 and _movements(item) == 1
    assert not AuditEvent.objects.filter(action="orders.stock_set").exists()


def test_only_merchant_roles_that_handle_orders_see_stock():
    merchant, owner = make_merchant()
    make_stock(merchant)
    from mallops.testing.factories import make_member

    cs = make_member(merchant, "merchant_cs").user
    assert _client(cs).get("/orders/merchant/stock/").status_code == 403
    assert _client(make_staff("cs_agent")).get("/orders/merchant/stock/").status_code == 403
    assert _client(owner).get("/orders/merchant/stock/").status_code == 200


def test_api_sets_stock_with_a_key_and_shows_the_catalogue_link():
    merchant, owner = make_merchant()
    make_product(merchant.pk)  # SKUs, linked stock rows, listing never submitted
    plain = make_stock(merchant, sku="PLAIN-1", available=3, approved=False)
    api = ApiClient(token=token_for(owner))
    rows = {r["sku_code"]: r for r in json.loads(api.get_json("/api/v1/merchant/stock").content)["items"]}
    a1 = StockItem.objects.unscoped(reason="test").get(sku_code="A-1")
    assert rows["A-1"] | {"id": 0} == {
        "id": 0,
        "sku_code": "A-1",
        "title": a1.title,
        "price_fen": 3900,
        "available": 50,
        "reserved": 0,
        "sold": 0,
        "catalogue_sku_id": a1.catalogue_sku_id,
        "catalogue_sku_code": "A-1",
        "listing_status": None,
        "on_sale": False,
    }
    # no catalogue SKU: never sells (issue 16)
    assert (rows["PLAIN-1"]["catalogue_sku_id"], rows["PLAIN-1"]["on_sale"]) == (None, False)
    # set without a key: 428, nothing written
    url = f"/api/v1/merchant/stock/{plain.pk}/set"
    no_key = api.post_json(url, {"available": 9, "reason": "盘点"})
    assert no_key.status_code == 428 and _reload(plain).available == 3
    # bad input: 422 with field paths and stable codes, nothing written
    bad = api.post_json(url, {"available": -1, "reason": ""}, headers={"Idempotency-Key": "s0"})
    assert bad.status_code == 422
    problems = json.loads(bad.content)
    assert [(tuple(e["loc"]), e["code"]) for e in problems["errors"]] == [
        (("body", "available"), "invalid_qty"),
        (("body", "reason"), "reason_required"),
    ]
    assert _reload(plain).available == 3 and _movements(plain) == 1
    ok = api.post_json(url, {"available": 9, "reason": "盘点"}, headers={"Idempotency-Key": "s1"})
    assert ok.status_code == 200 and json.loads(ok.content)["available"] == 9
    again = api.post_json(url, {"available": 9, "reason": "盘点"}, headers={"Idempotency-Key": "s1"})
    assert again.status_code == 200 and _movements(plain) == 2
    ledger = json.loads(api.get_json(f"/api/v1/merchant/stock/{plain.pk}/ledger").content)["items"]
    assert [(r["kind"], r["d_available"], r["note"]) for r in ledger] == [
        ("adjust", 6, "盘点"),
        ("receive", 3, ""),
    ]
