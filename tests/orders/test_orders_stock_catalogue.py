"""A catalogue SKU has its stock row: created and kept in sync by the catalogue's services, sold by checkout
only while the SKU is active and its listing live."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mallops.accounts.actors import actor_of
from mallops.catalogue.contracts import SkuInput
from mallops.catalogue.fixtures import make_product, product_input
from mallops.catalogue.models import Sku
from mallops.catalogue.services import product_update, sku_price_set
from mallops.core.errors import DomainError
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import StockItem
from mallops.orders.stock import ledger_balance
from mallops.review import services as review
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db


def _row(code: str) -> StockItem:
    return StockItem.objects.unscoped(reason="test").get(sku_code=code)


def _publish(merchant_id: int, product_id: int) -> None:
    listing = review.listing_create(actor=actor_of(None), merchant_id=merchant_id, product_id=product_id)
    review.listing_submit(actor=actor_of(None), merchant_id=merchant_id, listing_id=listing.pk)
    reviewer = make_staff("listing_reviewer")
    review.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    review.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk)


def _buy(buyer, code: str, qty: int = 1, key: str = "k"):
    return checkout_create(
        actor=actor_of(buyer), idempotency_key=key, req=CheckoutRequest(lines=[CartLine(code, qty)])
    )


@pytest.mark.req("R2.3.5")
def test_catalogue_skus_get_linked_stock_rows_that_sell_only_once_published():
    merchant, _ = make_merchant()
    product = make_product(merchant.pk)  # SKUs A-1 (stock 50, 3900 fen) and A-2 (stock 30, 4200 fen)
    a1 = Sku.objects.for_merchant(merchant.pk).get(product=product, code="A-1")
    row = _row("A-1")
    assert row.catalogue_sku_id == a1.pk and row.merchant_id == merchant.pk
    assert (row.available, row.reserved, row.sold, row.price_fen) == (50, 0, 0, 3900)
    assert "白色" in row.title and ledger_balance(row) == (50, 0, 0)
    assert _row("A-2").available == 30

    buyer = make_buyer()
    with pytest.raises(DomainError) as refused:
        _buy(buyer, "A-1", key="draft")
    assert refused.value.status == 422
    assert refused.value.errors[0].code == "not_on_sale"
    assert refused.value.errors[0].loc == ("body", "lines", 0, "sku")
    assert _row("A-1").reserved == 0  # nothing written

    _publish(merchant.pk, product.pk)
    _checkout, created = _buy(buyer, "A-1", qty=2, key="live")
    assert created
    row = _row("A-1")
    assert (row.available, row.reserved) == (48, 2) and ledger_balance(row) == (48, 2, 0)

    # the catalogue price follows onto the stock row; re-saving the product does not reset the units
    sku_price_set(actor=actor_of(None), merchant_id=merchant.pk, sku_id=a1.pk, price_fen=3500)
    assert _row("A-1").price_fen == 3500
    data = product_input("general")
    data = replace(data, skus=[SkuInput(code="A-1", price_fen=3600, stock=50, spec_values={"颜色": "白色"})])
    product_update(actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk, data=data)
    row = _row("A-1")
    assert (row.available, row.reserved, row.price_fen) == (48, 2, 3600)

    # A-2 left the product (inactive SKU): its row stays but no longer sells
    with pytest.raises(DomainError) as gone:
        _buy(buyer, "A-2", key="gone")
    assert gone.value.errors[0].code == "not_on_sale"


@pytest.mark.req("R2.3.5")
def test_a_code_another_store_already_sells_gets_no_second_row():
    first, _ = make_merchant()
    second, _ = make_merchant()
    make_product(first.pk)
    make_product(second.pk)  # the same codes: the catalogue allows it, carts cannot
    assert _row("A-1").merchant_id == first.pk
    assert StockItem.objects.unscoped(reason="test").filter(merchant_id=second.pk).count() == 0


@pytest.mark.req("R2.3.5")
def test_the_api_refuses_an_unpublished_catalogue_sku_with_a_field_path():
    merchant, _ = make_merchant()
    make_product(merchant.pk)
    buyer = make_buyer()
    client = ApiClient(token=token_for(buyer))
    response = client.post_json(
        "/api/v1/buyer/checkout",
        {"lines": [{"sku": "A-1", "qty": 1}]},
        headers={"Idempotency-Key": "api-1"},
    )
    body = json.loads(response.content)
    assert response.status_code == 422 and body["errors"][0]["code"] == "not_on_sale"
    assert body["errors"][0]["loc"] == ["body", "lines", 0, "sku"]
