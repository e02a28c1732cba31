"""Points on the storefront checkout page (R2.3.1, issue 21): the buyer sees their points and the most
this order may use, the quote shows what the points pay, and the placed order uses the server's capped
number, never the posted one."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from storefront_support import cart_post, live_product

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Address
from mallops.membership.models import PointsAccount
from mallops.membership.points import points_adjust
from mallops.orders.models import Checkout, Order
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_promotion

pytestmark = pytest.mark.django_db


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def test_checkout_page_uses_points_capped_by_the_server() -> None:
    # given 2 × 99.00 with 满100减20 (payable 178.00) and a buyer holding 10000 points (100.00 元);
    # at most 50 % of 178.00 may be paid with points: 8900 points
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    make_promotion(merchant, status="live", name="满100减20")
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
    points_adjust(
        actor=actor_of(make_staff("product_ops")), buyer_id=buyer.pk, delta=10000, reason="开业赠送"
    )
    client = Client()
    client.force_login(buyer)
    cart_post(client, skus[0].code, 2)

    # when the buyer asks for 3000 points, the quote shows what they pay and the cash left
    page = client.get("/shop/checkout/?coupon=auto&points=3000").content.decode()
    assert "可用积分 10000，价值 ¥100.00" in page
    assert 'name="points" inputmode="numeric" min="0" max="8900"' in page
    assert "积分抵扣（3000 积分）</span><span>-¥30.00" in page
    assert "实付</span><span>¥148.00" in page
    assert _hidden(page, "points") == "3000"

    # and a tampered form asks for more than the buyer may use
    form = {
        "idempotency_key": _hidden(page, "idempotency_key"),
        "expected_total_fen": _hidden(page, "expected_total_fen"),
        "address": str(address.pk),
        "coupon": "auto",
        "only": "",
        "points": "999999",
    }
    answer = client.post("/shop/checkout/", form)

    # then the order uses the capped 8900 points (89.00), the buyer pays 89.00 in cash, and the balance
    # falls by exactly those points
    order = Order.objects.unscoped(reason="test").get(buyer=buyer)
    assert answer["Location"] == f"/shop/pay/{order.checkout_id}/"
    checkout = Checkout.objects.get(pk=order.checkout_id)
    assert checkout.quote["points"] == {"balance": 10000, "used": 8900, "fen": 8900, "cash_total": 8900}
    assert (order.discount_fen, order.paid_fen) == (2000, 8900)
    assert PointsAccount.objects.get(buyer_id=buyer.pk).available == 10000 - 8900
