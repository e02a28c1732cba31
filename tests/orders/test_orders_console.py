"""Console pages: operations' order list, the merchant's orders with the ship form, flash sales."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_order

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_operations_see_the_order_list_and_others_do_not():
    merchant, _ = make_merchant()
    order = make_order(merchant)
    page = _client(make_staff("cs_agent")).get("/orders/")
    assert page.status_code == 200 and order.number in page.content.decode()
    assert _client(make_staff("data_ops")).get("/orders/").status_code == 403


def test_merchant_ships_from_the_console_and_sees_only_its_orders():
    from mallops.accounts.models import Address
    from mallops.testing.orders import make_buyer

    merchant, owner = make_merchant()
    other, _ = make_merchant()
    buyer = make_buyer()
    Address.objects.create(
        user=buyer,
        recipient="韩梅梅",
        phone="13700001111",
        province="四川省",
        city="成都市",
        district="武侯区",
        detail="人民南路 4 段 9 号",
        is_default=True,
    )
    order = make_order(merchant, buyer=buyer)
    theirs = make_order(other)
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    order_transition(actor=None, order_id=theirs.pk, event=Event.PAY)
    client = _client(owner)
    page = client.get("/orders/merchant/").content.decode()
    assert order.number in page and theirs.number not in page and f"ship-{order.pk}" in page
    # the list masks the buyer's contact data; only the shipping step shows the full label (issue 14)
    assert "韩*" in page and "137****1111" in page and "四川省成都市武侯区****" in page
    assert "韩梅梅" not in page and "13700001111" not in page and "人民南路" not in page
    ship_page = client.get(f"/orders/merchant/{order.pk}/ship").content.decode()
    assert "韩梅梅" in ship_page and "13700001111" in ship_page and "人民南路 4 段 9 号" in ship_page
    assert "顺丰速运" in ship_page
    assert client.get(f"/orders/merchant/{theirs.pk}/ship").status_code == 403
    client.post(f"/orders/merchant/{order.pk}/ship", {"carrier": "SF", "tracking_number": "SF998877"})
    order.refresh_from_db()
    assert order.status == "shipped" and order.tracking_number == "SF998877"
    assert (
        client.post(
            f"/orders/merchant/{theirs.pk}/ship", {"carrier": "SF", "tracking_number": "X12345"}
        ).status_code
        == 403
    )
    assert client.get("/orders/merchant/export.xlsx").status_code == 200


def test_flash_sale_page_and_live_counters():
    from datetime import timedelta

    from django.utils import timezone

    from mallops.orders.flash.services import flash_sale_create
    from mallops.testing.orders import make_stock

    merchant, _ = make_merchant()
    item = make_stock(merchant, price_fen=1000)
    ops = make_staff("product_ops")
    sale = flash_sale_create(
        actor=actor_of(ops),
        sku_code=item.sku_code,
        title="限量发售",
        flash_price_fen=500,
        quantity=10,
        per_buyer_limit=1,
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    client = _client(ops)
    assert "限量发售" in client.get("/orders/flash-sales/").content.decode()
    counters = json.loads(client.get("/orders/flash-sales/counters.json").content)
    assert counters["sales"][0] == {
        "id": sale.pk,
        "claimed": 0,
        "quantity": 10,
        "left": 10,
        "redis_stock": None,
        "finalized": False,
    }
