"""Console: the order detail page for the platform and for the store (issue 14, item 5)."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Address
from mallops.aftersales.services import LineIn, request_approve, request_create
from mallops.orders.models import Order
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _buyer():
    buyer = make_buyer()
    buyer.display_name, buyer.phone = "韩梅梅", "13700001111"
    buyer.save()
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
    return buyer


def _order(merchant) -> Order:
    # lines 33.33 × 2 and 10.01 × 3 (subtotal 96.69), a store discount of 10.01 spread over them
    order = delivered_order(merchant, buyer=_buyer())
    line = order.lines.unscoped(reason="test").order_by("pk").first()
    req = request_create(
        actor=actor_of(order.buyer),
        order_id=order.pk,
        kind="refund",
        classification="product",
        reason="尺码不合适",
        lines=[LineIn(line.pk, 1)],
    )
    request_approve(actor=None, request_id=req.pk, merchant_id=merchant.pk, auto=True)
    order.refresh_from_db()
    return order


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_platform_order_detail_shows_lines_shares_payment_shipment_refund_and_timeline():
    merchant, _ = make_merchant("鲜果小铺")
    order = _order(merchant)
    lines = list(order.lines.unscoped(reason="test").order_by("pk"))
    # the store discount's shares as the checkout stored them: largest remainder of 10.01 over 66.66 / 30.03
    assert [ln.discount_fen for ln in lines] == [690, 311]
    assert [ln.paid_fen for ln in lines] == [5976, 2692]
    page = _text(_client(make_staff("cs_agent")).get(f"/orders/{order.pk}/"))
    assert order.number in page and "鲜果小铺" in page
    assert "¥96.69" in page and "−¥10.01" in page and "¥86.68" in page
    # each line's share of the discount, and the total under the discount's own column
    assert page.count('data-testid="share">−¥6.90<') == 1 and page.count('data-testid="share">−¥3.11<') == 1
    assert 'data-testid="offer-total">−¥10.01<' in page
    assert "¥33.33" in page and "¥66.66" in page and "¥59.76" in page and "¥26.92" in page
    # payment, shipment, the partial refund of one unit of line 1 (59.76 / 2 = 29.88) and its request
    assert 'data-testid="payments"' in page and "支付成功" in page
    assert "顺丰速运" in page and order.tracking_number in page
    assert order.refunded_fen == 2988 and 'data-testid="refunded">¥29.88<' in page
    assert "¥29.88" in page.split('data-testid="refunds"')[1]
    timeline = page.split('data-testid="order-timeline"')[1]
    for step in ("已下单", "支付成功", "已发货", "已签收", "部分退款"):
        assert step in timeline
    assert timeline.index("已下单") < timeline.index("已发货") < timeline.index("部分退款")


def test_detail_and_lists_mask_the_buyer_and_link_the_detail():
    merchant, owner = make_merchant("鲜果小铺")
    order = _order(merchant)
    staff = _client(make_staff("cs_agent"))
    listing = _text(staff.get("/orders/"))
    assert f'href="/orders/{order.pk}/"' in listing and "鲜果小铺" in listing
    assert "韩*" in listing and "137****1111" in listing
    shop_list = _text(_client(owner).get("/orders/merchant/"))
    assert f'href="/orders/merchant/{order.pk}/"' in shop_list
    line = order.lines.for_merchant(merchant.pk).order_by("pk").first()
    assert line is not None and line.title and f"{line.title} × {line.qty}" in shop_list  # the goods by name
    for page in (
        _text(staff.get(f"/orders/{order.pk}/")),
        _text(_client(owner).get(f"/orders/merchant/{order.pk}/")),
    ):
        assert "韩*" in page and "137****1111" in page and "四川省成都市武侯区 ****" in page
        assert "韩梅梅" not in page and "13700001111" not in page and "人民南路" not in page


def test_merchant_sees_its_own_order_and_gets_404_for_another_stores():
    merchant_a, owner_a = make_merchant()
    _merchant_b, owner_b = make_merchant()
    order = _order(merchant_a)
    page = _text(_client(owner_a).get(f"/orders/merchant/{order.pk}/"))
    assert order.number in page and 'data-testid="offer-total">−¥10.01<' in page
    # the payment covers the whole checkout: a store sees its status, not the payment's amount
    assert "整单支付金额" not in page
    assert _client(owner_b).get(f"/orders/merchant/{order.pk}/").status_code == 404
    assert _client(owner_a).get(f"/orders/{order.pk}/").status_code == 403
    assert _client(make_staff("data_ops")).get(f"/orders/{order.pk}/").status_code == 403
    assert _client(make_staff("cs_agent")).get("/orders/999999/").status_code == 404
