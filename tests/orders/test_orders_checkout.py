"""Checkout: split per merchant, discount shares, idempotent replay, price changes and bad input."""

from __future__ import annotations

import json

import pytest

from mallops.accounts.actors import actor_of
from mallops.dsr.testing import grant_consent
from mallops.orders.models import Checkout, Order, OrderLine, StockItem, StockLedger
from mallops.orders.stock import ledger_balance
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    m1, _ = make_merchant()
    m2, _ = make_merchant()
    a = make_stock(m1, sku="A-1", price_fen=3333, available=10)
    b = make_stock(m1, sku="A-2", price_fen=1001, available=10)
    c = make_stock(m2, sku="B-1", price_fen=7777, available=5)
    buyer = make_buyer()
    return {
        "m1": m1,
        "m2": m2,
        "items": (a, b, c),
        "buyer": buyer,
        "client": ApiClient(token=token_for(buyer)),
    }


def _offers(shop):
    """A live store 满50减10.01 of m1 and a platform 满100减7.77 coupon held by the buyer (server rows)."""
    from mallops.pricing.coupons import coupons_issue
    from mallops.testing.pricing import make_batch, make_promotion

    make_promotion(shop["m1"], status="live", tiers=[{"min": 5000, "off": 1001}])
    batch = make_batch(None, min_fen=10000, off_fen=777)
    grant_consent([shop["buyer"]], ["marketing"])  # a coupon sent to a buyer is marketing
    coupons_issue(
        actor=actor_of(make_staff("product_ops")),
        merchant_id=None,
        batch_id=batch.pk,
        usernames=[shop["buyer"].username],
    )


def _body(shop, expected=None):
    body = {"lines": [{"sku": "A-1", "qty": 2}, {"sku": "A-2", "qty": 1}, {"sku": "B-1", "qty": 1}]}
    if expected is not None:
        body["expected_total_fen"] = expected
    return body


@pytest.mark.req("R2.3.5")
def test_checkout_splits_per_merchant_and_line_shares_sum_exactly(shop):
    _offers(shop)
    quote = json.loads(shop["client"].post_json("/api/v1/buyer/checkout/quote", _body(shop)).content)
    assert quote["discount"] > 0
    response = shop["client"].post_json(
        "/api/v1/buyer/checkout", _body(shop, quote["total"]), headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert len(body["orders"]) == 2
    assert {o["merchant_id"] for o in body["orders"]} == {shop["m1"].pk, shop["m2"].pk}
    assert sum(o["paid_fen"] for o in body["orders"]) == body["total_fen"] == quote["total"]
    assert sum(o["discount_fen"] for o in body["orders"]) == quote["discount"]
    for order in body["orders"]:
        assert order["paid_fen"] == order["subtotal_fen"] - order["discount_fen"]
        assert sum(ln["discount_fen"] for ln in order["lines"]) == order["discount_fen"]
        for ln in order["lines"]:
            assert ln["amount_fen"] == ln["unit_price_fen"] * ln["qty"]
            assert sum(ln["shares"].values()) == ln["discount_fen"]
            assert ln["paid_fen"] == ln["amount_fen"] - ln["discount_fen"]
    # every applied discount is apportioned to lines exactly
    for applied in quote["applied"]:
        stored = sum(
            line.shares.get(applied["id"], 0) for line in OrderLine.objects.unscoped(reason="test").all()
        )
        assert stored == applied["amount"]
    # stock reserved at creation, ledger balances
    for item in StockItem.objects.unscoped(reason="test").all():
        assert ledger_balance(item) == (item.available, item.reserved, item.sold)
    a = StockItem.objects.unscoped(reason="test").get(sku_code="A-1")
    assert (a.available, a.reserved) == (8, 2)
    assert all(o["pay_due_at"] for o in body["orders"])


@pytest.mark.req("R2.3.5")
def test_replaying_a_checkout_returns_the_first_and_creates_nothing(shop):
    headers = {"Idempotency-Key": "same-key"}
    first = shop["client"].post_json("/api/v1/buyer/checkout", _body(shop), headers=headers)
    again = shop["client"].post_json("/api/v1/buyer/checkout", _body(shop), headers=headers)
    assert first.status_code == 201
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert json.loads(again.content)["id"] == json.loads(first.content)["id"]
    assert Checkout.objects.count() == 1
    assert Order.objects.unscoped(reason="test").count() == 2
    # the service itself is idempotent too (key stored with the checkout)
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create

    checkout, created = checkout_create(
        actor=actor_of(shop["buyer"]),
        idempotency_key="same-key",
        req=CheckoutRequest(lines=[CartLine("A-1", 1)]),
    )
    assert not created and checkout.pk == json.loads(first.content)["id"]
    assert StockItem.objects.unscoped(reason="test").get(sku_code="A-1").reserved == 2


def test_checkout_needs_an_idempotency_key(shop):
    response = shop["client"].post_json("/api/v1/buyer/checkout", _body(shop))
    assert response.status_code == 428
    assert json.loads(response.content)["code"] == "idempotency_key_required"


@pytest.mark.req("R2.3.5")
def test_a_changed_price_answers_409_with_the_new_quote_and_writes_nothing(shop):
    old_total = json.loads(shop["client"].post_json("/api/v1/buyer/checkout/quote", _body(shop)).content)[
        "total"
    ]
    StockItem.objects.unscoped(reason="test").filter(sku_code="B-1").update(price_fen=8888)
    response = shop["client"].post_json(
        "/api/v1/buyer/checkout", _body(shop, old_total), headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 409
    body = json.loads(response.content)
    assert body["code"] == "price_changed"
    assert body["quote"]["total"] == old_total + 1111
    assert response["Content-Type"] == "application/problem+json"
    assert Order.objects.unscoped(reason="test").count() == 0
    assert StockLedger.objects.unscoped(reason="test").filter(kind="reserve").count() == 0


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([{"sku": "NOPE", "qty": 1}], "unknown_sku"),
        ([{"sku": "A-1", "qty": 0}], "invalid_qty"),
        ([{"sku": "A-1", "qty": -2}], "invalid_qty"),
        ([], "empty_cart"),
        ([{"sku": "A-1", "qty": 1}, {"sku": "A-1", "qty": 1}], "duplicate_sku"),
    ],
)
def test_bad_carts_are_422_with_a_stable_code_and_write_nothing(shop, lines, code):
    response = shop["client"].post_json(
        "/api/v1/buyer/checkout", {"lines": lines}, headers={"Idempotency-Key": f"bad-{code}-{len(lines)}"}
    )
    assert response.status_code == 422
    assert code in {e["code"] for e in json.loads(response.content)["errors"]}
    assert Order.objects.unscoped(reason="test").count() == 0


def test_not_enough_stock_is_409_and_rolls_back_every_reservation(shop):
    body = {"lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-1", "qty": 6}]}
    response = shop["client"].post_json("/api/v1/buyer/checkout", body, headers={"Idempotency-Key": "short"})
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "out_of_stock"
    assert json.loads(response.content)["sku"] == "B-1"
    a = StockItem.objects.unscoped(reason="test").get(sku_code="A-1")
    assert (a.available, a.reserved) == (10, 0)
    assert Order.objects.unscoped(reason="test").count() == 0


def test_only_buyers_check_out(shop):
    _m, owner = make_merchant()
    response = ApiClient(token=token_for(owner)).post_json(
        "/api/v1/buyer/checkout", _body(shop), headers={"Idempotency-Key": "x"}
    )
    assert response.status_code == 403


def test_the_delivery_address_is_copied_onto_each_order(shop):
    from mallops.accounts.models import Address

    Address.objects.create(
        user=shop["buyer"],
        recipient="李雷",
        phone="13912345678",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        detail="文三路 1 号",
        is_default=True,
    )
    response = shop["client"].post_json(
        "/api/v1/buyer/checkout", _body(shop), headers={"Idempotency-Key": "addr"}
    )
    orders = json.loads(response.content)["orders"]
    assert {o["ship_region"] for o in orders} == {"浙江省杭州市西湖区"}
    assert "ship_phone" not in orders[0] and "13912345678" not in response.content.decode()
    stored = Order.objects.unscoped(reason="test").first()
    assert stored.ship_recipient == "李雷" and stored.ship_detail == "文三路 1 号"
    bad = dict(_body(shop), address_id=999999)
    refused = shop["client"].post_json("/api/v1/buyer/checkout", bad, headers={"Idempotency-Key": "addr2"})
    assert (
        refused.status_code == 422 and json.loads(refused.content)["errors"][0]["code"] == "unknown_address"
    )


@pytest.mark.req("R2.3.5")
def test_live_promotions_and_held_coupons_apply_and_are_redeemed(shop):
    from mallops.pricing.coupons import coupons_issue
    from mallops.pricing.models import Coupon, PromotionUse
    from mallops.testing.pricing import make_batch, make_promotion

    promo = make_promotion(shop["m1"], status="live", tiers=[{"min": 5000, "off": 1000}])
    batch = make_batch(None, min_fen=10000, off_fen=500)
    grant_consent([shop["buyer"]], ["marketing"])  # a coupon sent to a buyer is marketing
    coupons_issue(
        actor=actor_of(make_staff("product_ops")),
        merchant_id=None,
        batch_id=batch.pk,
        usernames=[shop["buyer"].username],
    )
    quote = json.loads(shop["client"].post_json("/api/v1/buyer/checkout/quote", _body(shop)).content)
    applied = {a["id"]: a["amount"] for a in quote["applied"]}
    coupon = Coupon.objects.for_buyer(shop["buyer"].pk).get()
    assert applied == {f"P{promo.pk}": 1000, f"C{coupon.pk}": 500}
    response = shop["client"].post_json(
        "/api/v1/buyer/checkout",
        _body(shop, quote["total"]),
        headers={"Idempotency-Key": "live"},
    )
    assert response.status_code == 201, response.content
    assert json.loads(response.content)["discount_fen"] == 1500
    coupon.refresh_from_db()
    assert coupon.status == "used" and coupon.order_ref.startswith("checkout:")
    assert PromotionUse.objects.unscoped(reason="test").filter(promotion=promo).count() == 1
    # the coupon is spent: the next checkout gets the promotion only
    again = json.loads(shop["client"].post_json("/api/v1/buyer/checkout/quote", _body(shop)).content)
    assert {a["id"] for a in again["applied"]} == {f"P{promo.pk}"}


@pytest.mark.req("R6.2.1")
@pytest.mark.parametrize("path", ["/api/v1/buyer/checkout", "/api/v1/buyer/checkout/quote"])
@pytest.mark.parametrize(
    "forged",
    [
        {"coupons": [{"id": "C-mine", "layer": "platform", "min": 0, "off": 3332}]},
        {"promotions": [{"id": "P-99", "kind": "percent_off", "layer": "item", "percent": 99}]},
        {"member": True},
        {"lines": [{"sku": "A-1", "qty": 1, "unit_price_fen": 1}]},
        {"lines": [{"sku": "A-1", "qty": 1}], "discount_fen": 3332},
        {"lines": [{"sku": "A-1", "qty": 1}], "total_fen": 1},
    ],
)
def test_the_buyer_cannot_set_a_price_discount_or_membership(shop, path, forged):
    # given a buyer who invents an offer, a membership or a price in the body
    body = {"lines": [{"sku": "A-1", "qty": 1}], **forged}
    # when they quote or check out
    response = shop["client"].post_json(path, body, headers={"Idempotency-Key": "forged"})
    # then the request is refused with the field named, and nothing is written
    assert response.status_code == 422, response.content
    problem = json.loads(response.content)
    assert problem["code"] == "validation_error"
    assert any(
        set(forged) & set(map(str, e["loc"])) or "unit_price_fen" in e["loc"] for e in problem["errors"]
    )
    assert Checkout.objects.count() == 0
    assert Order.objects.unscoped(reason="test").count() == 0
    # and the honest cart is priced from the stock row (33.33 元, no discount exists)
    honest = shop["client"].post_json("/api/v1/buyer/checkout/quote", {"lines": [{"sku": "A-1", "qty": 1}]})
    assert json.loads(honest.content)["total"] == 3333


@pytest.mark.req("R6.2.1")
def test_a_coupon_the_buyer_does_not_hold_is_refused(shop):
    from mallops.pricing.coupons import coupons_issue
    from mallops.pricing.models import Coupon
    from mallops.testing.pricing import make_batch

    other = make_buyer()
    grant_consent([other], ["marketing"])
    batch = make_batch(None, min_fen=0, off_fen=500)
    coupons_issue(
        actor=actor_of(make_staff("product_ops")),
        merchant_id=None,
        batch_id=batch.pk,
        usernames=[other.username],
    )
    theirs = Coupon.objects.for_buyer(other.pk).get()
    response = shop["client"].post_json(
        "/api/v1/buyer/checkout",
        {"lines": [{"sku": "A-1", "qty": 1}], "coupon_ids": [theirs.pk]},
        headers={"Idempotency-Key": "not-mine"},
    )
    assert response.status_code == 422
    assert json.loads(response.content)["errors"][0] == {
        "loc": ["body", "coupon_ids", 0],
        "msg": "not one of your usable coupons",
        "code": "unknown_coupon",
    }
    assert Checkout.objects.count() == 0
    theirs.refresh_from_db()
    assert theirs.status == "unused"


@pytest.mark.req("R6.2.1")
@pytest.mark.parametrize(
    "body",
    [
        {"lines": [{"sku": "A-1", "qty": True}]},
        {"lines": [{"sku": "A-1", "qty": "5"}]},
        {"lines": [{"sku": "A-1", "qty": 2**63}]},
        {"lines": [{"sku": "A-1", "qty": 1}], "expected_total_fen": "3333"},
        {"lines": [{"sku": "A-1", "qty": 1}], "coupon_ids": [True]},
        [{"sku": "A-1", "qty": 1}],
    ],
)
def test_checkout_bodies_are_strict(shop, body):
    response = shop["client"].post_json("/api/v1/buyer/checkout", body, headers={"Idempotency-Key": "strict"})
    assert response.status_code == 422, response.content
    assert Checkout.objects.count() == 0
