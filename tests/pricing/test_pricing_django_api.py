"""Promotions, coupon batches, coupons and the live cart quote through the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.core.sweeps import autodiscover, registered, run_sweeper
from mallops.dsr.testing import grant_consent
from mallops.pricing.models import Coupon, PriceObservation, Promotion
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.pricing import make_batch, make_buyer, make_promotion

pytestmark = pytest.mark.django_db


def _iso(dt) -> str:
    return dt.isoformat()


def _body(response) -> dict:
    return json.loads(response.content)


@pytest.fixture
def store():
    merchant, owner = make_merchant()
    return merchant, ApiClient(token=token_for(owner))


def _threshold_payload(**overrides) -> dict:
    now = timezone.now()
    payload = {
        "name": "店铺满减",
        "kind": "threshold",
        "tiers": [{"min": 10000, "off": 2000}, {"min": 20000, "off": 5000}],
        "starts_at": _iso(now - timedelta(minutes=5)),
        "ends_at": _iso(now + timedelta(days=3)),
        "skus": ["A1"],
    }
    payload.update(overrides)
    return payload


@pytest.mark.req("R2.3.1")
@pytest.mark.req("R2.3.2")
def test_merchant_creates_checks_and_launches_a_store_promotion(store):
    merchant, client = store
    response = client.post_json("/api/v1/merchant/promotions", _threshold_payload())
    assert response.status_code == 201, response.content
    created = _body(response)
    assert created["layer"] == "store" and created["status"] == "draft"
    assert "满100元减20元" in created["rules_text"] and merchant.name in created["rules_text"]
    checks = _body(client.get_json(f"/api/v1/merchant/promotions/{created['id']}/checks"))
    assert checks == {"blocked": False, "findings": [], "generated_rules_text": created["rules_text"]}
    launched = client.post_json(f"/api/v1/merchant/promotions/{created['id']}/launch", {})
    assert launched.status_code == 200 and _body(launched)["status"] == "live"
    # launching twice is a bad transition; cancelling a live one is allowed
    again = client.post_json(f"/api/v1/merchant/promotions/{created['id']}/launch", {})
    assert again.status_code == 409 and _body(again)["code"] == "promotion_bad_transition"
    cancelled = client.post_json(f"/api/v1/merchant/promotions/{created['id']}/cancel", {})
    assert _body(cancelled)["status"] == "cancelled"
    listed = _body(client.get_json("/api/v1/merchant/promotions"))
    assert [p["id"] for p in listed["items"]] == [created["id"]]


@pytest.mark.req("R2.3.3")
def test_buyers_read_the_live_promotions_and_their_generated_rules(store):
    merchant, client = store
    created = _body(client.post_json("/api/v1/merchant/promotions", _threshold_payload()))
    other = make_merchant()[0]
    make_promotion(other, status="live", name="别家活动")
    anonymous = ApiClient()
    assert _body(anonymous.get_json("/api/v1/buyer/promotions"))["count"] == 1  # the draft is not public
    client.post_json(f"/api/v1/merchant/promotions/{created['id']}/launch", {})
    body = _body(anonymous.get_json(f"/api/v1/buyer/promotions?merchant_id={merchant.pk}"))
    assert [(p["name"], p["rules_text"]) for p in body["items"]] == [("店铺满减", created["rules_text"])]
    assert "满200元减50元" in body["items"][0]["rules_text"]


def test_invalid_promotions_answer_422_with_paths(store):
    _, client = store
    bad = _threshold_payload(tiers=[{"min": 100, "off": 200}], cap_fen=5, merchants=[3])
    response = client.post_json("/api/v1/merchant/promotions", bad)
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in _body(response)["errors"]}
    assert {("body", "tiers", 0), ("body", "cap_fen"), ("body", "merchants")} <= locs
    nth = {"name": "第二件半价", "kind": "nth_item", "n": 1, "percent": 0}
    nth.update({k: v for k, v in _threshold_payload().items() if k in ("starts_at", "ends_at")})
    locs = {tuple(e["loc"]) for e in _body(client.post_json("/api/v1/merchant/promotions", nth))["errors"]}
    assert {("body", "n"), ("body", "percent")} <= locs


def _launch_problem(client, promotion_id: int) -> dict:
    response = client.post_json(f"/api/v1/merchant/promotions/{promotion_id}/launch", {})
    assert response.status_code == 409, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = _body(response)
    assert body["code"] == "promotion_blocked"
    assert Promotion.objects.unscoped(reason="test").get(pk=promotion_id).status == "draft"
    return body


@pytest.mark.req("R2.3.2")
def test_launch_refused_on_overlap_citing_its_article(store):
    merchant, client = store
    make_promotion(merchant, status="live", skus=["A1", "B2"], name="已上线")
    created = _body(client.post_json("/api/v1/merchant/promotions", _threshold_payload()))
    body = _launch_problem(client, created["id"])
    (finding,) = [f for f in body["findings"] if f["severity"] == "block"]
    assert finding["code"] == "overlap"
    assert finding["citation"] == {"law": "PROMO32", "article": 6, "text": "规范促销行为暂行规定第六条"}
    assert "规范促销行为暂行规定第六条" in body["detail"]


@pytest.mark.req("R2.3.3")
@pytest.mark.req("R1.4.1")
def test_launch_refused_on_a_fake_reference_price(store):
    merchant, client = store
    now = timezone.now()
    for days, price in ((20, 12900), (4, 9900)):
        PriceObservation.objects.create(
            merchant=merchant, sku="A1", price_fen=price, observed_at=now - timedelta(days=days)
        )
    payload = _threshold_payload(sku_prices=[{"sku": "A1", "price_fen": 9900, "reference_price_fen": 12900}])
    created = _body(client.post_json("/api/v1/merchant/promotions", payload))
    assert "A1 划线价129元" in created["rules_text"]
    body = _launch_problem(client, created["id"])
    codes = {f["code"]: f["citation"]["text"] for f in body["findings"] if f["severity"] == "block"}
    assert codes == {"reference_price": "明码标价和禁止价格欺诈规定第十六条"}


@pytest.mark.req("R2.3.3")
@pytest.mark.req("R1.4.1")
def test_launch_refused_when_the_price_was_raised_before_the_discount(store):
    merchant, client = store
    PriceObservation.objects.create(
        merchant=merchant, sku="A1", price_fen=10000, observed_at=timezone.now() - timedelta(days=30)
    )
    # the promotion states the SKU now costs 110 元: recorded as a price from now on, a 10 % rise
    payload = _threshold_payload(sku_prices=[{"sku": "A1", "price_fen": 11000}])
    created = _body(client.post_json("/api/v1/merchant/promotions", payload))
    body = _launch_problem(client, created["id"])
    codes = {f["code"]: f["citation"]["text"] for f in body["findings"] if f["severity"] == "block"}
    assert codes == {"raise_then_discount": "明码标价和禁止价格欺诈规定第十七条"}


@pytest.mark.req("R2.3.2")
@pytest.mark.req("R2.3.3")
def test_launch_refused_on_missing_or_vague_rules_text(store):
    _, client = store
    empty = _body(client.post_json("/api/v1/merchant/promotions", _threshold_payload(rules_text="")))
    body = _launch_problem(client, empty["id"])
    assert [(f["code"], f["citation"]["text"]) for f in body["findings"]] == [
        ("rules_empty", "规范促销行为暂行规定第七条")
    ]
    vague = _body(
        client.post_json("/api/v1/merchant/promotions", _threshold_payload(rules_text="全场满减，限量抢购！"))
    )
    codes = {f["code"] for f in _launch_problem(client, vague["id"])["findings"]}
    assert codes == {
        "rules_missing_time",
        "rules_missing_scope",
        "rules_missing_conditions",
        "limited_quantity_without_limit",
    }


@pytest.mark.req("R2.3.1")
def test_sweeps_start_and_end_promotions_and_expire_coupons(store):
    merchant, client = store
    now = timezone.now()
    payload = _threshold_payload(
        starts_at=_iso(now + timedelta(hours=1)), ends_at=_iso(now + timedelta(hours=2))
    )
    created = _body(client.post_json("/api/v1/merchant/promotions", payload))
    assert (
        _body(client.post_json(f"/api/v1/merchant/promotions/{created['id']}/launch", {}))["status"]
        == "scheduled"
    )
    autodiscover()
    sweep = registered()["pricing.promotion_status"]
    assert run_sweeper(sweep, now) == 0
    assert run_sweeper(sweep, now + timedelta(minutes=61)) == 1
    row = Promotion.objects.for_merchant(merchant.pk).get(pk=created["id"])
    assert row.status == "live" and row.status_due_at == row.ends_at
    assert run_sweeper(sweep, now + timedelta(hours=3)) == 1
    assert Promotion.objects.for_merchant(merchant.pk).get(pk=created["id"]).status == "ended"
    assert run_sweeper(sweep, now + timedelta(hours=4)) == 0
    # coupons
    buyer = make_buyer("buyer-sweep")
    batch = make_batch(merchant, claim_code="SWEEP1", valid_days=1)
    ApiClient(token=token_for(buyer)).post_json("/api/v1/buyer/coupons/claim", {"code": "sweep1"})
    expiry = registered()["pricing.coupon_expiry"]
    assert run_sweeper(expiry, now + timedelta(hours=23)) == 0
    assert run_sweeper(expiry, now + timedelta(days=2)) == 1
    coupon = Coupon.objects.for_buyer(buyer.pk).get(batch=batch)
    assert coupon.status == "expired" and coupon.expires_due_at is None


@pytest.mark.req("R2.3.1")
def test_platform_coupon_batch_issue_claim_and_limits():
    ops = ApiClient(token=token_for(make_staff("product_ops")))
    now = timezone.now()
    batch = {
        "name": "平台红包",
        "style": "red_packet",
        "off_fen": 500,
        "starts_at": _iso(now - timedelta(minutes=1)),
        "ends_at": _iso(now + timedelta(days=10)),
        "total_quantity": 3,
        "claim_code": "HB2026",
    }
    created = ops.post_json("/api/v1/coupon-batches", batch)
    assert created.status_code == 201, created.content
    batch_id = _body(created)["id"]
    buyers = [make_buyer(f"buyer-c{i}") for i in range(4)]
    grant_consent(buyers[:1], ["marketing"])
    issued = _body(
        ops.post_json(
            f"/api/v1/coupon-batches/{batch_id}/issue", {"buyers": ["buyer-c0", "nobody", "buyer-c1"]}
        )
    )
    assert len(issued["issued"]) == 1
    assert issued["refused"] == {"nobody": "not_a_buyer", "buyer-c1": "no_marketing_consent"}
    assert issued["no_consent"] == 1 and "个人信息保护法" in issued["no_consent_reason"]
    first = ApiClient(token=token_for(buyers[0]))
    again = first.post_json("/api/v1/buyer/coupons/claim", {"code": "hb2026"})
    assert again.status_code == 409 and _body(again)["code"] == "coupon_limit_reached"
    for buyer in buyers[1:3]:
        assert (
            ApiClient(token=token_for(buyer))
            .post_json("/api/v1/buyer/coupons/claim", {"code": "HB2026"})
            .status_code
            == 201
        )
    sold_out = ApiClient(token=token_for(buyers[3])).post_json(
        "/api/v1/buyer/coupons/claim", {"code": "HB2026"}
    )
    assert _body(sold_out)["code"] == "coupon_batch_exhausted"
    mine = _body(first.get_json("/api/v1/buyer/coupons"))
    assert [(c["name"], c["off_fen"], c["status"]) for c in mine["items"]] == [("平台红包", 500, "unused")]
    unknown = first.post_json("/api/v1/buyer/coupons/claim", {"code": "NOPE"})
    assert unknown.status_code == 404
    # a red packet has no threshold and belongs to the platform
    bad = ApiClient(token=token_for(make_merchant()[1])).post_json(
        "/api/v1/merchant/coupon-batches", {**batch, "claim_code": None}
    )
    assert bad.status_code == 422 and _body(bad)["errors"][0]["loc"] == ["body", "style"]


@pytest.mark.req("R2.3.4")
def test_price_suggestions_never_change_anything(store):
    _, client = store
    payload = {
        "items": [
            {
                "sku": "A1",
                "current_price_fen": 10000,
                "unit_cost_fen": 6000,
                "competitor_prices_fen": [9500],
                "month": 6,
            }
        ]
    }
    body = _body(client.post_json("/api/v1/merchant/price-suggestions", payload))
    assert body["applied"] is False
    assert [s["strategy"] for s in body["suggestions"]["A1"]] == ["cost_plus", "competitor", "dynamic"]
    assert all(s["reasons"] for s in body["suggestions"]["A1"])
    assert PriceObservation.objects.unscoped(reason="test").count() == 0


PERMISSION_MATRIX = [
    # (who, method, path, expected status)
    ("product_ops", "GET", "/api/v1/promotions", 200),
    ("user_ops", "GET", "/api/v1/promotions", 200),
    ("compliance_auditor", "GET", "/api/v1/coupon-batches", 200),
    ("cs_agent", "GET", "/api/v1/promotions", 403),
    ("user_ops", "POST", "/api/v1/promotions", 403),
    ("user_ops", "POST", "/api/v1/coupon-batches", 403),
    ("merchant", "GET", "/api/v1/promotions", 403),
    ("merchant", "POST", "/api/v1/promotions", 403),
    ("merchant_cs", "GET", "/api/v1/merchant/promotions", 403),
    ("merchant_cs", "POST", "/api/v1/merchant/coupon-batches", 403),
    ("product_ops", "GET", "/api/v1/merchant/promotions", 403),
    ("buyer", "GET", "/api/v1/merchant/promotions", 403),
    ("buyer", "GET", "/api/v1/buyer/coupons", 200),
    ("merchant", "GET", "/api/v1/buyer/coupons", 403),
    ("product_ops", "POST", "/api/v1/buyer/cart/quote", 403),
    ("anonymous", "GET", "/api/v1/buyer/coupons", 401),
]


@pytest.mark.req("R2.3.1")
@pytest.mark.parametrize(("who", "method", "path", "expected"), PERMISSION_MATRIX)
def test_permission_matrix(who, method, path, expected):
    from mallops.testing.factories import make_member

    if who == "merchant":
        user = make_merchant()[1]
    elif who == "merchant_cs":
        user = make_member(make_merchant()[0], role="merchant_cs").user
    elif who == "buyer":
        user = make_buyer("buyer-perm")
    elif who == "anonymous":
        user = None
    else:
        user = make_staff(who)
    client = ApiClient(token=token_for(user) if user else None)
    response = client.get_json(path) if method == "GET" else client.post_json(path, _valid_body(path))
    assert response.status_code == expected, (who, method, path, response.content)
    if expected == 403:
        assert _body(response)["code"] in {"permission_denied", "buyer_only"}


def _valid_body(path: str) -> dict:
    now = timezone.now()
    if path.endswith("/promotions"):
        return _threshold_payload()
    if path.endswith("/coupon-batches"):
        return {
            "name": "券",
            "off_fen": 100,
            "starts_at": _iso(now),
            "ends_at": _iso(now + timedelta(days=1)),
            "total_quantity": 1,
        }
    return {"lines": [{"sku": "A1", "merchant_id": 1, "qty": 1}]}
