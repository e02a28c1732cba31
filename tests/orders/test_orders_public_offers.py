"""``orders.public.selectors.sku_offers`` (the storefront's live price and stock of a SKU) in one statement:
the same rows and the same verdict as checkout's own read (``orders.checkout.read_cart_rows``, four ORM
queries), case by case."""

from __future__ import annotations

import pytest

from mallops.accounts.models import Merchant
from mallops.catalogue.models import Sku
from mallops.orders.checkout import read_cart_rows
from mallops.orders.models import StockItem
from mallops.orders.public.selectors import SkuOffer, sku_offers
from mallops.review.models import Listing, ListingStatus
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_stock
from mallops.testing.queries import query_budget

pytestmark = pytest.mark.django_db


def _oracle(codes: list[str]) -> dict[str, SkuOffer]:
    """The old path: checkout's read of the rows (stock rows, catalogue SKUs, live listings, suspended
    stores) and checkout's verdict."""
    rows = read_cart_rows(codes)
    return {
        code: SkuOffer(
            sku_code=code,
            merchant_id=item.merchant_id,
            title=item.title,
            price_fen=item.price_fen,
            available=item.available,
            sold=item.sold,
            is_on_sale=rows.sells(code),
        )
        for code, item in rows.items.items()
    }


def _product_of(item: StockItem) -> int:
    return int(Sku.objects.unscoped(reason="test").get(pk=item.catalogue_sku_id).product_id)


def test_sku_offers_is_one_query_and_agrees_with_checkout_case_by_case() -> None:
    # given: one row per case, in two stores (one of them suspended)
    shop, _owner = make_merchant()
    closed, _owner = make_merchant()
    on_sale = make_stock(shop, sku="OK-1", price_fen=1290, available=7)
    make_stock(shop, sku="BARE-1", available=5, approved=False)
    inactive = make_stock(shop, sku="OFF-1")
    Sku.objects.unscoped(reason="test").filter(pk=inactive.catalogue_sku_id).update(is_active=False)
    delisted = make_stock(shop, sku="DOWN-1")
    Listing.objects.unscoped(reason="test").filter(product_id=_product_of(delisted)).update(
        status=ListingStatus.TAKEN_DOWN
    )
    unlisted = make_stock(shop, sku="NEVER-1")
    Listing.objects.unscoped(reason="test").filter(product_id=_product_of(unlisted)).delete()
    make_stock(shop, sku="ZERO-1", available=0)
    make_stock(closed, sku="SUSP-1")
    Merchant.objects.filter(pk=closed.pk).update(is_active=False)
    codes = ["OK-1", "BARE-1", "OFF-1", "DOWN-1", "NEVER-1", "ZERO-1", "SUSP-1", "NO-SUCH-ROW"]

    # when
    with query_budget(1):
        offers = sku_offers(sku_codes=codes)

    # then: the same offers as checkout's read, and exactly these verdicts
    assert offers == _oracle(codes)
    assert {code: offer.is_on_sale for code, offer in offers.items()} == {
        "OK-1": True,
        "BARE-1": False,  # never reviewed: checkout refuses it (sku_not_approved)
        "OFF-1": False,
        "DOWN-1": False,
        "NEVER-1": False,
        "ZERO-1": True,  # on sale, sold out (the page says so from ``available``)
        "SUSP-1": False,
    }
    assert offers["OK-1"] == SkuOffer("OK-1", shop.pk, on_sale.title, 1290, 7, 0, True)
    assert (offers["BARE-1"].available, offers["ZERO-1"].available) == (5, 0)


def test_sku_offers_of_any_subset_reads_the_rows_of_now() -> None:
    # given: the statement is compiled once per length; later calls run it with their own values
    shop, _owner = make_merchant()
    make_stock(shop, sku="A-1", price_fen=100)
    make_stock(shop, sku="B-1", price_fen=200)
    assert set(sku_offers(sku_codes=["A-1"])) == {"A-1"}

    # when: a price changes and another code of the same length is asked
    StockItem.objects.unscoped(reason="test").filter(sku_code="A-1").update(price_fen=150)

    # then
    assert sku_offers(sku_codes=["B-1"])["B-1"].price_fen == 200
    assert sku_offers(sku_codes=["A-1"])["A-1"].price_fen == 150
    assert sku_offers(sku_codes=["B-1", "A-1", "A-1"]) == _oracle(["A-1", "B-1"])
    assert sku_offers(sku_codes=[]) == {}
