"""A fresh install runs the whole story (issue 15): from ``mallops migrate`` and ``mallops create-admin``,
through the API and the console only, no demo module.

The admin onboards a merchant and creates staff; the admin defines a category; the merchant lists a product
that passes review, sets stock, launches a promotion and a coupon batch; the CS supervisor gives an agent a
profile and writes a reply template; a buyer registers, claims the coupon, orders, pays in the sandbox, asks a
question (routed automatically, a suggested answer appears), receives the parcel and returns one unit,
refunded exactly to the fen.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mallops.testing.client import ApiClient

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PASSWORD = "Chuangye-2026!"


def _token(username: str, password: str = PASSWORD) -> ApiClient:
    response = Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code in (200, 201), response.content
    return ApiClient(token=response.json()["token"])


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


def _iso(delta: timedelta) -> str:
    return (timezone.now() + delta).isoformat()


def test_a_fresh_install_runs_the_whole_story(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOPS_ADMIN_PASSWORD", PASSWORD)
    call_command("create_admin", "--username", "admin")
    admin = _token("admin")

    # --- the admin onboards a merchant and creates the staff ---------------------------------------
    merchant = _ok(
        admin.post_json(
            "/api/v1/merchants",
            {
                "name": "山野茶舍",
                "licence_number": "91350100M000100Y43",
                "contact_name": "林经理",
                "contact_phone": "13800138000",
                "owner_username": "shanye",
                "owner_password": PASSWORD,
            },
        ),
        201,
    )
    # staff accounts are made in the console (系统 › 员工账号), roles ticked from the defined ones
    console = Client()
    assert console.login(username="admin", password=PASSWORD)
    for username, role in (
        ("reviewer1", "listing_reviewer"),
        ("agent1", "cs_agent"),
        ("super1", "cs_supervisor"),
    ):
        made = console.post(
            "/staff/new/", {"username": username, "password": PASSWORD, "email": "", "roles": [role]}
        )
        assert made.status_code == 302, made.content.decode()[:2000]
    typo = console.post("/staff/new/", {"username": "typo1", "password": PASSWORD, "roles": ["cs_agnet"]})
    staff = [row["username"] for row in _ok(admin.get_json("/api/v1/staff"))["items"]]
    assert typo.status_code == 200 and staff == ["admin", "reviewer1", "agent1", "super1"]

    # --- the admin defines a category with a required attribute ------------------------------------
    category = _ok(
        admin.post_json(
            "/api/v1/platform/catalogue/categories",
            {
                "code": "tea",
                "name": "茶叶",
                "attributes": [
                    {"key": "origin", "label": "产地", "type": "text", "required": True},
                ],
            },
        ),
        201,
    )
    assert category["code"] == "tea"

    # --- the merchant lists a product that passes review -------------------------------------------
    owner = _token("shanye")
    product = _ok(
        owner.post_json(
            "/api/v1/merchant/products",
            {
                "category_code": "tea",
                "title": "武夷山大红袍 125克罐装",
                "selling_points": ["岩茶传统炭焙"],
                "attributes": {"产地": "福建武夷山"},
                "skus": [
                    {"code": "DHP-125", "price_fen": 12800, "stock": 0, "spec_values": {"规格": "125克"}}
                ],
                "images": [
                    {
                        "url": "https://img.example.cn/dhp.jpg",
                        "width": 800,
                        "height": 800,
                        "size_bytes": 120_000,
                    }
                ],
            },
        ),
        201,
    )
    listing = _ok(owner.post_json("/api/v1/merchant/listings", {"product_id": product["id"]}), 201)
    submitted = _ok(owner.post_json(f"/api/v1/merchant/listings/{listing['id']}/submit", {}))
    assert submitted["status"] == "queued", submitted
    reviewer = _token("reviewer1")
    _ok(reviewer.post_json(f"/api/v1/review/listings/{listing['id']}/claim", {}))
    approved = _ok(
        reviewer.post_json(f"/api/v1/review/listings/{listing['id']}/approve", {"note": "资料齐全"})
    )
    assert approved["status"] == "approved", approved

    # --- stock, a promotion and a coupon batch --------------------------------------------------------
    stock = _ok(owner.get_json("/api/v1/merchant/stock"))
    item = next(row for row in stock["items"] if row["sku_code"] == "DHP-125")
    _ok(
        owner.post_json(
            f"/api/v1/merchant/stock/{item['id']}/set",
            {"available": 50, "reason": "首批入库"},
            headers={"Idempotency-Key": "stock-1"},
        )
    )
    promotion = _ok(
        owner.post_json(
            "/api/v1/merchant/promotions",
            {
                "name": "满200减20",
                "kind": "threshold",
                "tiers": [{"min": 20000, "off": 2000}],
                "starts_at": _iso(timedelta(minutes=-1)),
                "ends_at": _iso(timedelta(days=7)),
            },
        ),
        201,
    )
    _ok(owner.post_json(f"/api/v1/merchant/promotions/{promotion['id']}/launch", {}))
    batch = _ok(
        owner.post_json(
            "/api/v1/merchant/coupon-batches",
            {
                "name": "新客5元券",
                "starts_at": _iso(timedelta(minutes=-1)),
                "ends_at": _iso(timedelta(days=7)),
                "total_quantity": 100,
                "min_fen": 10000,
                "off_fen": 500,
                "claim_code": "SHANYE5",
            },
        ),
        201,
    )
    assert batch["status"] in {"active", "live", "issuing"}, batch

    # --- customer service: an agent profile and a reply template -------------------------------------
    supervisor = _token("super1")
    agent_row = next(
        row for row in _ok(admin.get_json("/api/v1/staff"))["items"] if row["username"] == "agent1"
    )
    _ok(
        supervisor.post_json(
            "/api/v1/service/agent-profiles",
            {
                "user_id": agent_row["id"],
                "skills": ["logistics", "product"],
                "max_open": 20,
                "is_available": True,
            },
        ),
        201,
    )
    _ok(
        supervisor.post_json(
            "/api/v1/service/reply-templates",
            {
                "title": "物流查询",
                "body": "您好，您的订单已发出，快递单号可在订单详情中查看。",
                "category": "logistics",
                "keywords": "物流 快递 发货 到哪",
            },
        ),
        201,
    )

    # --- a buyer registers, claims the coupon, orders two cans and pays -------------------------------
    _ok(
        Client().post(
            "/api/v1/buyers", {"phone": "13900139000", "password": PASSWORD}, content_type="application/json"
        ),
        201,
    )
    buyer = _token("13900139000")
    coupon = _ok(buyer.post_json("/api/v1/buyer/coupons/claim", {"code": "SHANYE5"}), 201)
    address = _ok(
        buyer.post_json(
            "/api/v1/me/addresses",
            {
                "recipient": "王小明",
                "phone": "13900139000",
                "province": "福建省",
                "city": "福州市",
                "district": "鼓楼区",
                "detail": "五四路 100 号",
            },
        ),
        201,
    )
    checkout = _ok(
        buyer.post_json(
            "/api/v1/buyer/checkout",
            {
                "lines": [{"sku": "DHP-125", "qty": 2}],
                "address_id": address["id"],
                "coupon_ids": [coupon["id"]],
            },
            headers={"Idempotency-Key": "checkout-1"},
        ),
        201,
    )
    # 2 × 128.00 = 256.00; 满200减20 → 236.00; the 5 元 coupon (min 100) → 231.00
    assert (checkout["subtotal_fen"], checkout["discount_fen"], checkout["total_fen"]) == (25600, 2500, 23100)
    payment = _ok(
        buyer.post_json(
            f"/api/v1/buyer/checkouts/{checkout['id']}/payment", {}, headers={"Idempotency-Key": "pay-1"}
        ),
        201,
    )
    _ok(
        buyer.post_json(
            f"/api/v1/payments/sandbox/{payment['out_trade_no']}/pay",
            {},
            headers={"Idempotency-Key": "pay-2"},
        )
    )
    orders = _ok(buyer.get_json("/api/v1/buyer/orders"))
    order = orders["items"][0]
    assert (order["status"], order["paid_fen"]) == ("paid", 23100), order

    # --- the buyer asks where the parcel is: routed to the agent, a suggestion appears -----------------
    ticket = _ok(
        buyer.post_json(
            "/api/v1/buyer/tickets",
            {
                "subject": "物流查询",
                "description": "请问我的快递到哪了？",
                "category": "logistics",
                "merchant_id": merchant["id"],
                "order_ref": order["number"],
            },
        ),
        201,
    )
    agent = _token("agent1")
    seen = _ok(agent.get_json(f"/api/v1/service/tickets/{ticket['id']}"))
    assert seen["assignee_id"] == agent_row["id"], seen
    assert [e["data"].get("how") for e in seen["events"] if e["kind"] == "assigned"] == ["auto"]
    suggestions = _ok(agent.get_json(f"/api/v1/service/tickets/{ticket['id']}/suggestions"))
    assert suggestions and suggestions[0]["title"] == "物流查询", suggestions

    # --- the merchant ships, the buyer confirms, then returns one can ----------------------------------
    # the merchant ships from the merchant centre (the shipping page shows the full address)
    store = Client()
    assert store.login(username="shanye", password=PASSWORD)
    page = store.get(f"/orders/merchant/{order['id']}/ship")
    assert page.status_code == 200 and "五四路 100 号" in page.content.decode()
    shipped = store.post(
        f"/orders/merchant/{order['id']}/ship", {"carrier": "SF", "tracking_number": "SF1234567890"}
    )
    assert shipped.status_code == 302, shipped.content.decode()[:2000]
    assert _ok(buyer.get_json(f"/api/v1/buyer/orders/{order['id']}"))["status"] == "shipped"
    _ok(
        buyer.post_json(
            f"/api/v1/buyer/orders/{order['id']}/confirm", {}, headers={"Idempotency-Key": "confirm-1"}
        )
    )
    detail = _ok(buyer.get_json(f"/api/v1/buyer/orders/{order['id']}"))
    line = detail["lines"][0]
    request = _ok(
        buyer.post_json(
            "/api/v1/buyer/aftersales",
            {
                "order_id": order["id"],
                "kind": "return",
                "classification": "order",
                "reason": "买多了一罐",
                "lines": [{"order_line_id": line["id"], "qty": 1}],
                "no_reason_return": True,
            },
        ),
        201,
    )
    _ok(
        owner.post_json(
            f"/api/v1/merchant/aftersales/{request['id']}/approve", {}, headers={"Idempotency-Key": "a-1"}
        )
    )
    _ok(
        buyer.post_json(
            f"/api/v1/buyer/aftersales/{request['id']}/return-shipment",
            {"carrier": "SF", "tracking_number": "SF9876543210"},
        ),
        201,
    )
    received = _ok(
        owner.post_json(
            f"/api/v1/merchant/aftersales/{request['id']}/receive", {}, headers={"Idempotency-Key": "r-1"}
        )
    )
    # one of two cans back: its share of the 231.00 paid is exactly half, 115.50
    assert received["refund_fen"] == 11550, received
    # the outcome waits for a CS agent's review; closing it confirms to the buyer
    closed = _ok(
        agent.post_json(f"/api/v1/aftersales/requests/{request['id']}/close", {"note": "退款已原路退回"})
    )
    assert closed["status"] == "closed" and closed["reviewed_at"], closed
    assert _ok(buyer.get_json(f"/api/v1/buyer/orders/{order['id']}"))["refunded_fen"] == 11550
