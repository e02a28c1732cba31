"""Pricing reads the catalogue: SKU prices and categories for the cart, price history for the checks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.catalogue.models import Category, PriceHistory, Product, Sku
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for
from mallops.testing.pricing import make_buyer, make_promotion

pytestmark = pytest.mark.django_db


@pytest.fixture
def apple():
    merchant, owner = make_merchant()
    category = Category.objects.get(code="food")
    product = Product.objects.create(merchant=merchant, category=category, title="烟台红富士苹果")
    sku = Sku.objects.create(merchant=merchant, product=product, code="APL-1", price_fen=5990, stock=100)
    return merchant, owner, sku


def _history(sku, *points):
    now = timezone.now()
    for days, price in points:
        PriceHistory.objects.create(
            merchant_id=sku.merchant_id, sku=sku, price_fen=price, changed_at=now - timedelta(days=days)
        )


def _launch(owner, **extra) -> tuple[int, dict]:
    now = timezone.now()
    client = ApiClient(token=token_for(owner))
    payload = {
        "name": "苹果直降",
        "kind": "amount_off",
        "amount_fen": 500,
        "skus": ["APL-1"],
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        **extra,
    }
    created = json.loads(client.post_json("/api/v1/merchant/promotions", payload).content)
    response = client.post_json(f"/api/v1/merchant/promotions/{created['id']}/launch", {})
    return response.status_code, json.loads(response.content)


@pytest.mark.req("R2.3.3")
def test_catalogue_price_rise_blocks_the_discount(apple):
    _, owner, sku = apple
    _history(sku, (30, 5990), (3, 6590))
    status, body = _launch(owner)
    assert status == 409
    assert [f["code"] for f in body["findings"]] == ["raise_then_discount"]


@pytest.mark.req("R2.3.3")
def test_catalogue_history_bounds_the_reference_price(apple):
    _, owner, sku = apple
    _history(sku, (30, 5990))
    status, inflated = _launch(
        owner, sku_prices=[{"sku": "APL-1", "price_fen": 5990, "reference_price_fen": 8800}]
    )
    assert status == 409
    assert [f["citation"]["text"] for f in inflated["findings"]] == ["明码标价和禁止价格欺诈规定第十六条"]
    status, honest = _launch(
        owner, name="苹果直降2", sku_prices=[{"sku": "APL-1", "price_fen": 5990, "reference_price_fen": 5990}]
    )
    assert (status, honest["status"]) == (200, "scheduled")


@pytest.mark.req("R2.3.5")
def test_cart_lines_are_priced_and_categorised_from_the_catalogue(apple):
    merchant, _, sku = apple
    make_promotion(
        merchant,
        name="生鲜9折",
        kind="percent_off",
        layer="item",
        percent=10,
        tiers=[],
        categories=["food"],
        status="live",
    )
    buyer = ApiClient(token=token_for(make_buyer("buyer-apple")))
    lines = [
        {"id": "A", "sku_id": sku.pk, "merchant_id": merchant.pk, "qty": 2},
        {"id": "B", "sku": "APL-1", "merchant_id": merchant.pk, "qty": 1},
    ]
    body = json.loads(buyer.post_json("/api/v1/buyer/cart/quote", {"lines": lines}).content)
    assert body["prices"] == {"A": "catalogue", "B": "catalogue"}
    assert [ln["amount"] for ln in body["lines"]] == [11980, 5990]
    (applied,) = body["applied"]
    assert applied["lines"] == {"A": 1198, "B": 599}
    unknown = buyer.post_json(
        "/api/v1/buyer/cart/quote", {"lines": [{"sku_id": 999999, "merchant_id": merchant.pk, "qty": 1}]}
    )
    assert unknown.status_code == 422 and json.loads(unknown.content)["errors"][0]["loc"] == [
        "body",
        "lines",
        0,
        "sku_id",
    ]
    no_price = buyer.post_json(
        "/api/v1/buyer/cart/quote", {"lines": [{"sku": "X", "merchant_id": merchant.pk, "qty": 1}]}
    )
    assert json.loads(no_price.content)["errors"][0] == {
        "loc": ["body", "lines", 0, "sku"],
        "msg": "no such active SKU of this merchant",
        "code": "unknown_sku",
    }
    # a price (or a category) sent by the buyer is refused, never used
    forged = buyer.post_json(
        "/api/v1/buyer/cart/quote",
        {"lines": [{"sku": "APL-1", "merchant_id": merchant.pk, "qty": 1, "unit_price_fen": 1}]},
    )
    assert forged.status_code == 422
    assert json.loads(forged.content)["errors"][0]["code"] == "extra_forbidden"


@pytest.mark.req("R2.3.5")
def test_checkout_quote_applies_a_category_scoped_offer_like_the_cart_quote() -> None:
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_quote
    from mallops.testing.orders import make_stock

    merchant, _ = make_merchant("类目店")
    general = make_stock(merchant, price_fen=5000)  # the factory's product sits in category "general"
    make_promotion(
        merchant,
        name="百货9折",
        kind="percent_off",
        layer="item",
        percent=10,
        tiers=[],
        categories=["general"],
        status="live",
    )
    make_promotion(
        merchant,
        name="生鲜8折",
        kind="percent_off",
        layer="item",
        percent=20,
        tiers=[],
        categories=["food"],
        status="live",
    )
    quote = checkout_quote(
        actor=make_buyer("buyer-category"), req=CheckoutRequest(lines=[CartLine(general.sku_code, 2)])
    )
    assert (quote["subtotal"], quote["discount"], quote["total"]) == (10000, 1000, 9000)
