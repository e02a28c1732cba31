"""Plain facts about a promotion, fed to the pure checks and the rules-text generator (no Django).

The Django side builds these from rows (``mallops.pricing.adapters``); tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

KINDS = ("percent_off", "amount_off", "nth_item", "threshold", "multi_buy")
ITEM_KINDS = frozenset({"percent_off", "amount_off", "nth_item"})


@dataclass(frozen=True, slots=True)
class SkuPrice:
    """The price a promotion starts from for one SKU, and the reference price (原价/划线价) it shows."""

    sku: str
    price_fen: int
    reference_price_fen: int | None = None


@dataclass(frozen=True, slots=True)
class PromotionFacts:
    id: str
    name: str
    kind: str
    layer: str  # item, store or platform
    starts_at: datetime | None
    ends_at: datetime | None
    merchant_id: int | None = None
    merchant_name: str = ""
    percent: int = 0
    amount_fen: int = 0
    n: int = 0
    tiers: tuple[tuple[int, int], ...] = ()  # (min_fen, off_fen)
    repeat: bool = False
    cap_fen: int | None = None
    min_qty: int = 0
    with_coupons: bool = True
    members_only: bool = False
    time_limited: bool = False
    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    merchants: tuple[int, ...] = ()  # platform promotions: participating merchants (empty: all)
    per_buyer_limit: int | None = None
    total_limit: int | None = None
    sku_prices: tuple[SkuPrice, ...] = field(default=())
    rules_text: str = ""
    description: str = ""
    status: str = "draft"
