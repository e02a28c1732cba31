"""What the storefront may show of a SKU's stock row: its live price, units available and whether it sells.

Public data (every buyer sees a price and a stock state), read without a tenant; checkout applies the same
rules (``orders.checkout._validate``), so a SKU shown as on sale is one checkout accepts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from mallops.core.fixedsql import FixedQuery
from mallops.orders.models import OrderLine, StockItem

# the listing status that sells (review's ListingStatus.LIVE; orders reads listings only through
# ``orders.listings``, as ``orders.selectors.stock_row`` does)
LISTING_LIVE = "live"


@dataclass(frozen=True, slots=True)
class SkuOffer:
    sku_code: str
    merchant_id: int
    title: str
    price_fen: int
    available: int
    sold: int
    is_on_sale: bool


# the stock row's own columns, in the model's order (``read_cart_rows`` makes model instances of them)
STOCK_COLUMNS = (
    "id",
    "merchant_id",
    "sku_code",
    "catalogue_sku_id",
    "title",
    "price_fen",
    "available",
    "reserved",
    "sold",
    "updated_at",
)


def _sale_rows(sku_codes: list[str]) -> QuerySet[StockItem]:
    """The one statement of a SKU's sale state (``sale_rows``): each stock row with what decides whether it
    sells (its catalogue SKU's ``is_active``, its product's listing status, its store's ``is_active``), its
    catalogue category code (category-scoped offers) and its store's shipping rule, by left joins and
    subqueries. Public rows (every buyer sees prices, stock and shipping rules), so read without a tenant."""
    from mallops.orders.listings import listing_status_subquery
    from mallops.orders.shipping import with_store_rules

    status = listing_status_subquery(OuterRef("catalogue_sku__product_id"))
    public = StockItem.objects.unscoped(reason="the storefront and checkout read public prices and stock")
    rows: QuerySet[StockItem] = (
        with_store_rules(public.filter(sku_code__in=sku_codes))
        .annotate(listing_status=Subquery(status))
        .order_by()
        .values(
            *STOCK_COLUMNS,
            "catalogue_sku__is_active",
            "catalogue_sku__product__category__code",
            "merchant__is_active",
            "listing_status",
            "shipping_fee_fen",
            "shipping_free_over_fen",
        )
    )
    return rows


_SALE_ROWS = FixedQuery("orders.public.sale_rows", _sale_rows)


def sale_rows(*, sku_codes: Collection[str]) -> list[dict[str, Any]]:
    """The stock rows of ``sku_codes`` (unknown codes are absent) with their sale state: ``STOCK_COLUMNS``,
    ``catalogue_sku__is_active`` and ``catalogue_sku__product__category__code`` (None when unlinked),
    ``listing_status`` (None when never listed), ``merchant__is_active``, ``shipping_fee_fen`` and
    ``shipping_free_over_fen`` (None when the store has no rule). One query, compiled once per connection
    and list length; every call reads the rows of now."""
    if not sku_codes:
        return []
    return _SALE_ROWS.rows(sku_codes=sorted(set(sku_codes)))


def sells(row: dict[str, Any]) -> bool:
    """Checkout's rule on a ``sale_rows`` row: linked to an active catalogue SKU (a row without one was never
    reviewed: ``sku_not_approved``), its product's listing live, its store not suspended."""
    return bool(
        row["catalogue_sku_id"]
        and row["catalogue_sku__is_active"]
        and row["listing_status"] == LISTING_LIVE
        and row["merchant__is_active"]
    )


def sku_offers(*, sku_codes: Collection[str]) -> dict[str, SkuOffer]:
    """The offer of each known SKU code (unknown codes are absent). One query (``sale_rows``);
    ``is_on_sale`` is checkout's rule (``sells``)."""
    return {
        str(row["sku_code"]): SkuOffer(
            sku_code=str(row["sku_code"]),
            merchant_id=int(row["merchant_id"]),
            title=str(row["title"]),
            price_fen=int(row["price_fen"]),
            available=int(row["available"]),
            sold=int(row["sold"]),
            is_on_sale=sells(row),
        )
        for row in sale_rows(sku_codes=sku_codes)
    }


@dataclass(frozen=True, slots=True)
class ProductSales:
    """Paid sales of one catalogue product (all its SKUs) since ``since_30d``: units in the last 7 and 30
    days, the paid orders that carry it (an order with two of its SKUs counts once) and how many of those
    were refunded in part or in full (the storefront's ranking inputs, 已售 and 销量)."""

    units_7d: int = 0
    units_30d: int = 0
    orders_30d: int = 0
    refunded_orders_30d: int = 0


def product_sales(
    *, product_ids: Collection[int], since_7d: datetime, since_30d: datetime
) -> dict[int, ProductSales]:
    """Sales of each catalogue product over paid orders (``paid_at`` in the window; cancelled unpaid orders
    never count), counted per product through the line's stock row and its catalogue SKU, so orders are
    distinct per product. One query, platform-wide: ranking reads every store's public sales velocity."""
    if not product_ids:
        return {}
    rows = (
        OrderLine.objects.unscoped(reason="the storefront ranks by every store's sales velocity")
        .filter(item__catalogue_sku__product_id__in=list(product_ids), order__paid_at__gte=since_30d)
        .values("item__catalogue_sku__product_id")
        .annotate(
            units_7d=Sum("qty", filter=Q(order__paid_at__gte=since_7d), default=0),
            units_30d=Sum("qty", default=0),
            orders_30d=Count("order", distinct=True),
            refunded=Count("order", filter=Q(order__refunded_fen__gt=0), distinct=True),
        )
        .values_list("item__catalogue_sku__product_id", "units_7d", "units_30d", "orders_30d", "refunded")
    )
    return {
        int(product): ProductSales(int(u7), int(u30), int(orders), int(refunded))
        for product, u7, u30, orders, refunded in rows
    }
