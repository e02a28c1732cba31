"""Confirmation before what cannot be undone on the storefront (docs/storefront.md, 确认): the page carries
``data-confirm`` and the project's own ``confirm.js``; without JavaScript the form still posts and the server
acts (the dialog is a courtesy, the server checks)."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.orders.models import Order
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer, make_order

pytestmark = pytest.mark.django_db


def test_an_unpaid_order_is_cancelled_after_a_confirm_and_only_by_its_buyer() -> None:
    merchant, _owner = make_merchant()
    order = make_order(merchant)
    client = Client()
    client.force_login(order.buyer)

    page = client.get(f"/shop/orders/{order.pk}/").content.decode()
    assert f'action="/shop/orders/{order.pk}/cancel/" data-confirm="取消这个订单？' in page
    assert '<dialog id="shop-confirm"' in page and "/static/storefront/confirm.js" in page
    assert "https://" not in page.split("<main", 1)[0]  # served by the project, no CDN

    # another buyer's post changes nothing
    stranger = Client()
    stranger.force_login(make_buyer())
    assert stranger.post(f"/shop/orders/{order.pk}/cancel/").status_code == 404
    assert Order.objects.unscoped(reason="test").get(pk=order.pk).status == "created"

    # the no-JS post (what the dialog's 确定 sends too) cancels it
    done = client.post(f"/shop/orders/{order.pk}/cancel/", follow=True).content.decode()
    assert Order.objects.unscoped(reason="test").get(pk=order.pk).status == "cancelled"
    assert "订单已取消" in done and "取消订单</button>" not in done
    # a second post is refused with words, not an error page
    again = client.post(f"/shop/orders/{order.pk}/cancel/", follow=True).content.decode()
    assert "当前订单不能取消" in again


def test_receipt_address_deletion_and_consent_withdrawal_ask_first() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src/mallops/storefront/templates/storefront"
    assert 'data-confirm="确认已收到商品？"' in (root / "order.html").read_text()
    assert 'data-confirm="删除这个收货地址？"' in (root / "account/addresses.html").read_text()
    privacy = (root / "account/privacy.html").read_text()
    assert privacy.count("data-confirm=") == 2  # 关闭个性化推荐 and 撤回同意
