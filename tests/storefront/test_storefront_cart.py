"""The server-side cart /shop/cart/ (issue 20, slice 2): lines hold SKU and quantity only; the page shows
the checkout quote's best combination with each discount and the payable."""

from __future__ import annotations

import pytest
from django.test import Client
from storefront_support import cart_post, live_product

from mallops.accounts.models import User
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.storefront import selectors, services
from mallops.storefront.models import CartLine
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch, make_promotion

pytestmark = pytest.mark.django_db


def _buyer_client() -> tuple[Client, User]:
    buyer = make_buyer()
    client = Client()
    client.force_login(buyer)
    return client, buyer


def test_cart_shows_each_discount_and_the_payable_from_the_quote() -> None:
    # given a store 满100减20 and a claimed store coupon 满199减30, and 2 + 1 units of 99.00 in the cart
    from mallops.pricing.coupons import coupon_claim

    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    make_promotion(merchant, status="live", name="满100减20")
    make_batch(merchant, name="满199减30", claim_code="SF199")
    client, buyer = _buyer_client()
    coupon_claim(buyer=buyer, code="SF199")
    assert cart_post(client, skus[0].code, 2).status_code == 302
    assert cart_post(client, skus[1].code, 1).status_code == 302

    # when
    view = selectors.cart_view(buyer=buyer)
    html = client.get("/shop/cart/").content.decode()

    # then: 297.00 - 20.00 (promotion on the whole store) - 30.00 (coupon on 277.00 ≥ 199) = 247.00
    assert (view.subtotal_fen, view.discount_fen, view.payable_fen) == (29700, 5000, 24700)
    assert sorted((d.kind, d.name, d.amount_fen) for d in view.discounts) == [
        ("coupon", "满199减30", 3000),
        ("promotion", "满100减20", 2000),
    ]
    assert sum(line.paid_fen for line in view.lines) == 24700
    assert "活动：满100减20" in html and "-¥20.00" in html
    assert "优惠券：满199减30" in html and "-¥30.00" in html
    assert "¥247.00" in html


def test_adding_twice_adds_up_and_qty_change_and_remove_are_audited() -> None:
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    client, buyer = _buyer_client()

    cart_post(client, skus[0].code, 1)
    cart_post(client, skus[0].code, 2)
    line = CartLine.objects.get(buyer=buyer)
    assert line.qty == 3

    client.post(f"/shop/cart/{line.pk}/", {"qty": 5})
    line.refresh_from_db()
    assert line.qty == 5
    client.post(f"/shop/cart/{line.pk}/", {"remove": "1"})

    assert CartLine.objects.filter(buyer=buyer).count() == 0
    assert list(
        AuditEvent.objects.filter(action__startswith="storefront.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["storefront.cart_add", "storefront.cart_add", "storefront.cart_set_qty", "storefront.cart_remove"]


def test_another_buyers_line_is_not_found_and_unchanged() -> None:
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    owner_client, owner = _buyer_client()
    cart_post(owner_client, skus[0].code, 1)
    line = CartLine.objects.get(buyer=owner)
    other_client, _other = _buyer_client()

    assert other_client.post(f"/shop/cart/{line.pk}/", {"qty": 9}).status_code == 404
    assert other_client.post(f"/shop/cart/{line.pk}/", {"remove": "1"}).status_code == 404

    line.refresh_from_db()
    assert line.qty == 1


@pytest.mark.parametrize("qty", [0, 10000])
def test_out_of_range_quantity_is_refused(qty: int) -> None:
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    buyer = make_buyer()

    with pytest.raises(DomainError) as raised:
        services.cart_add(buyer=buyer, sku_code=skus[0].code, qty=qty)

    assert [e.code for e in raised.value.errors] == ["invalid_qty"]
    assert CartLine.objects.filter(buyer=buyer).count() == 0


def test_a_sku_that_does_not_sell_cannot_be_added_and_a_delisted_line_is_not_priced() -> None:
    merchant, _owner = make_merchant()
    _product, skus = live_product(merchant)
    _draft, draft_skus = live_product(merchant, live=False)
    buyer = make_buyer()
    services.cart_add(buyer=buyer, sku_code=skus[0].code, qty=1)

    with pytest.raises(DomainError) as raised:
        services.cart_add(buyer=buyer, sku_code=draft_skus[0].code, qty=1)
    assert [e.code for e in raised.value.errors] == ["not_on_sale"]

    # the live product is delisted after it was added: listed as no longer selling, not priced
    from mallops.review.models import Listing

    Listing.objects.unscoped(reason="test").filter(product_id=_product.pk).update(status="taken_down")
    view = selectors.cart_view(buyer=buyer)
    assert [(line.is_on_sale, line.paid_fen) for line in view.lines] == [(False, 0)]
    assert view.payable_fen == 0


def test_signed_out_visitor_is_sent_to_sign_in_and_staff_are_refused() -> None:
    from mallops.testing.factories import make_staff

    assert Client().get("/shop/cart/").status_code == 302
    staff = make_staff("content_ops")
    client = Client()
    client.force_login(staff)
    assert client.get("/shop/cart/").status_code == 403
