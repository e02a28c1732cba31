"""Journeys: each role does its main task through clicks in Chromium (issue 14, "Done when").

One module-scoped fixture (``world``) builds every row the journeys start from with the apps' own
factories and services, then starts one live server; one Chromium serves every journey. The tests carry
the plain ``django_db`` marker (it makes pytest-django create the test database) rather than
``transaction=True``, whose flush after each test would wipe the shared rows. On in-memory SQLite the server
thread runs on the test's connection, so a journey's writes roll back with its test; on PostgreSQL they are
committed, so each journey works on rows of its own (the merchant gets one order, return and ticket per
width) and never counts rows another journey changes. The module's teardown flushes the database.

Screenshots: var/screenshots/journeys/<role>-<step>-<width>.png (the merchant at 390 px at every step).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.testing.factories import PASSWORD, make_merchant, make_staff
from mallops.testing.seeds import reseed

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "journeys"


@dataclass
class World:
    url: str
    server: Any
    ids: dict[str, Any] = field(default_factory=dict)


def _seed() -> None:
    import importlib

    from django.apps import apps

    for module, function in [
        ("mallops.catalogue.migrations.0002_seed_categories", "seed"),
        ("mallops.service.migrations.0002_seed_policies", "seed"),
    ]:
        getattr(importlib.import_module(module), function)(apps, None)


def _build(ids: dict[str, Any]) -> None:
    """Every row the journeys start from, through the apps' own factories and services."""
    from mallops.analytics.services import events_ingest
    from mallops.catalogue.fixtures import make_product
    from mallops.dsr.requests import request_submit
    from mallops.review import services as review
    from mallops.service.configuration import agent_profile_create, reply_template_create
    from mallops.service.models import TicketSla
    from mallops.service.services import ticket_create
    from mallops.testing.aftersales import delivered_order, make_request
    from mallops.testing.orders import make_buyer

    _seed()
    merchant, owner = make_merchant("云杉旗舰店", owner="shop-owner")
    ids["merchant"] = merchant.pk
    # the reviewer's queue: a clean listing and one with two claims a person must check
    flagged: dict[str, Any] = {"title": "手工陶瓷马克杯 纯天然釉料", "selling_points": ["好评率高"]}
    for name, overrides in [("clean", {}), ("flagged", flagged)]:
        product = make_product(merchant.pk, **overrides)
        listing = review.listing_create(actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk)
        review.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
        ids[f"listing_{name}"] = listing.pk
    make_staff("listing_reviewer", username="reviewer")
    # the merchant runs at two widths; each run gets its own order, return and ticket
    for width in (1440, 390):
        ids[f"order_{width}"] = delivered_order(merchant, status="paid").pk
        ids[f"return_{width}"] = make_request(merchant, kind="return").pk
        ids[f"ticket_store_{width}"] = ticket_create(
            actor=actor_of(make_buyer()),
            subject=f"商品咨询{width}",
            description="请问这款商品有现货吗",
            channel="app",
            category="product",
            merchant_id=merchant.pk,
        ).pk
    supervisor = make_staff("cs_supervisor", username="cs-supervisor")
    agent = make_staff("cs_agent", username="cs-agent")
    agent_profile_create(actor=actor_of(supervisor), user_id=agent.pk, skills=["logistics"])
    reply_template_create(
        actor=actor_of(supervisor),
        title="物流查询",
        category="logistics",
        keywords="物流 快递 包裹 到哪",
        body="您好，您的包裹已发出，物流信息每天更新，请耐心等待。",
    )
    ids["ticket_agent"] = ticket_create(
        actor=actor_of(make_buyer()),
        subject="包裹到哪了",
        description="我的快递包裹三天没有物流更新了",
        channel="app",
        category="logistics",
    ).pk
    breached = [
        ticket_create(
            actor=actor_of(make_buyer()),
            subject=f"退款迟迟未到 {i}",
            description="退款没有到账",
            channel="app",
            category="return",
        ).pk
        for i in (1, 2)
    ]
    now = timezone.now()
    TicketSla.objects.filter(ticket_id__in=breached).update(
        warn_at=now - timedelta(minutes=40),
        due_at=now - timedelta(minutes=30),
        breached_at=now - timedelta(minutes=30),
    )
    ids["breached"] = breached
    make_staff("data_ops", username="data-ops")
    # four visitors two days ago: 4 view, 3 add to cart, 2 pay; two of them come back the next day
    day = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=2)
    events: list[dict[str, Any]] = []
    for n, last in enumerate(["order_paid", "order_paid", "add_to_cart", "page_view"]):
        steps = ["page_view", "add_to_cart", "order_paid"]
        for minute, name in enumerate(steps[: steps.index(last) + 1]):
            props = {"order_id": f"J{n}", "amount_fen": 9900} if name == "order_paid" else {}
            events.append(_event(f"{n}-{name}", name, f"v{n}", day + timedelta(minutes=minute), props))
        if n < 2:
            events.append(_event(f"{n}-back", "page_view", f"v{n}", day + timedelta(days=1), {}))
    events_ingest(events=events)
    make_staff("compliance_auditor", username="auditor")
    ids["dsr"] = request_submit(actor=actor_of(make_buyer("buyer-dsr")), kind="access").pk
    make_staff("platform_admin", username="admin")
    ids["owner"] = owner.pk


def _event(uid: str, name: str, who: str, at: Any, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": f"journey-{uid}",
        "event": name,
        "distinct_id": who,
        "timestamp": at.isoformat(),
        "properties": props,
    }


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.core.management import call_command
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    from mallops.analytics.storage import reset_stores

    with (
        django_db_blocker.unblock(),
        override_settings(
            ANALYTICS_STORE_DIR=str(tmp_path_factory.mktemp("analytics")),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        reset_stores()
        ids: dict[str, Any] = {}
        _build(ids)
        server = LiveServer("localhost")

        server._live_server_modified_settings.enable()
        try:
            yield World(url=server.url, ids=ids, server=server)
        finally:
            server._live_server_modified_settings.disable()
            server.thread.terminate()
            call_command("flush", interactive=False, verbosity=0)
            # the next tests of this worker expect the rows the data migrations seed (calendar, categories,
            # SLA policies, risk register)
            reseed()
            reset_stores()


@pytest.fixture(autouse=True)
def _server_shares_the_test_connection(world: World, browser: Any) -> Iterator[None]:
    """On in-memory SQLite the server thread must use this test's connection (and its transaction).

    The connection stays shareable afterwards: a request thread still closing a kept-alive socket
    validates it after the test, and a test database connection shared too long harms nothing."""
    from django.db import connections

    override = world.server.thread.connections_override
    if "default" in override:
        conn = connections["default"]
        conn.inc_thread_sharing()
        override["default"] = conn
    yield
    for context in browser.contexts:
        context.close()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
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


@pytest.fixture(scope="module")
def chromium_path() -> str:
    """tests/conftest.py's, at module scope (one browser for every journey)."""
    import shutil

    path = os.environ.get("MALLOPS_CHROMIUM", "") or shutil.which("chromium") or ""
    if not path:
        pytest.fail("Chromium is required for browser tests (apt-get install chromium; `make test` does it)")
    return path


def sign_in(browser: Any, world: World, username: str, width: int = 1440, height: int = 900) -> Any:
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
    page.goto(f"{world.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=current-user]")
    return page


def shot(page: Any, role: str, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    # from the top: a sticky bar scrolled down by an anchor or a focused field would print mid-page
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{role}-{step}-{width}.png"), full_page=True)


def fits(page: Any) -> None:
    """At phone width the page never scrolls sideways."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll} > {inner}"


def confirm(page: Any, expected: str) -> None:
    """The shared confirmation dialog is open with ``expected``; accept it and wait for the next page."""
    dialog = page.locator("dialog#console-confirm")
    assert dialog.is_visible()
    assert expected in dialog.inner_text()
    with page.expect_navigation():
        dialog.locator("button[value=ok]").click()


def toast(page: Any) -> str:
    return str(page.locator(".toast").first.inner_text()).replace("×", "").strip()


def cells(page: Any, selector: str) -> list[list[str]]:
    rows = page.locator(f"{selector} tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


# ---- reviewer ---------------------------------------------------------------------------------------------
def test_reviewer_claims_reads_findings_rejects_with_a_reason_and_approves_another(
    world: World, browser: Any
) -> None:
    from mallops.review.models import Listing, ListingStatus

    flagged, clean = world.ids["listing_flagged"], world.ids["listing_clean"]
    page = sign_in(browser, world, "reviewer")
    # 工作台 counts the two listings waiting and links to the queue
    assert page.get_attribute("[data-testid=todo-review_waiting]", "data-count") == "2"
    page.click("[data-testid=todo-review_waiting]")
    assert page.url == f"{world.url}/review/"
    page.click(f"[data-testid=review-queue] a[href='/review/listings/{flagged}/']")
    page.click("[data-testid=claim]")
    page.wait_for_selector("[data-testid=reject]")
    # the findings: the rule's Chinese name (its id only in the tooltip), the field, the words, the article
    assert cells(page, "[data-testid=findings]") == [
        [
            "“纯天然”类表述需核实成分",
            "标题",
            "8–11",
            "纯天然",
            "广告法第二十八条第二款第（二）项",
            "人工复核",
            "",
        ],
        ["数据或研究结论未标明出处", "卖点 1", "0–3", "好评率", "广告法第十一条第二款", "人工复核", ""],
    ]
    shot(page, "reviewer", "findings")
    # at 1440 px the findings sit beside the decision column, not above a long form
    findings = page.locator("[data-testid=findings]").bounding_box()
    decision = page.locator("[data-testid=review-decision]").bounding_box()
    assert findings and decision and findings["x"] + findings["width"] <= decision["x"]
    assert decision["y"] < findings["y"] + findings["height"]
    page.locator("input[name=reason_codes]").first.check()
    page.fill(
        "form[action$='/reject'] textarea[name=note]", "请提供釉料成分检测报告，并注明好评率的数据来源。"
    )
    page.click("[data-testid=reject]")
    confirm(page, "驳回")
    assert Listing.objects.unscoped(reason="test").get(pk=flagged).status == ListingStatus.REJECTED
    assert toast(page) == "已驳回，商家可看到驳回原因。"

    page.goto(f"{world.url}/review/")
    page.click(f"[data-testid=review-queue] a[href='/review/listings/{clean}/']")
    page.click("[data-testid=claim]")
    page.click("[data-testid=approve]")
    confirm(page, "买家")
    assert Listing.objects.unscoped(reason="test").get(pk=clean).status == ListingStatus.LIVE
    assert toast(page) == "已通过：该版本已上线。"
    shot(page, "reviewer", "approved")


# ---- merchant ---------------------------------------------------------------------------------------------
def _png(side: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG (no imaging library in the project): ``side`` × ``side`` pixels of one colour."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("width", [1440, 390])
def test_merchant_lists_a_product_sets_stock_ships_handles_a_return_and_answers_a_ticket(
    world: World, browser: Any, width: int
) -> None:
    from mallops.aftersales.models import AfterSalesRequest
    from mallops.orders.models import Order, StockItem
    from mallops.review.models import Listing, ListingStatus
    from mallops.service.models import TicketEvent

    phone = width == 390
    page = sign_in(browser, world, "shop-owner", width, 844 if phone else 900)

    def step(name: str) -> None:
        if phone:
            fits(page)
            shot(page, "merchant", name)

    step("workbench")
    # 1. a product: category, copy, SKU in 元, three photos, then the listing goes to review
    page.goto(f"{world.url}/review/mine/products/new/")
    page.select_option("#pick-category", label="其他")
    page.click("[data-testid=category-picker] button[type=submit]")
    title = f"北欧风陶瓷餐盘 {width}"
    page.fill("input[name=title]", title)
    page.fill("textarea[name=selling_points]", "釉下彩\n可进洗碗机")
    page.fill("textarea[name=description_function]", "盛放菜肴。")
    page.fill("textarea[name=description_material]", "高温陶瓷。")
    page.fill("textarea[name=description_specs]", "直径 20 厘米。")
    page.fill("textarea[name=description_usage]", "首次使用前清洗。")
    page.fill("input[name=attr-origin]", "江西景德镇")
    page.fill("input[name=sku-0-code]", f"PLATE-{width}")
    page.fill("input[name=sku-0-spec]", "颜色=白色")
    page.fill("input[name=sku-0-price]", "59.00")
    page.fill("input[name=sku-0-stock]", "20")
    step("product-form")
    page.click("[data-testid=save]")
    assert toast(page) == "商品已创建。请上传图片，再创建上架单提交审核。"
    for i, (angle, colour) in enumerate(
        [("正面", (200, 80, 60)), ("侧面", (60, 140, 200)), ("细节", (90, 180, 90))]
    ):
        page.set_input_files(
            "[data-testid=image-upload] input[name=file]",
            files=[{"name": f"plate-{i}.png", "mimeType": "image/png", "buffer": _png(900, colour)}],
        )
        page.fill("[data-testid=image-upload] input[name=angle]", angle)
        page.click("[data-testid=image-upload] button[type=submit]")
        assert toast(page) == "图片已上传。"
    assert page.inner_text("[data-testid=images] h2") == "图片 (3 / 10)"
    step("product-images")
    page.click("form[action$='/listing'] button")
    page.click("[data-testid=submit]")
    assert toast(page) == "已提交第 1 版：待审核"
    listing = Listing.objects.unscoped(reason="test").get(product__title=title)
    assert listing.status == ListingStatus.IN_REVIEW
    step("listing-submitted")

    # 2. stock: the count after a stocktake, confirmed first
    page.goto(f"{world.url}/orders/merchant/stock/")
    step("stock-list")
    if phone:  # the filters fold behind one button on a phone
        page.click("details.table-filters > summary")
    page.fill("input[name=q]", "A-1")
    page.click("form.filters button[type=submit]")
    page.click("[data-testid=merchant-stock] a:text-is('A-1')")
    available = 80 if phone else 70
    page.fill("[data-testid=stock-set] input[name=available]", str(available))
    page.fill("[data-testid=stock-set] input[name=reason]", "盘点结果")
    page.click("[data-testid=stock-set] button[type=submit]")
    confirm(page, "买家会立即看到")
    assert (
        StockItem.objects.unscoped(reason="test")
        .get(merchant_id=world.ids["merchant"], sku_code="A-1")
        .available
        == available
    )
    assert page.inner_text("[data-testid=available]").strip() == str(available)
    step("stock-set")

    # 3. ship a paid order
    order_id = world.ids[f"order_{width}"]
    page.goto(f"{world.url}/orders/merchant/?status=paid")
    step("orders")
    page.click(f"a[href='/orders/merchant/{order_id}/']")
    step("order-detail")
    page.click("[data-testid=primary-action]")
    page.select_option(f"[data-testid=ship-form-{order_id}] select[name=carrier]", label="顺丰速运")
    page.fill(f"[data-testid=ship-form-{order_id}] input[name=tracking_number]", f"SF88{width}0001")
    step("ship-form")
    page.click(f"[data-testid=ship-form-{order_id}] button[type=submit]")
    order = Order.objects.unscoped(reason="test").get(pk=order_id)
    assert (order.status, order.tracking_number) == ("shipped", f"SF88{width}0001")
    step("shipped")

    # 4. approve a return (the dialog names the most the buyer can get back)
    request_id = world.ids[f"return_{width}"]
    page.goto(f"{world.url}/aftersales/merchant/?status=pending")
    step("aftersales")
    page.click(f"[data-testid=approve-{request_id}] button")
    confirm(page, "确定同意此售后申请吗？买家最多可退款 ¥29.88。")
    assert AfterSalesRequest.objects.unscoped(reason="test").get(pk=request_id).status == "awaiting_return"
    step("return-approved")

    # 5. answer a buyer's question
    ticket_id = world.ids[f"ticket_store_{width}"]
    page.goto(f"{world.url}/service/store/")
    step("tickets")
    page.click(f"a[href='/service/store/tickets/{ticket_id}/']")
    answer = "您好，白色和蓝色都有现货，今天下单明天发货。"
    page.fill("[data-testid=store-reply] textarea[name=body]", answer)
    page.click("[data-testid=store-reply] button[type=submit]")
    assert toast(page) == "已回复客户。"
    assert answer in page.inner_text("[data-testid=timeline]")
    assert TicketEvent.objects.filter(ticket_id=ticket_id, body=answer).count() == 1
    step("ticket-answered")
    if not phone:
        shot(page, "merchant", "done")


# ---- customer service -------------------------------------------------------------------------------------
def test_cs_agent_answers_with_a_suggested_reply_and_resolves(world: World, browser: Any) -> None:
    from mallops.service.models import Ticket, TicketEvent

    ticket_id = world.ids["ticket_agent"]
    page = sign_in(browser, world, "cs-agent")
    page.goto(f"{world.url}/service/?scope=mine")
    page.click(f"[data-testid=ticket-queue] a[href='/service/tickets/{ticket_id}/']")
    assert page.inner_text("h1").endswith("· 包裹到哪了")
    # the library's closest reply is offered; one click puts it in the answer box
    suggestions = page.locator("[data-testid=suggestions] button")
    assert suggestions.all_inner_texts() == ["物流查询"]
    suggestions.first.click()
    reply = "您好，您的包裹已发出，物流信息每天更新，请耐心等待。"
    assert page.input_value("#reply-body") == reply
    page.click("form[action$='/reply'] button[type=submit]")
    assert reply in page.inner_text("[data-testid=timeline]")
    page.fill("form[action$='/resolve'] input[name=summary]", "已告知物流进度")
    page.click("form[action$='/resolve'] button[type=submit]")
    assert toast(page) == "工单已解决。"
    assert Ticket.objects.unscoped(reason="test").get(pk=ticket_id).status == "resolved"
    assert TicketEvent.objects.filter(ticket_id=ticket_id, body=reply).count() == 1
    shot(page, "cs-agent", "resolved")


def test_cs_supervisor_reads_the_sla_breaches(world: World, browser: Any) -> None:
    page = sign_in(browser, world, "cs-supervisor")
    tile = page.locator("[data-testid=todo-tickets_sla_breached]")
    assert tile.get_attribute("data-count") == "2"
    tile.click()
    assert page.url == f"{world.url}/service/?scope=sla_breached"
    subjects = sorted(row[1] for row in cells(page, "[data-testid=ticket-queue]"))
    assert subjects == ["退款迟迟未到 1", "退款迟迟未到 2"]
    shot(page, "cs-supervisor", "breaches")
    page.goto(f"{world.url}/service/dashboard/")
    scorecard = {row[0]: row for row in cells(page, "[data-testid=scorecards]")}
    # the 超时次数 column: 2 tickets × 2 clocks (first response and resolution) past due
    assert scorecard["cs-agent"][6] == "4"
    shot(page, "cs-supervisor", "dashboard")
    # on a phone the long user name shrinks in the top bar instead of widening the page
    phone = sign_in(browser, world, "cs-supervisor", 390, 844)
    fits(phone)
    assert phone.inner_text("[data-testid=current-user]") == "cs-supervisor"
    shot(phone, "cs-supervisor", "workbench")


# ---- data operator ----------------------------------------------------------------------------------------
def test_data_operator_builds_a_funnel_and_a_retention_table(world: World, browser: Any) -> None:
    page = sign_in(browser, world, "data-ops")
    page.goto(f"{world.url}/analytics/funnel/")
    page.select_option("#id_step_1", label="浏览页面")
    page.select_option("#id_step_2", label="加入购物车")
    page.select_option("#id_step_3", label="支付订单")
    for n in (4, 5, 6):
        page.select_option(f"#id_step_{n}", value="")
    page.fill("#id_window_value", "1")
    page.select_option("#id_window_unit", value="day")
    page.click("[data-testid=report-form] button[type=submit]")
    assert [row[1:4] for row in cells(page, "[data-testid=funnel-table]")] == [
        ["浏览页面", "4", "100.0%"],
        ["加入购物车", "3", "75.0%"],
        ["支付订单", "2", "50.0%"],
    ]
    shot(page, "data-ops", "funnel")
    page.goto(f"{world.url}/analytics/retention/")
    page.select_option("#id_start_event", label="浏览页面")
    page.select_option("#id_return_event", label="浏览页面")
    page.fill("#id_periods", "3")
    page.click("[data-testid=report-form] button[type=submit]")
    # the cohort is the Beijing day of the seeded events (02:00 UTC two days ago), whatever the hour now
    seeded = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=2)
    cohort = timezone.localtime(seeded).date().isoformat()
    assert cells(page, "[data-testid=retention-table]") == [[cohort, "4", "100.0%", "50.0%", "0.0%"]]
    shot(page, "data-ops", "retention")


# ---- platform admin ---------------------------------------------------------------------------------------
def test_admin_onboards_a_merchant_and_creates_a_staff_user_with_a_role(world: World, browser: Any) -> None:
    from mallops.accounts.models import Merchant, MerchantMember, RoleGrant, User
    from mallops.accounts.uscc import check_character

    licence = "91330100MA2J0U8K1" + check_character("91330100MA2J0U8K1")
    page = sign_in(browser, world, "admin")
    page.goto(f"{world.url}/merchants/")
    page.click("a.btn-primary:text-is('+ 商家入驻')")
    form = page.locator("[data-testid=onboard]")
    form.locator("input[name=name]").fill("青禾茶叶专营店")
    form.locator("input[name=licence_number]").fill(licence)
    form.locator("input[name=contact_name]").fill("陈青禾")
    form.locator("input[name=contact_phone]").fill("13912345678")
    form.locator("input[name=owner_username]").fill("qinghe-owner")
    form.locator("input[name=owner_password]").fill("Qinghe-tea-2026")
    form.locator("button[type=submit]").click()
    assert toast(page) == "商家 青禾茶叶专营店 已入驻，店主现在可以登录。"
    merchant = Merchant.objects.get(name="青禾茶叶专营店")
    assert (merchant.licence_number, merchant.is_active) == (licence, True)
    assert MerchantMember.objects.for_merchant(merchant.pk).get().user.username == "qinghe-owner"
    # the list masks the contact data, the admin's included
    row = page.locator("[data-testid=merchants] tbody tr", has_text="青禾茶叶专营店")
    assert "139****5678" in row.inner_text() and "13912345678" not in row.inner_text()
    shot(page, "admin", "merchant-onboarded")

    page.goto(f"{world.url}/staff/")
    page.click("a.btn-primary:text-is('新建员工账号')")
    page.fill("#id_username", "cs-lead")
    page.fill("#id_password", "Cs-lead-password-2026")
    page.check("input[name=roles][value=cs_supervisor]")
    page.click("[data-testid=staff-new] button[type=submit]")
    user = User.objects.get(username="cs-lead")
    assert list(RoleGrant.objects.filter(user=user).values_list("role", flat=True)) == ["cs_supervisor"]
    assert toast(page) == "已创建员工账号 cs-lead。"
    row = page.locator("tbody tr", has_text="cs-lead")
    assert [c.strip() for c in row.locator("td").all_inner_texts()][:2] == ["cs-lead", "客服主管"]
    shot(page, "admin", "staff-created")


# ---- compliance auditor -----------------------------------------------------------------------------------
def test_auditor_opens_the_audit_log_and_a_data_subject_request(world: World, browser: Any) -> None:
    dsr = world.ids["dsr"]
    page = sign_in(browser, world, "auditor")
    page.click("#console-sidebar [data-menu=audit]")
    assert page.url == f"{world.url}/audit/"
    row = page.locator("[data-testid=audit-table] tbody tr", has_text="提交个人信息权利请求")
    assert row.count() == 1
    assert row.locator("td[title='dsr.submit']").inner_text() == "提交个人信息权利请求"
    shot(page, "auditor", "audit-log")
    page.click("#console-sidebar [data-menu=dsr_queue]")
    page.click(f"[data-testid=dsr-requests] a:text-is('DSR-{dsr}')")
    assert page.inner_text("h1") == f"DSR-{dsr} · 查阅、复制"
    details = page.locator("[data-testid=dsr-details] dd").all_inner_texts()
    assert details[1] == "待处理"
    shot(page, "auditor", "data-subject-request")
