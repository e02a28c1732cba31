"""What pricing reads from the catalogue: SKUs by id or by the merchant's SKU code (price, category) and
their price history (``mallops.catalogue.selectors.lowest_price_since`` and ``PriceHistory`` rows).

Promotions name SKUs by the merchant's SKU code. A code can repeat across a merchant's products, so a
code matching several active SKUs counts all of them for price history and is ambiguous for a cart line
(the buyer's client then sends ``sku_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mallops.catalogue.models import PriceHistory, Sku
from mallops.catalogue.selectors import lowest_price_since


@dataclass(frozen=True)
class CatalogueSku:
    id: int
    code: str
    price_fen: int
    category: str


def _out(row: Sku) -> CatalogueSku:
    return CatalogueSku(row.pk, row.code, int(row.price_fen), row.product.category.code)


def sku_by_id(merchant_id: int, sku_id: int) -> CatalogueSku | None:
    row = (
        Sku.objects.for_merchant(merchant_id)
        .select_related("product__category")
        .filter(pk=sku_id, is_active=True)
        .first()
    )
    return _out(row) if row is not None else None


def skus_by_code(merchant_id: int, code: str) -> list[CatalogueSku]:
    rows = (
        Sku.objects.for_merchant(merchant_id)
        .select_related("product__category")
        .filter(code=code, is_active=True)
        .order_by("pk")
    )
    return [_out(r) for r in rows]


def _ids(merchant_id: int, code: str) -> list[int]:
    return list(Sku.objects.for_merchant(merchant_id).filter(code=code).values_list("pk", flat=True))


def catalogue_lowest_since(merchant_id: int, code: str, since: datetime) -> int | None:
    prices = [p for p in (lowest_price_since(i, since) for i in _ids(merchant_id, code)) if p is not None]
    return min(prices) if prices else None


def catalogue_points(
    merchant_id: int, code: str, since: datetime, until: datetime
) -> list[tuple[datetime, int]]:
    """Price changes in ``[since, until)`` and, per SKU, the change in force at ``since``."""
    out: list[tuple[datetime, int]] = []
    for sku_id in _ids(merchant_id, code):
        history = PriceHistory.objects.for_merchant(merchant_id).filter(sku_id=sku_id)
        before = history.filter(changed_at__lt=since).order_by("-changed_at", "-pk").first()
        if before is not None:
            out.append((before.changed_at, int(before.price_fen)))
        out += [
            (r.changed_at, int(r.price_fen))
            for r in history.filter(changed_at__gte=since, changed_at__lt=until).order_by("changed_at", "pk")
        ]
    return sorted(out)


def catalogue_last_before(merchant_id: int, code: str, before: datetime) -> tuple[datetime, int] | None:
    rows = [
        PriceHistory.objects.for_merchant(merchant_id)
        .filter(sku_id=i, changed_at__lt=before)
        .order_by("-changed_at", "-pk")
        .first()
        for i in _ids(merchant_id, code)
    ]
    found = [(r.changed_at, int(r.price_fen)) for r in rows if r is not None]
    return max(found) if found else None
