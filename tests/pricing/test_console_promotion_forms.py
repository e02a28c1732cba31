"""Console forms: promotions of every kind and coupon batches created and edited in the merchant centre
and by platform staff; stored fen, inline pre-launch checks with their article, tenancy, audit, and the
cart quote then applying what was created."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mallops.audit.models import AuditEvent
from mallops.pricing.models import CouponBatch, Promotion
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.pricing import catalogue_sku, make_batch, make_buyer, make_promotion

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _local(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _window(start: timedelta = timedelta(minutes=-5), end: timedelta = timedelta(days=3)) -> dict[str, str]:
    return {"starts_at": _local(start), "ends_at": _local(end)}


def _patch(api: ApiClient, path: str, body: dict):
    return api.patch(path, data=body, content_type="application/json", headers=api._headers(None))


def _promotions():
    return Promotion.objects.unscoped(reason="test")


def _actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.mark.req("R2.3.2")
def test_merchant_creates_a_threshold_draft_in_yuan_launches_it_and_the_quote_applies_it():
    merchant, owner = make_merchant()
    client = _client(owner)
    # the kind chooser lists every kind a store may create
    chooser = client.get("/promotions/new/").content.decode()
    assert all(
        f"kind={k}" in chooser for k in ("threshold", "percent_off", "amount_off", "nth_item", "multi_buy")
    )
    page = client.get("/promotions/new/?kind=threshold")
    assert page.status_code == 200 and 'name="tier_1_min"' in page.content.decode()
    response = client.post(
        "/promotions/new/?kind=threshold",
        {
            "name": "满100减20",
            "tier_1_min": "100",
            "tier_1_off": "20.50",
            "tier_2_min": "1,999.99",
            "tier_2_off": "300",
            "with_coupons": "on",
            **_window(),
        },
    )
    row = _promotions().get(merchant=merchant)
    assert response.status_code == 302 and response["Location"] == f"/promotions/{row.pk}/"
    assert row.status == "draft" and row.kind == "threshold" and row.layer == "store"
    assert row.tiers == [{"min": 10000, "off": 2050}, {"min": 199999, "off": 30000}]
    assert row.created_by == owner and "满100元减20.5元" in row.rules_text
    detail = client.get(row and f"/promotions/{row.pk}/").content.decode()
    assert 'data-testid="no-findings"' in detail and 'data-testid="edit"' in detail
    # launch from the detail page, then a buyer's cart gets the discount
    client.post(f"/promotions/{row.pk}/launch")
    assert _promotions().get(pk=row.pk).status == "live"
    catalogue_sku(merchant, "T1", 6000)
    buyer = make_buyer("forms-buyer")
    quote = ApiClient(token=token_for(buyer)).post_json(
        "/api/v1/buyer/cart/quote", {"lines": [{"sku": "T1", "merchant_id": merchant.pk, "qty": 2}]}
    )
    body = json.loads(quote.content)
    assert body["subtotal"] == 12000 and body["discount"] == 2050 and body["total"] == 9950
    assert _actions(row) == ["pricing.promotion_create", "pricing.promotion_launch"]


@pytest.mark.req("R2.3.3")
def test_reference_price_check_shows_inline_with_its_article_before_saving():
    merchant, owner = make_merchant()
    client = _client(owner)
    data = {
        "name": "A1 直降",
        "amount_fen": "10",
        "skus": "A1",
        "price_1_sku": "A1",
        "price_1_price": "89.00",
        "price_1_reference": "129.00",
        "op": "check",
        **_window(),
    }
    page = client.post("/promotions/new/?kind=amount_off", data)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="preview"' in html
    assert "从未成交" in html and "明码标价和禁止价格欺诈规定第十六条" in html
    assert "存在阻断问题时将拒绝上线。" in html
    assert not _promotions().filter(merchant=merchant).exists()  # the check writes nothing
    # saved, the draft shows the same finding on its page and cannot launch
    data["op"] = "save"
    client.post("/promotions/new/?kind=amount_off", data)
    row = _promotions().get(merchant=merchant)
    assert row.amount_fen == 1000 and row.layer == "item"
    assert row.sku_prices == [{"sku": "A1", "price_fen": 8900, "reference_price_fen": 12900}]
    detail = client.get(f"/promotions/{row.pk}/").content.decode()
    assert "明码标价和禁止价格欺诈规定第十六条" in detail
    client.post(f"/promotions/{row.pk}/launch")
    assert _promotions().get(pk=row.pk).status == "draft"


@pytest.mark.req("R1.4.1")
def test_ad_claim_text_is_checked_by_the_compliance_engine_inline():
    _merchant, owner = make_merchant()
    page = _client(owner).post(
        "/promotions/new/?kind=percent_off",
        {"name": "全网最低价 85折", "percent": "15", "op": "check", **_window()},
    )
    html = page.content.decode()
    assert "名称中的「全网最低价」违反明码标价和禁止价格欺诈规定第十九条，不得上线。" in html


@pytest.mark.parametrize(
    ("kind", "fields", "stored"),
    [
        ("percent_off", {"percent": "15"}, {"percent": 15, "layer": "item"}),
        ("nth_item", {"n": "2", "percent": "50"}, {"n": 2, "percent": 50, "layer": "item"}),
        ("multi_buy", {"min_qty": "3", "percent": "20"}, {"min_qty": 3, "percent": 20, "layer": "store"}),
    ],
)
def test_every_kind_has_its_form(kind, fields, stored):
    merchant, owner = make_merchant()
    response = _client(owner).post(f"/promotions/new/?kind={kind}", {"name": "活动", **fields, **_window()})
    assert response.status_code == 302
    row = _promotions().get(merchant=merchant)
    assert row.kind == kind and {k: getattr(row, k) for k in stored} == stored


def test_form_errors_are_chinese_and_nothing_is_written():
    merchant, owner = make_merchant()
    client = _client(owner)
    client.cookies["django_language"] = "zh-hans"
    page = client.post(
        "/promotions/new/?kind=threshold",
        {"name": "坏的", "tier_1_min": "10", "tier_1_off": "20.123", **_window(end=timedelta(minutes=-10))},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = page.content.decode()
    assert page.status_code == 200 and not _promotions().filter(merchant=merchant).exists()
    assert "结束时间须晚于开始时间" in html or "The end must be after the start." in html


def test_editing_a_draft_changes_its_terms_and_is_audited_and_others_get_404():
    merchant, owner = make_merchant()
    _other, other_owner = make_merchant()
    row = make_promotion(merchant, created_by=owner)
    client = _client(owner)
    form = client.get(f"/promotions/{row.pk}/edit").content.decode()
    assert 'value="100.00"' in form  # the tier shown in yuan
    response = client.post(
        f"/promotions/{row.pk}/edit",
        {"name": "满200减45", "tier_1_min": "200", "tier_1_off": "45", "with_coupons": "on", **_window()},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.name == "满200减45" and row.tiers == [{"min": 20000, "off": 4500}]
    assert "满200元减45元" in row.rules_text
    assert _actions(row) == ["pricing.promotion_update"]
    event = AuditEvent.objects.get(action="pricing.promotion_update")
    assert event.before["tiers"] == [{"min": 10000, "off": 2000}] and event.after["tiers"] == [
        {"min": 20000, "off": 4500}
    ]
    # another store's staff: 404 on the form and on the POST, nothing changes
    stranger = _client(other_owner)
    assert stranger.get(f"/promotions/{row.pk}/edit").status_code == 404
    assert stranger.post(f"/promotions/{row.pk}/edit", {"name": "x"}).status_code == 404
    # a launched promotion can no longer be edited
    _promotions().filter(pk=row.pk).update(status="live")
    client.post(
        f"/promotions/{row.pk}/edit", {"name": "改", "tier_1_min": "1", "tier_1_off": "1", **_window()}
    )
    row.refresh_from_db()
    assert row.name == "满200减45"


def test_platform_staff_create_a_cross_store_promotion_and_viewers_cannot():
    m1, _ = make_merchant(name="甲店")
    ops = _client(make_staff("product_ops"))
    chooser = ops.get("/promotions/new/").content.decode()
    assert "kind=threshold" in chooser and "kind=multi_buy" not in chooser
    response = ops.post(
        "/promotions/new/?kind=threshold",
        {
            "name": "跨店每满300减50",
            "tier_1_min": "300",
            "tier_1_off": "50",
            "repeat": "on",
            "cap_fen": "100",
            "merchants": [str(m1.pk)],
            **_window(),
        },
    )
    assert response.status_code == 302
    row = _promotions().get(name="跨店每满300减50")
    assert row.merchant_id is None and row.layer == "platform" and row.merchants == [m1.pk]
    assert row.cap_fen == 10000 and row.repeat
    assert _client(make_staff("user_ops")).get("/promotions/new/").status_code == 403


def test_api_edits_a_draft_and_refuses_a_launched_one():
    merchant, owner = make_merchant()
    row = make_promotion(merchant)
    api = ApiClient(token=token_for(owner))
    body = {
        "name": "满300减60",
        "kind": "threshold",
        "tiers": [{"min": 30000, "off": 6000}],
        "starts_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        "ends_at": (timezone.now() + timedelta(days=2)).isoformat(),
    }
    response = _patch(api, f"/api/v1/merchant/promotions/{row.pk}", body)
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["tiers"] == [{"min": 30000, "off": 6000}]
    # a partial edit changes only what it sends; generated rules follow the new terms
    partial = _patch(api, f"/api/v1/merchant/promotions/{row.pk}", {"tiers": [{"min": 30000, "off": 7000}]})
    assert partial.status_code == 200, partial.content
    body_after = json.loads(partial.content)
    assert body_after["name"] == "满300减60" and body_after["tiers"] == [{"min": 30000, "off": 7000}]
    assert "满300元减70元" in body_after["rules_text"]
    _, other = make_merchant()
    assert (
        _patch(ApiClient(token=token_for(other)), f"/api/v1/merchant/promotions/{row.pk}", body).status_code
        == 404
    )
    _promotions().filter(pk=row.pk).update(status="live")
    refused = _patch(api, f"/api/v1/merchant/promotions/{row.pk}", body)
    assert refused.status_code == 409 and json.loads(refused.content)["code"] == "promotion_not_draft"


def test_coupon_batches_created_edited_and_stopped_in_the_merchant_centre():
    merchant, owner = make_merchant()
    client = _client(owner)
    response = client.post(
        "/promotions/coupon-batches/new/",
        {
            "name": "满199减30",
            "min_fen": "199",
            "off_fen": "30.00",
            "total_quantity": "500",
            "per_buyer_limit": "2",
            "valid_days": "7",
            "claim_code": "SPRING2026",
            **_window(end=timedelta(days=30)),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/promotions/store-coupons/"
    batch = CouponBatch.objects.for_merchant(merchant.pk).get()
    assert (batch.min_fen, batch.off_fen, batch.total_quantity, batch.per_buyer_limit, batch.valid_days) == (
        19900,
        3000,
        500,
        2,
        7,
    )
    assert batch.layer == "store" and batch.claim_code == "SPRING2026"
    # edit while nobody holds one
    client.post(
        f"/promotions/coupon-batches/{batch.pk}/edit",
        {
            "name": "满299减50",
            "min_fen": "299",
            "off_fen": "50",
            "total_quantity": "300",
            "per_buyer_limit": "1",
            "claim_code": "SPRING2026",
            **_window(end=timedelta(days=30)),
        },
    )
    batch.refresh_from_db()
    assert (batch.name, batch.min_fen, batch.off_fen, batch.total_quantity) == ("满299减50", 29900, 5000, 300)
    # another store: 404; a batch with issued coupons cannot change
    _, other_owner = make_merchant()
    assert _client(other_owner).get(f"/promotions/coupon-batches/{batch.pk}/edit").status_code == 404
    assert _client(other_owner).post(f"/promotions/coupon-batches/{batch.pk}/stop").status_code == 404
    CouponBatch.objects.for_merchant(merchant.pk).filter(pk=batch.pk).update(issued_count=1)
    client.post(
        f"/promotions/coupon-batches/{batch.pk}/edit",
        {"name": "改", "off_fen": "1", "total_quantity": "1", "per_buyer_limit": "1", **_window()},
    )
    batch.refresh_from_db()
    assert batch.name == "满299减50"
    client.post(f"/promotions/coupon-batches/{batch.pk}/stop")
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert _actions(batch) == [
        "pricing.coupon_batch_create",
        "pricing.coupon_batch_update",
        "pricing.coupon_batch_cancel",
    ]


def test_coupon_batch_form_refuses_both_face_value_and_percent():
    merchant, owner = make_merchant()
    page = _client(owner).post(
        "/promotions/coupon-batches/new/",
        {
            "name": "x",
            "off_fen": "10",
            "percent": "10",
            "total_quantity": "1",
            "per_buyer_limit": "1",
            **_window(),
        },
    )
    assert page.status_code == 200 and not CouponBatch.objects.for_merchant(merchant.pk).exists()


@pytest.mark.req("R1.4.1")
def test_a_coupon_batch_name_with_a_forbidden_claim_is_refused_on_the_form_with_its_article():
    merchant, owner = make_merchant()
    page = _client(owner).post(
        "/promotions/coupon-batches/new/",
        {
            "name": "全网最低价券",
            "off_fen": "10",
            "total_quantity": "10",
            "per_buyer_limit": "1",
            **_window(),
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and not CouponBatch.objects.for_merchant(merchant.pk).exists()
    assert (
        "名称中的「全网最低价」违反明码标价和禁止价格欺诈规定第十九条，不得上线。（明码标价和禁止价格欺诈规定第十九条）"
        in html
    )


def test_platform_coupon_batch_and_the_api_edit():
    ops = make_staff("product_ops")
    response = _client(ops).post(
        "/promotions/coupon-batches/new/",
        {
            "name": "平台红包",
            "style": "red_packet",
            "off_fen": "5",
            "total_quantity": "1000",
            "per_buyer_limit": "1",
            **_window(),
        },
    )
    assert response.status_code == 302
    batch = CouponBatch.objects.unscoped(reason="test").get(name="平台红包")
    assert batch.merchant_id is None and batch.style == "red_packet" and batch.off_fen == 500
    platform_other = make_batch(None, name="别的")
    api = ApiClient(token=token_for(ops))
    body = {
        "name": "平台红包8元",
        "style": "red_packet",
        "off_fen": 800,
        "total_quantity": 1000,
        "starts_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        "ends_at": (timezone.now() + timedelta(days=2)).isoformat(),
    }
    assert _patch(api, f"/api/v1/coupon-batches/{batch.pk}", body).status_code == 200
    batch.refresh_from_db()
    assert batch.off_fen == 800
    assert platform_other.name == "别的"
