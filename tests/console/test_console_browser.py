"""The console in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(chromium_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(locale="zh-CN")
        try:
            yield page
        finally:
            browser.close()


def test_staff_signs_in_and_sees_the_dashboard(live_server, browser_page):
    get_user_model().objects.create_user("ops", password="a-long-demo-pass", is_staff=True)
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "ops")
    page.fill("input[name=password]", "a-long-demo-pass")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=current-user]")
    assert page.inner_text("[data-testid=current-user]") == "ops"
    assert page.locator("[data-menu=dashboard]").count() == 1


@pytest.mark.req("R8.1.1")
def test_reviewer_signs_in_in_chinese_and_cannot_open_admin_pages(live_server, browser_page):
    from mallops.testing.factories import PASSWORD, make_staff

    make_staff("listing_reviewer", username="reviewer1")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    assert page.inner_text("h1") == "登录运营后台"
    page.fill("input[name=username]", "reviewer1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=current-user]")
    # the menu hides what the role may not use
    assert page.locator("[data-menu=admin]").count() == 0
    assert page.locator("[data-menu=audit]").count() == 0
    # and opening the pages directly is refused
    response = page.goto(f"{live_server.url}/audit/")
    assert response is not None and response.status == 403
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url


def test_wrong_password_shows_an_error(live_server, browser_page):
    get_user_model().objects.create_user("ops2", password="a-long-demo-pass")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "ops2")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").count() == 1
