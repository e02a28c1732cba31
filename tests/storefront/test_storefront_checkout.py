"""Checkout, sandbox payment and 我的订单 (issue 20, slice 3): the server prices the order, a page's
idempotency key places one order however often it is submitted, the coupon choice is the buyer's own."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from storefront_support import cart_post, live_product

from mallops.accounts.models import Address, User
from mallops.orders.models import Order
from mallops.storefront.models import CartLine
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch, make_promotion

pytestmark = pytest.mark.django_db


def _buyer() -> tuple[Client, User, int]:
    buyer = make_buyer()
    address = Address.objects.create(
        user=buyer,
        recipient="王小明",
        phone="13800138000",
        province="上海市",
        city="上海市",
        district="浦东新区",
        detail="测试路1号",
        is_default=True,
    )
    client = Client()
    client.force_login(buyer)
    return client, buyer, address.pk


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def test_checkout_places_one_order_per_page_key_then_pays_in_the_sandbox() -> None:
    # given 2 units of 99.00 in the cart and a live store 满100减20
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    make_promotion(merchant, status="live", name="满100减20")
    client, buyer, address_id = _buyer()
    cart_post(client, skus[0].code, 2)

    # when the checkout page is submitted twice (a double tap)
    page = client.get("/shop/checkout/").content.decode()
    assert "活动：满100减20" in page and "浦东新区" in page
    form = {
        "idempotency_key": _hidden(page, "idempotency_key"),
        "expected_total_fen": _hidden(page, "expected_total_fen"),
        "address": str(address_id),
        "coupon": "auto",
        "only": "",
    }
    first = client.post("/shop/checkout/", form)
    second = client.post("/shop/checkout/", form)

    # then one order, priced by the server, the cart emptied, both answers on the same pay page
    orders = list(Order.objects.unscoped(reason="test").filter(buyer=buyer))
    assert len(orders) == 1
    order = orders[0]
    assert (order.subtotal_fen, order.discount_fen, order.paid_fen, order.status) == (
        19800,
        2000,
        17800,
        "created",
    )
    assert order.ship_district == "浦东新区"
    assert first["Location"] == second["Location"] == f"/shop/pay/{order.checkout_id}/"
    assert CartLine.objects.filter(buyer=buyer).count() == 0

    # and the sandbox payment marks it paid; 我的订单 shows it in Chinese
    assert "¥178.00" in client.get(first["Location"]).content.decode()
    assert client.post(first["Location"])["Location"] == "/shop/orders/"
    order.refresh_from_db()
    assert order.status == "paid"
    listing = client.get("/shop/orders/").content.decode()
    assert order.number in listing and "待发货" in listing
    assert "待发货" in client.get(f"/shop/orders/{order.pk}/").content.decode()


def test_a_changed_price_is_not_charged_and_the_page_asks_again() -> None:
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    client, buyer, address_id = _buyer()
    cart_post(client, skus[0].code, 1)
    page = client.get("/shop/checkout/").content.decode()

    response = client.post(
        "/shop/checkout/",
        {
            "idempotency_key": _hidden(page, "idempotency_key"),
            "expected_total_fen": "1",  # a total the server would not charge
            "address": str(address_id),
            "coupon": "auto",
        },
    )

    assert response.status_code == 302 and response["Location"].startswith("/shop/checkout/?")
    assert Order.objects.unscoped(reason="test").filter(buyer=buyer).count() == 0
    assert CartLine.objects.filter(buyer=buyer).count() == 1


def test_coupon_choice_none_and_buy_now_orders_only_that_sku() -> None:
    # given a claimed 满199减30 coupon, and two SKUs in the cart; 立即购买 of the first one
    from mallops.pricing.coupons import coupon_claim

    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    make_batch(merchant, name="满199减30", claim_code="SFBUY")
    client, buyer, address_id = _buyer()
    coupon_claim(buyer=buyer, code="SFBUY")
    cart_post(client, skus[1].code, 1)
    bought = client.post("/shop/cart/add/", {"sku": skus[0].code, "qty": 3, "buy_now": "1"})
    assert bought["Location"] == f"/shop/checkout/?only={skus[0].code}"

    # when the buyer keeps the coupon for later
    page = client.get(bought["Location"] + "&coupon=none").content.decode()
    assert "满199减30" in page
    client.post(
        "/shop/checkout/",
        {
            "idempotency_key": _hidden(page, "idempotency_key"),
            "expected_total_fen": _hidden(page, "expected_total_fen"),
            "address": str(address_id),
            "coupon": "none",
            "only": skus[0].code,
        },
    )

    # then the order holds the one SKU at full price; the other line stays in the cart
    order = Order.objects.unscoped(reason="test").get(buyer=buyer)
    assert (order.subtotal_fen, order.discount_fen, order.paid_fen) == (29700, 0, 29700)
    assert list(CartLine.objects.filter(buyer=buyer).values_list("sku_code", flat=True)) == [skus[1].code]


def test_another_buyers_checkout_and_order_are_not_found() -> None:
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    client, _buyer_user, address_id = _buyer()
    cart_post(client, skus[0].code, 1)
    page = client.get("/shop/checkout/").content.decode()
    placed = client.post(
        "/shop/checkout/",
        {
            "idempotency_key": _hidden(page, "idempotency_key"),
            "expected_total_fen": _hidden(page, "expected_total_fen"),
            "address": str(address_id),
        },
    )
    order = Order.objects.unscoped(reason="test").get()
    other, _other_user, _ = _buyer()

    assert other.get(placed["Location"]).status_code == 404
    assert other.post(placed["Location"]).status_code == 404
    assert other.get(f"/shop/orders/{order.pk}/").status_code == 404
    order.refresh_from_db()
    assert order.status == "created"
