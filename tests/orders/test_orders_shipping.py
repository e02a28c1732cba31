"""运费 (issue 21): a store's flat fee and 满 X 元包邮 threshold, the tier's free shipping, the order's
shipping line in the payment, and which refunds give the shipping back."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, User
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.membership.points import points_adjust
from mallops.membership.services import TierInput, tier_create
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create, checkout_quote
from mallops.orders.models import Order, OrderLine, ShippingRule, StockItem
from mallops.orders.services import buyer_refund_request, order_ship
from mallops.orders.shipping import shipping_rule_set
from mallops.payments.models import Payment
from mallops.payments.services import order_refund, payment_open, refund_issue, sandbox_pay
from mallops.pricing.models import Membership as PlatformMembership
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock
from mallops.testing.pricing import make_promotion

pytestmark = pytest.mark.django_db


def _store(fee_fen: int = 800, free_over_fen: int | None = 20_000) -> tuple[Merchant, User]:
    merchant, owner = make_merchant()
    shipping_rule_set(actor=actor_of(owner), fee_fen=fee_fen, free_over_fen=free_over_fen)
    return merchant, owner


def _paid(buyer: User, item: StockItem, qty: int = 1, points: int = 0, key: str = "k1") -> Order:
    checkout, _ = checkout_create(
        actor=actor_of(buyer),
        idempotency_key=key,
        req=CheckoutRequest(lines=[CartLine(item.sku_code, qty)], points=points),
    )
    payment = payment_open(actor=actor_of(buyer), checkout_id=checkout.pk)
    assert sandbox_pay(actor=actor_of(buyer), out_trade_no=payment.out_trade_no).outcome == "paid"
    order: Order = Order.objects.unscoped(reason="test").get(checkout=checkout)
    return order


def test_the_fee_is_a_separate_line_and_the_payment_is_goods_payable_minus_points_plus_shipping() -> None:
    # given a store charging 8 元 under 200 元 and a buyer with 1,000 points (10 元)
    merchant, _owner = _store()
    item = make_stock(merchant, price_fen=5000)
    buyer = make_buyer()
    points_adjust(actor=actor_of(make_staff("product_ops")), buyer_id=buyer.pk, delta=1000, reason="开业赠送")
    req = CheckoutRequest(lines=[CartLine(item.sku_code, 1)], points=1000)
    # when the buyer asks for the quote: the engine's total is the goods only; shipping sits beside it
    quote = checkout_quote(actor=actor_of(buyer), req=req)
    assert (quote["subtotal"], quote["discount"], quote["total"]) == (5000, 0, 5000)
    assert quote["shipping"]["total_fen"] == 800
    assert quote["shipping"]["orders"] == [
        {
            "merchant_id": merchant.pk,
            "goods_fen": 5000,
            "fee_fen": 800,
            "free_over_fen": 20_000,
            "shipping_fen": 800,
            "waiver": "",
            "tier": "",
        }
    ]
    assert quote["pay_fen"] == 5000 - 1000 + 800
    # and checks out and pays
    order = _paid(buyer, item, points=1000)
    # then the order carries the shipping line, its lines the goods only, the payment all of it
    lines = list(OrderLine.objects.unscoped(reason="test").filter(order=order))
    assert (order.shipping_fen, order.shipping_waiver, order.paid_fen) == (800, "", 4800)
    assert sum(line.paid_fen for line in lines) == 4000
    assert Payment.objects.get().amount_fen == 4800
    event = AuditEvent.objects.filter(action="orders.order_create").get()
    assert event.after is not None and event.after["shipping_fen"] == 800


def test_the_threshold_is_tested_on_the_goods_payable_after_promotions() -> None:
    # given 满200减20 of the store and its 满 200 元包邮
    merchant, _owner = _store()
    make_promotion(merchant, status="live", tiers=[{"min": 20_000, "off": 2000}])
    item = make_stock(merchant, price_fen=10_500)
    buyer = make_buyer()

    def shipping(qty: int) -> tuple[int, int, str]:
        quote = checkout_quote(
            actor=actor_of(buyer), req=CheckoutRequest(lines=[CartLine(item.sku_code, qty)])
        )
        (line,) = quote["shipping"]["orders"]
        return line["goods_fen"], line["shipping_fen"], line["waiver"]

    # then 2 units (210 元 - 20 元 = 190 元) pay shipping, 3 units (295 元) ship free
    assert shipping(2) == (19_000, 800, "")
    assert shipping(3) == (29_500, 0, "threshold")


@pytest.mark.req("R4.3.1")
def test_a_tier_with_free_shipping_waives_the_fee_and_another_buyer_pays_it() -> None:
    # given a gold tier with free shipping, one of its members, and a buyer of no tier
    staff = make_staff("product_ops")
    tier_create(
        actor=actor_of(staff),
        data=TierInput(code="gold", name="黄金会员", rank=1, min_growth=100, free_shipping=True),
    )
    member, outsider = make_buyer(), make_buyer()
    since = timezone.now() - timedelta(days=1)
    PlatformMembership.objects.create(buyer=member, level="gold", valid_from=since, granted_by=staff)
    merchant, _owner = _store()
    item = make_stock(merchant, price_fen=5000)
    # when both check out the same cart
    mine = _paid(member, item, key="member")
    theirs = _paid(outsider, item, key="outsider")
    # then the tier waived the member's shipping (shown as 会员包邮), the other buyer pays it
    assert (mine.shipping_fen, mine.shipping_waiver, mine.paid_fen) == (0, "member", 5000)
    assert (theirs.shipping_fen, theirs.shipping_waiver, theirs.paid_fen) == (800, "", 5800)
    quote = checkout_quote(actor=actor_of(member), req=CheckoutRequest(lines=[CartLine(item.sku_code, 1)]))
    assert quote["shipping"]["orders"][0]["tier"] == "黄金会员"


def test_a_client_can_neither_send_nor_change_the_shipping() -> None:
    merchant, _owner = _store()
    item = make_stock(merchant, price_fen=5000)
    buyer = make_buyer()
    client = ApiClient(token=token_for(buyer))
    body = {"lines": [{"sku": item.sku_code, "qty": 1}], "shipping_fen": 0}
    for path in ("/api/v1/buyer/checkout/quote", "/api/v1/buyer/checkout"):
        response = client.post_json(path, body, headers={"Idempotency-Key": f"ship-{path[-5:]}"})
        assert response.status_code == 422, path
        problem = json.loads(response.content)
        assert [(e["loc"][-1], e["code"]) for e in problem["errors"]] == [("shipping_fen", "extra_forbidden")]
    assert Order.objects.unscoped(reason="test").count() == 0
    # the buyer's token cannot set a store's rule either
    response = client.generic(
        "PUT",
        "/api/v1/merchant/shipping-rule",
        json.dumps({"fee_fen": 0}),
        content_type="application/json",
        headers=client._headers(None),
    )
    assert response.status_code == 403
    assert ShippingRule.objects.unscoped(reason="test").get(merchant=merchant).fee_fen == 800


def test_a_merchant_sets_only_its_own_rule_with_field_errors_and_an_audit_event() -> None:
    merchant, owner = make_merchant()
    other, _ = _store(fee_fen=500, free_over_fen=None)
    client = ApiClient(token=token_for(owner))

    def put(body: dict[str, Any]) -> Any:
        return client.generic(
            "PUT",
            "/api/v1/merchant/shipping-rule",
            json.dumps(body),
            content_type="application/json",
            headers=client._headers(None),
        )

    assert json.loads(client.get_json("/api/v1/merchant/shipping-rule").content) == {
        "merchant_id": merchant.pk,
        "fee_fen": 0,
        "free_over_fen": None,
    }
    response = put({"fee_fen": 1000, "free_over_fen": 9900, "merchant_id": other.pk})
    assert response.status_code == 422  # the store is the caller's, never named by the request
    response = put({"fee_fen": 100_001, "free_over_fen": 0})
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in json.loads(response.content)["errors"]} == {
        ("body", "fee_fen"),
        ("body", "free_over_fen"),
    }
    response = put({"fee_fen": 1000, "free_over_fen": 9900})
    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {
        "merchant_id": merchant.pk,
        "fee_fen": 1000,
        "free_over_fen": 9900,
    }
    rules = dict(ShippingRule.objects.unscoped(reason="test").values_list("merchant_id", "fee_fen"))
    assert rules == {merchant.pk: 1000, other.pk: 500}
    event = AuditEvent.objects.filter(action="orders.shipping_rule_set").order_by("-pk").first()
    assert event is not None
    assert (event.before, event.after) == (
        {"fee_fen": 0, "free_over_fen": None},
        {"fee_fen": 1000, "free_over_fen": 9900},
    )


def test_shipping_goes_back_only_with_the_whole_order_before_shipment() -> None:
    merchant, owner = _store()
    first, second = make_stock(merchant, price_fen=3000), make_stock(merchant, price_fen=2000)
    buyer = make_buyer()

    def order_of(key: str) -> Order:
        checkout, _ = checkout_create(
            actor=actor_of(buyer),
            idempotency_key=key,
            req=CheckoutRequest(lines=[CartLine(first.sku_code, 1), CartLine(second.sku_code, 1)]),
        )
        payment = payment_open(actor=actor_of(buyer), checkout_id=checkout.pk)
        sandbox_pay(actor=actor_of(buyer), out_trade_no=payment.out_trade_no)
        found: Order = Order.objects.unscoped(reason="test").get(checkout=checkout)
        return found

    # a line refund gives back goods only: the line's cap holds even though the order has the shipping left
    order = order_of("line")
    assert order.paid_fen == 5800
    line = OrderLine.objects.unscoped(reason="test").filter(order=order).order_by("pk").first()
    assert line is not None
    with pytest.raises(DomainError) as refused:
        refund_issue(actor=None, order_id=order.pk, amount_fen=3800, reference="AS1", lines={line.pk: 3800})
    assert refused.value.code == "refund_exceeds_line"
    refund_issue(actor=None, order_id=order.pk, amount_fen=3000, reference="AS2", lines={line.pk: 3000})
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == ("paid", 3000)

    # the whole order refunded before shipment: goods and shipping go back
    order = order_of("before")
    buyer_refund_request(actor=actor_of(buyer), order_id=order.pk)
    order = order_refund(actor=actor_of(owner), merchant_id=merchant.pk, order_id=order.pk)
    assert (order.status, order.refunded_fen) == ("refunded", 5800)
    assert Payment.objects.get(checkout=order.checkout).refunded_fen == 5800

    # after shipment: the goods go back, the merchant keeps the shipping (CPL Art. 25)
    order = order_of("after")
    order_ship(actor=actor_of(owner), order_id=order.pk, carrier="SF", tracking_number="SF1234567890")
    buyer_refund_request(actor=actor_of(buyer), order_id=order.pk)
    order = order_refund(actor=actor_of(owner), merchant_id=merchant.pk, order_id=order.pk)
    assert (order.status, order.refunded_fen) == ("refunded", 5000)
    assert Payment.objects.get(checkout=order.checkout).refunded_fen == 5000
    lines = OrderLine.objects.unscoped(reason="test").filter(order=order)
    assert sorted(lines.values_list("refunded_fen", flat=True)) == [2000, 3000]


def test_the_merchant_page_sets_the_rule_and_the_cart_and_order_pages_show_the_shipping() -> None:
    from django.test import Client

    from mallops.storefront.selectors import cart_view
    from mallops.storefront.services import cart_add

    # given a store's owner on 运费设置 of the merchant centre
    merchant, owner = make_merchant()
    page = Client()
    page.force_login(owner)
    assert page.get("/orders/merchant/shipping-rule/").status_code == 200
    # when they charge 8 元 under 200 元
    response = page.post("/orders/merchant/shipping-rule/", {"fee_fen": "8", "free_over_fen": "200"})
    assert response.status_code == 302
    rule = ShippingRule.objects.unscoped(reason="test").get(merchant=merchant)
    assert (rule.fee_fen, rule.free_over_fen) == (800, 20_000)
    # then the buyer's cart shows the fee, what is missing for 满额包邮 and the amount with shipping
    item = make_stock(merchant, price_fen=5000)
    buyer = make_buyer()
    cart_add(buyer=buyer, sku_code=item.sku_code, qty=1)
    cart = cart_view(buyer=buyer)
    assert (cart.payable_fen, cart.shipping_fen, cart.pay_fen, cart.free_shipping_needed) == (
        5000,
        800,
        5800,
        15_000,
    )
    shop = Client()
    shop.force_login(buyer)
    assert "再买 ¥150.00 可包邮" in shop.get("/shop/cart/").content.decode()
    # and the order detail of the merchant shows the shipping line
    order = _paid(buyer, item)
    detail = page.get(f"/orders/merchant/{order.pk}/").content.decode()
    assert 'data-testid="shipping">¥8.00</dd>' in detail
