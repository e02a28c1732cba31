"""What the storefront may show of a SKU's stock row: its live price, units available and whether it sells.

Public data (every buyer sees a price and a stock state), read without a tenant; checkout applies the same
rules (``orders.checkout._validate``), so a SKU shown as on sale is one checkout accepts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum

from mallops.accounts.selectors import suspended_merchant_ids
from mallops.orders import stock
from mallops.orders.models import OrderLine, StockItem


@dataclass(frozen=True, slots=True)
class SkuOffer:
    sku_code: str
    merchant_id: int
    title: str
    price_fen: int
    available: int
    sold: int
    is_on_sale: bool


def sku_offers(*, sku_codes: Collection[str]) -> dict[str, SkuOffer]:
    """The offer of each known SKU code (unknown codes are absent). Three queries at most."""
    if not sku_codes:
        return {}
    items = list(
        StockItem.objects.unscoped(reason="the storefront shows public prices and stock").filter(
            sku_code__in=list(sku_codes)
        )
    )
    off_sale = stock.not_on_sale(items)
    suspended = suspended_merchant_ids({item.merchant_id for item in items})
    return {
        item.sku_code: SkuOffer(
            sku_code=item.sku_code,
            merchant_id=item.merchant_id,
            title=item.title,
            price_fen=item.price_fen,
            available=item.available,
            sold=item.sold,
            is_on_sale=item.sku_code not in off_sale and item.merchant_id not in suspended,
        )
        for item in items
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
