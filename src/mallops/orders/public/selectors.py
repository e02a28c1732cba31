"""What the storefront may show of a SKU's stock row: its live price, units available and whether it sells.

Public data (every buyer sees a price and a stock state), read without a tenant; checkout applies the same
rules (``orders.checkout._validate``), so a SKU shown as on sale is one checkout accepts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from mallops.accounts.selectors import suspended_merchant_ids
from mallops.orders import stock
from mallops.orders.models import StockItem


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
