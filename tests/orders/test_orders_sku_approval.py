"""Stock rows without an approved catalogue SKU do not sell (issue 16): checkout and quotes refuse them with
``sku_not_approved``; rows of a live listing's SKU sell."""

from __future__ import annotations

import pytest

from mallops.accounts.actors import actor_of
from mallops.core.errors import DomainError
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create, checkout_quote
from mallops.orders.models import Checkout, StockItem
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer, make_stock

pytestmark = pytest.mark.django_db


def test_a_row_without_a_catalogue_sku_is_refused_and_nothing_is_written() -> None:
    merchant, _ = make_merchant()
    bare = make_stock(merchant, approved=False, available=5)
    approved = make_stock(merchant, available=5)
    buyer = make_buyer()
    request = CheckoutRequest(lines=[CartLine(approved.sku_code, 1), CartLine(bare.sku_code, 1)])
    for attempt in (
        lambda: checkout_quote(actor=actor_of(buyer), req=request),
        lambda: checkout_create(actor=actor_of(buyer), idempotency_key="bare-1", req=request),
    ):
        with pytest.raises(DomainError) as caught:
            attempt()
        assert (caught.value.status, caught.value.code) == (422, "validation_error")
        assert [(e.loc, e.code) for e in caught.value.errors] == [
            (("body", "lines", 1, "sku"), "sku_not_approved")
        ]
    assert not Checkout.objects.exists()
    rows = StockItem.objects.for_merchant(merchant.pk).order_by("pk")
    assert list(rows.values_list("available", "reserved")) == [(5, 0), (5, 0)]


def test_a_row_of_an_approved_catalogue_sku_sells() -> None:
    merchant, _ = make_merchant()
    item = make_stock(merchant, price_fen=1500, available=5)
    assert item.catalogue_sku_id is not None
    checkout, created = checkout_create(
        actor=actor_of(make_buyer()),
        idempotency_key="approved-1",
        req=CheckoutRequest(lines=[CartLine(item.sku_code, 2)]),
    )
    assert (created, checkout.total_fen) == (True, 3000)
