"""``orders.public.selectors.sale_rows``: a SKU's stock row and sale state in one statement compiled once per
connection, read by the storefront (``sku_offers``: live price and stock) and by checkout and the cart quote
(``orders.checkout.read_cart_rows``). Both agree with the old path (four ORM queries: stock rows with the
store's shipping rule, catalogue SKUs, live listings, suspended stores) case by case."""

from __future__ import annotations

import pytest

from mallops.accounts.models import Merchant
from mallops.accounts.selectors import suspended_merchant_ids
from mallops.catalogue.models import Sku
from mallops.orders import stock
from mallops.orders.checkout import CartRows, read_cart_rows
from mallops.orders.models import ShippingRule, StockItem
from mallops.orders.public.selectors import SkuOffer, sku_offers
from mallops.orders.shipping import Rule, rule_of, with_store_rules
from mallops.review.models import Listing, ListingStatus
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_stock
from mallops.testing.queries import query_budget

pytestmark = pytest.mark.django_db


def _old_rows(codes: list[str]) -> CartRows:
    """The old path, query by query: the stock rows with their store's rule, then ``stock.sale_state``
    (catalogue SKUs, live listings), ``stock.not_approved`` and the suspended stores."""
    public = StockItem.objects.unscoped(reason="test")
    items = {it.sku_code: it for it in with_store_rules(public.filter(sku_code__in=codes))}
    off_sale, categories = stock.sale_state(items.values())
    return CartRows(
        items=items,
        categories=categories,
        off_sale=off_sale,
        unapproved=stock.not_approved(items.values()),
        suspended=suspended_merchant_ids({item.merchant_id for item in items.values()}),
    )


def _oracle(codes: list[str]) -> dict[str, SkuOffer]:
    """The offers of the old path, with checkout's verdict (``CartRows.sells``)."""
    rows = _old_rows(codes)
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


def _fields(rows: CartRows) -> dict[str, tuple[object, ...]]:
    """Every column of each stock row and its store's rule (model instances compare by pk only)."""
    names = [field.attname for field in StockItem._meta.concrete_fields]
    return {code: (*(getattr(item, n) for n in names), rule_of(item)) for code, item in rows.items.items()}


def _product_of(item: StockItem) -> int:
    return int(Sku.objects.unscoped(reason="test").get(pk=item.catalogue_sku_id).product_id)


CODES = ["OK-1", "BARE-1", "OFF-1", "DOWN-1", "NEVER-1", "ZERO-1", "SUSP-1", "NO-SUCH-ROW"]


def _cases() -> tuple[Merchant, StockItem]:
    """One row per case, in two stores (one of them suspended, the other with a shipping rule)."""
    shop, _owner = make_merchant()
    closed, _owner = make_merchant()
    ShippingRule.objects.unscoped(reason="test").create(merchant=shop, fee_fen=800, free_over_fen=9900)
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
    return shop, on_sale


def test_sku_offers_is_one_query_and_agrees_with_the_old_path_case_by_case() -> None:
    # given
    shop, on_sale = _cases()

    # when
    with query_budget(1):
        offers = sku_offers(sku_codes=CODES)

    # then: the same offers as the old path, and exactly these verdicts
    assert offers == _oracle(CODES)
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


def test_read_cart_rows_is_one_query_and_agrees_with_the_old_path_case_by_case() -> None:
    # given
    shop, _on_sale = _cases()
    old = _old_rows(CODES)

    # when
    with query_budget(1):
        rows = read_cart_rows(CODES)

    # then: the same rows (every column, the shipping rule), categories and refusals
    assert _fields(rows) == _fields(old)
    assert (rows.categories, rows.off_sale, rows.unapproved, rows.suspended) == (
        old.categories,
        old.off_sale,
        old.unapproved,
        old.suspended,
    )
    assert rows.off_sale == {"OFF-1", "DOWN-1", "NEVER-1"} and rows.unapproved == {"BARE-1"}
    assert rule_of(rows.items["OK-1"]) == rule_of(old.items["OK-1"]) == Rule(800, 9900)
    assert [code for code in CODES if rows.sells(code)] == ["OK-1", "ZERO-1"]
    item = rows.items["OK-1"]  # an instance as the ORM makes it: saved, of the default database
    assert (item._state.adding, item._state.db, item.merchant_id) == (False, "default", shop.pk)


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
