"""One buyer journey in Chromium at 390 × 844 (issue 20): search → product → add to cart → the quote shows
the discount → checkout → pay in the sandbox. Leaves a screenshot of each step in the test's tmp dir."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("MALLOPS_STOREFRONT_SHOTS", "")


@pytest.mark.req("R2.2.2")
def test_phone_buyer_searches_buys_and_pays(
    live_server: Any, chromium_path: str, seeded_rows: None, tmp_path: Path
) -> None:
    from django.conf import settings
    from django.test import Client
    from storefront_support import live_product

    from mallops.accounts.models import Address
    from mallops.orders.models import Order
    from mallops.orders.testing import make_buyer
    from mallops.pricing.testing import make_promotion
    from mallops.testing.factories import make_merchant

    # given a live product under a store 满100减20 and a signed-in buyer with an address
    merchant, _owner = make_merchant()
    live_product(merchant, title="不锈钢保温杯 旅行款")
    make_promotion(merchant, status="live", name="满100减20", rules_text="【满100减20】满100元减20元")
    buyer = make_buyer()
    Address.objects.create(
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
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN", is_mobile=True
        )
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        try:
            # when: search, open the product, add two units to the cart
            page.goto(f"{live_server.url}/shop/")
            page.fill("input[name=q]", "保温杯")
            page.press("input[name=q]", "Enter")
            page.click("text=不锈钢保温杯 旅行款")
            page.wait_for_selector("h1.pd-title")
            page.screenshot(path=str(tmp_path / "1-product.png"), full_page=True)
            page.fill("input[name=qty]", "2")
            page.click("button.btn-cart")
            page.wait_for_selector(".quote")
            # then the cart quote shows the discount and the payable
            assert "活动：满100减20" in page.inner_text(".quote")
            assert "¥178.00" in page.inner_text(".q-total")
            page.screenshot(path=str(tmp_path / "2-cart.png"), full_page=True)
            # checkout, then pay in the sandbox
            page.click("text=去结算")
            page.wait_for_selector("text=确认订单")
            page.screenshot(path=str(tmp_path / "3-checkout.png"), full_page=True)
            page.click("text=提交订单")
            page.wait_for_selector("text=收银台")
            page.click("text=确认支付")
            page.wait_for_selector("text=我的订单")
            page.screenshot(path=str(tmp_path / "4-orders.png"), full_page=True)
            assert "待发货" in page.inner_text("main")
            # the page is a phone page: nothing wider than the viewport
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()

    order = Order.objects.unscoped(reason="test").get(buyer=buyer)
    assert (order.paid_fen, order.status) == (17800, "paid")
    if SHOTS:
        for shot in tmp_path.glob("*.png"):
            shutil.copy(shot, Path(SHOTS) / shot.name)
