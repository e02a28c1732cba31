"""The ranking's behaviour inputs of many products at once (docs/storefront.md, 排序): sales velocity over
the last 7 and 30 days, conversion (paid orders / product-page views over 30 days), open compliance
findings of the live listing and the refund rate over 30 days.

One batch for a whole result list, a fixed number of queries whatever its length (paid sales per product, the
live listings, their findings, and one aggregate over the event store for the views), read through the
other apps' selectors. The inputs are the same for every buyer and move slowly, so each product's row is
cached for ``SECONDS`` (keyed also by its search entry's ``indexed_at``: a re-indexed product is read
again at once).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

log = logging.getLogger(__name__)

SECONDS = 300
# below this many product-page views the conversion is orders / this (a product with 1 view and 1 order
# is not a 100 % converter)
CONVERSION_MIN_VIEWS = 20


@dataclass(frozen=True, slots=True)
class RankSignals:
    units_7d: int = 0
    units_30d: int = 0
    orders_30d: int = 0
    views_30d: int = 0
    refunded_orders_30d: int = 0
    compliance_findings: int = 0

    @property
    def conversion(self) -> float:
        return min(1.0, self.orders_30d / max(self.views_30d, CONVERSION_MIN_VIEWS))

    @property
    def refund_rate(self) -> float:
        return self.refunded_orders_30d / self.orders_30d if self.orders_30d else 0.0


@dataclass(frozen=True, slots=True)
class Product:
    """What the batch needs of one search entry."""

    product_id: int
    stamp: str = ""  # the entry's indexed_at: part of the cache key


def _views(product_ids: list[int], since: datetime, until: datetime) -> dict[int, int]:
    from mallops.analytics import selectors as analytics

    to_us = int(until.timestamp() * 1_000_000)
    from_us = int(since.timestamp() * 1_000_000)
    try:
        return analytics.product_views(product_ids=product_ids, from_us=from_us, to_us=to_us)
    except Exception:  # the event store is optional for ranking: without it conversion counts as 0
        log.exception("product views for ranking could not be read")
        return {}


def compute(products: Sequence[Product], *, now: datetime | None = None) -> dict[int, RankSignals]:
    """The signals of ``products`` from the rows (no cache): four database queries and one event query."""
    from mallops.compliance import selectors as compliance
    from mallops.orders.public.selectors import product_sales
    from mallops.review import selectors as listings

    if not products:
        return {}
    now = now or timezone.now()
    since_30d, since_7d = now - timedelta(days=30), now - timedelta(days=7)
    ids = [p.product_id for p in products]
    sales = product_sales(product_ids=ids, since_7d=since_7d, since_30d=since_30d)
    listing_of = listings.live_listing_ids(product_ids=ids)
    findings = compliance.open_listing_findings(listing_ids=list(listing_of.values()))
    views = _views(ids, since_30d, now)
    out: dict[int, RankSignals] = {}
    for p in products:
        sold = sales.get(p.product_id)
        out[p.product_id] = RankSignals(
            units_7d=sold.units_7d if sold else 0,
            units_30d=sold.units_30d if sold else 0,
            # per product: an order with two of its SKUs is one order (conversion and refund rate)
            orders_30d=sold.orders_30d if sold else 0,
            views_30d=views.get(p.product_id, 0),
            refunded_orders_30d=sold.refunded_orders_30d if sold else 0,
            compliance_findings=findings.get(listing_of.get(p.product_id, -1), 0),
        )
    return out


def _key(p: Product) -> str:
    return f"storefront:rank:{p.product_id}:{p.stamp}"


def signals(products: Sequence[Product]) -> dict[int, RankSignals]:
    """The signals of ``products``, from the cache where fresh; the missing ones in one ``compute``."""
    if not products:
        return {}
    cached = cache.get_many([_key(p) for p in products])
    out: dict[int, RankSignals] = {}
    missing = []
    for p in products:
        row = cached.get(_key(p))
        if isinstance(row, RankSignals):
            out[p.product_id] = row
        else:
            missing.append(p)
    if missing:
        fresh = compute(missing)
        cache.set_many({_key(p): fresh[p.product_id] for p in missing}, SECONDS)
        out.update(fresh)
    return out
