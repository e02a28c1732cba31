"""The design system in a real browser: the confirmation dialog, the phone menu, no sideways scrolling."""

from __future__ import annotations

import os

import pytest

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product
from mallops.review import services
from mallops.review.models import Listing, ListingStatus
from mallops.testing.factories import PASSWORD, make_merchant, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(chromium_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            yield launched
        finally:
            launched.close()


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=current-user]")


def test_approving_asks_first_and_cancel_changes_nothing(live_server, browser, seeded_rows):
    merchant, _owner = make_merchant()
    listing = services.listing_create(
        actor=actor_of(None), merchant_id=merchant.pk, product_id=make_product(merchant.pk).pk
    )
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    make_staff("listing_reviewer", username="reviewer9")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    _sign_in(page, live_server.url, "reviewer9")
    page.goto(f"{live_server.url}/review/listings/{listing.pk}/")
    page.click("[data-testid=claim]")
    # approve and reject look different
    approve_class = page.get_attribute("[data-testid=approve]", "class")
    reject_class = page.get_attribute("[data-testid=reject]", "class")
    assert "btn-success" in approve_class and "btn-danger" in reject_class

    page.click("[data-testid=approve]")
    dialog = page.locator("dialog#console-confirm")
    assert dialog.is_visible()
    assert "买家" in dialog.inner_text()
    dialog.locator("button[value=cancel]").click()
    assert not dialog.is_visible()
    assert Listing.objects.unscoped(reason="test").get(pk=listing.pk).status != ListingStatus.LIVE

    page.click("[data-testid=approve]")
    with page.expect_navigation():
        dialog.locator("button[value=ok]").click()
    assert Listing.objects.unscoped(reason="test").get(pk=listing.pk).status == ListingStatus.LIVE
    assert page.locator(".toast").count() >= 1


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/orders/merchant/",
        "/orders/merchant/stock/",
        "/review/mine/products/",
        "/aftersales/merchant/",
        "/service/store/",
        "/promotions/",
    ],
)
def test_merchant_pages_fit_a_phone(live_server, browser, path):
    make_merchant(owner="shop-owner")
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    _sign_in(page, live_server.url, "shop-owner")
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the menu waits behind the 菜单 button and opens on a tap
    assert not page.locator("#console-sidebar").is_visible()
    page.click("label.menu-button")
    assert page.locator("#console-sidebar").is_visible()
    assert page.locator("#console-sidebar [data-menu=merchant_orders]").is_visible()
