"""Flash sales created, edited and cancelled in the console (merchant centre and operations) and the API:
price in yuan stored as fen, quantity reserved from stock, price-law checks shown under the price with
their article, tenancy, audit, Idempotency-Key on the POSTs that move stock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.orders.flash import services as flash
from mallops.orders.models import FlashSale, StockItem
from mallops.pricing.services import price_observation_record
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _local(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _form(item: StockItem, **changes: str) -> dict[str, str]:
    data = {
        "item": str(item.pk),
        "title": "限量发售 秒杀",
        "flash_price_fen": "49.50",
        "quantity": "10",
        "per_buyer_limit": "2",
        "starts_at": _local(timedelta(hours=2)),
        "ends_at": _local(timedelta(hours=5)),
    }
    data.update(changes)
    return data


def _stock(item: StockItem) -> tuple[int, int]:
    row = StockItem.objects.unscoped(reason="test").get(pk=item.pk)
    return row.available, row.reserved


def _sales():
    return FlashSale.objects.unscoped(reason="test")


def _actions(sale: FlashSale) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="orders.flashsale", object_id=str(sale.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.mark.req("R2.3.1")
def test_merchant_creates_edits_and_cancels_a_flash_sale_and_stock_follows():
    merchant, owner = make_merchant()
    item = make_stock(merchant, price_fen=9900, available=100)
    client = _client(owner)
    assert client.get("/orders/flash-sales/store/").status_code == 200
    form = client.get("/orders/flash-sales/store/new/").content.decode()
    assert item.sku_code in form
    response = client.post("/orders/flash-sales/store/new/", _form(item))
    assert response.status_code == 302 and response["Location"] == "/orders/flash-sales/store/"
    sale = _sales().get(item=item)
    assert (sale.merchant_id, sale.flash_price_fen, sale.quantity, sale.per_buyer_limit) == (
        merchant.pk,
        4950,
        10,
        2,
    )
    assert _stock(item) == (90, 10)
    listing = client.get("/orders/flash-sales/store/").content.decode()
    assert "限量发售 秒杀" in listing and "¥49.50" in listing
    assert f'href="/orders/flash-sales/store/{sale.pk}/edit"' in listing  # not started: editable
    assert client.get(f"/orders/flash-sales/store/{sale.pk}/edit").status_code == 200
    # edit before the start: 5 more units are reserved, the price changes
    response = client.post(
        f"/orders/flash-sales/{sale.pk}/edit", _form(item, quantity="15", flash_price_fen="45")
    )
    assert response.status_code == 302
    sale.refresh_from_db()
    assert (sale.quantity, sale.flash_price_fen) == (15, 4500) and _stock(item) == (85, 15)
    # cancel: nothing sold, every unit goes back; buying is refused
    client.post(f"/orders/flash-sales/{sale.pk}/cancel")
    sale.refresh_from_db()
    assert sale.finalized and sale.cancelled_at is not None and _stock(item) == (100, 0)
    assert _actions(sale) == [
        "orders.flash_sale_create",
        "orders.flash_sale_update",
        "orders.flash_sale_cancel",
    ]
    update = AuditEvent.objects.get(action="orders.flash_sale_update")
    assert update.before["quantity"] == 10 and update.after["quantity"] == 15
    with pytest.raises(DomainError) as refused:
        flash.flash_attempt(
            actor=actor_of(make_buyer()), sale_id=sale.pk, now=sale.starts_at + timedelta(minutes=1)
        )
    assert refused.value.code == "flash_ended"


@pytest.mark.req("R2.3.3")
def test_flash_price_must_be_below_the_lawful_reference_price_shown_with_its_article():
    merchant, owner = make_merchant()
    item = make_stock(merchant, price_fen=9900, available=100)
    now = timezone.now()
    # sold at 80 yuan five days ago, raised to 99 yuan yesterday
    price_observation_record(
        merchant_id=merchant.pk, sku=item.sku_code, price_fen=8000, at=now - timedelta(days=5)
    )
    price_observation_record(
        merchant_id=merchant.pk, sku=item.sku_code, price_fen=9900, at=now - timedelta(days=1)
    )
    client = _client(owner)
    page = client.post("/orders/flash-sales/new/", _form(item, flash_price_fen="85.00"))
    html = page.content.decode()
    assert page.status_code == 200 and not _sales().filter(item=item).exists()
    assert "秒杀价 85元 不低于活动开始前7日内的最低成交价 80元" in html
    assert "明码标价和禁止价格欺诈规定第十六条" in html
    assert "先涨后降" in html and "明码标价和禁止价格欺诈规定第十七条" in html
    assert _stock(item) == (100, 0)


def test_quantity_beyond_available_stock_is_refused_under_the_field():
    merchant, owner = make_merchant()
    item = make_stock(merchant, price_fen=9900, available=5)
    page = _client(owner).post("/orders/flash-sales/new/", _form(item, quantity="6"))
    assert page.status_code == 200 and not _sales().filter(item=item).exists()
    assert _stock(item) == (5, 0)


def test_another_store_cannot_see_use_or_change_a_flash_sale():
    merchant, owner = make_merchant()
    other, other_owner = make_merchant()
    item = make_stock(merchant, price_fen=9900, available=100)
    theirs = make_stock(other, price_fen=5000, available=100)
    _client(owner).post("/orders/flash-sales/new/", _form(item))
    sale = _sales().get(item=item)
    stranger = _client(other_owner)
    assert stranger.get(f"/orders/flash-sales/{sale.pk}/edit").status_code == 404
    assert stranger.post(f"/orders/flash-sales/{sale.pk}/edit", _form(item, quantity="1")).status_code == 404
    assert stranger.post(f"/orders/flash-sales/{sale.pk}/cancel").status_code == 404
    assert "限量发售" not in stranger.get("/orders/flash-sales/store/").content.decode()
    # a merchant cannot pick another store's SKU
    page = _client(owner).post("/orders/flash-sales/new/", _form(theirs))
    assert page.status_code == 200 and not _sales().filter(item=theirs).exists()
    sale.refresh_from_db()
    assert sale.quantity == 10 and not sale.finalized
    assert _client(make_staff("cs_agent")).get("/orders/flash-sales/new/").status_code == 403


def test_a_started_sale_cannot_be_edited_and_operations_manage_any_store():
    merchant, _owner = make_merchant()
    item = make_stock(merchant, price_fen=9900, available=100)
    ops = _client(make_staff("product_ops"))
    response = ops.post("/orders/flash-sales/new/", _form(item, starts_at=_local(timedelta(minutes=-5))))
    assert response.status_code == 302 and response["Location"] == "/orders/flash-sales/"
    sale = _sales().get(item=item)
    assert sale.merchant_id == merchant.pk
    monitor = ops.get("/orders/flash-sales/").content.decode()
    assert f"flash-cancel-{sale.pk}" in monitor and f"flash-edit-{sale.pk}" not in monitor  # running
    assert 'data-testid="flash-sales-table"' in monitor and 'class="sort' in monitor  # the DataTable
    assert f'data-testid="sale-{sale.pk}"' in monitor and 'data-status="running"' in monitor
    cancelled_only = ops.get("/orders/flash-sales/", {"state": "cancelled"}).content.decode()
    assert f'data-testid="sale-{sale.pk}"' not in cancelled_only
    ops.post(f"/orders/flash-sales/{sale.pk}/edit", _form(item, quantity="20"))
    sale.refresh_from_db()
    assert sale.quantity == 10 and _stock(item) == (90, 10)
    ops.post(f"/orders/flash-sales/{sale.pk}/cancel")
    sale.refresh_from_db()
    assert sale.cancelled_at is not None and _stock(item) == (100, 0)
    cancelled_only = ops.get("/orders/flash-sales/", {"state": "cancelled"}).content.decode()
    assert f'data-testid="sale-{sale.pk}"' in cancelled_only


def test_api_create_needs_an_idempotency_key_and_edits_and_cancels():
    merchant, owner = make_merchant()
    _other, other_owner = make_merchant()
    item = make_stock(merchant, price_fen=9900, available=100)
    api = ApiClient(token=token_for(owner))
    starts = timezone.now() + timedelta(hours=1)
    body = {
        "sku_code": item.sku_code,
        "title": "秒杀",
        "flash_price_fen": 5000,
        "quantity": 20,
        "per_buyer_limit": 1,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }
    assert api.post_json("/api/v1/merchant/flash-sales", body).status_code == 428
    created = api.post_json("/api/v1/merchant/flash-sales", body, headers={"Idempotency-Key": "f1"})
    assert created.status_code == 201, created.content
    sale_id = json.loads(created.content)["id"]
    replay = api.post_json("/api/v1/merchant/flash-sales", body, headers={"Idempotency-Key": "f1"})
    assert replay["Idempotent-Replayed"] == "true" and _sales().count() == 1 and _stock(item) == (80, 20)
    # another store's SKU code is unknown to this store
    stranger = ApiClient(token=token_for(other_owner))
    unknown = stranger.post_json("/api/v1/merchant/flash-sales", body, headers={"Idempotency-Key": "f2"})
    assert unknown.status_code == 422 and json.loads(unknown.content)["errors"][0]["code"] == "unknown_sku"
    terms = {k: v for k, v in body.items() if k != "sku_code"} | {"quantity": 30}
    edited = api.patch(
        f"/api/v1/merchant/flash-sales/{sale_id}",
        data=terms,
        content_type="application/json",
        headers=api._headers(None),
    )
    assert (
        edited.status_code == 200
        and json.loads(edited.content)["quantity"] == 30
        and _stock(item) == (70, 30)
    )
    assert (
        stranger.post_json(
            f"/api/v1/merchant/flash-sales/{sale_id}/cancel", {}, headers={"Idempotency-Key": "x"}
        ).status_code
        == 404
    )
    cancelled = api.post_json(
        f"/api/v1/merchant/flash-sales/{sale_id}/cancel", {}, headers={"Idempotency-Key": "c1"}
    )
    assert cancelled.status_code == 200 and json.loads(cancelled.content)["cancelled_at"] is not None
    assert _stock(item) == (100, 0)
