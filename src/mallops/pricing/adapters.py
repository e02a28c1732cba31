"""Rows → the pure modules' inputs: check facts, engine promotions and coupons, price history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mallops.pricing import catalogue_bridge, engine
from mallops.pricing.checks import PricePoint
from mallops.pricing.facts import PromotionFacts, SkuPrice
from mallops.pricing.models import Coupon, PriceObservation, Promotion


def promotion_facts(row: Promotion, merchant_name: str = "") -> PromotionFacts:
    return PromotionFacts(
        id=row.engine_id if row.pk else "new",
        name=row.name,
        kind=row.kind,
        layer=row.layer,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        merchant_id=row.merchant_id,
        merchant_name=merchant_name,
        percent=row.percent,
        amount_fen=row.amount_fen,
        n=row.n,
        tiers=tuple((int(t["min"]), int(t["off"])) for t in row.tiers),
        repeat=row.repeat,
        cap_fen=row.cap_fen,
        min_qty=row.min_qty,
        with_coupons=row.with_coupons,
        members_only=row.members_only,
        time_limited=row.time_limited,
        skus=tuple(row.skus),
        categories=tuple(row.categories),
        merchants=tuple(int(m) for m in row.merchants),
        per_buyer_limit=row.per_buyer_limit,
        total_limit=row.total_limit,
        sku_prices=tuple(
            SkuPrice(str(sp["sku"]), int(sp["price_fen"]), sp.get("reference_price_fen"))
            for sp in row.sku_prices
        ),
        rules_text=row.rules_text,
        description=row.description,
        status=row.status,
    )


# ---------------------------------------------------------------- price history


@dataclass
class ObservationHistory:
    """``PriceHistory`` for one merchant's SKU codes: the catalogue's price history of the SKUs with that
    code (``catalogue.selectors.lowest_price_since`` and its ``PriceHistory`` rows) merged with the pricing
    app's own ``PriceObservation`` rows (prices stated on promotions, deal prices recorded by orders)."""

    merchant_id: int | None

    def _rows(self, sku: str) -> Any:
        if self.merchant_id is None:
            return PriceObservation.objects.unscoped(reason="platform promotion price history").filter(
                sku=sku
            )
        return PriceObservation.objects.for_merchant(self.merchant_id).filter(sku=sku)

    def lowest_price_since(self, sku: str, since: datetime, until: datetime) -> int | None:
        prices = list(
            self._rows(sku)
            .filter(observed_at__gte=since, observed_at__lt=until)
            .values_list("price_fen", flat=True)
        )
        if self.merchant_id is not None:
            listed = catalogue_bridge.catalogue_lowest_since(self.merchant_id, sku, since)
            if listed is not None:
                prices.append(listed)
        return min(prices) if prices else None

    def last_price_before(self, sku: str, before: datetime) -> int | None:
        row = self._rows(sku).filter(observed_at__lt=before).order_by("-observed_at", "-pk").first()
        found = [(row.observed_at, int(row.price_fen))] if row is not None else []
        if self.merchant_id is not None:
            listed = catalogue_bridge.catalogue_last_before(self.merchant_id, sku, before)
            if listed is not None:
                found.append(listed)
        return max(found)[1] if found else None

    def points(self, sku: str, since: datetime, until: datetime) -> Sequence[PricePoint]:
        before = self._rows(sku).filter(observed_at__lt=since).order_by("-observed_at", "-pk").first()
        inside = (
            self._rows(sku)
            .filter(observed_at__gte=since, observed_at__lt=until)
            .order_by("observed_at", "pk")
        )
        rows = [
            (r.observed_at, int(r.price_fen)) for r in ([before] if before is not None else []) + list(inside)
        ]
        if self.merchant_id is not None:
            rows += catalogue_bridge.catalogue_points(self.merchant_id, sku, since, until)
        rows.sort()
        earlier = [r for r in rows if r[0] < since]
        kept = ([earlier[-1]] if earlier else []) + [r for r in rows if r[0] >= since]
        return [PricePoint(at, price) for at, price in kept]


# ---------------------------------------------------------------- engine inputs


@dataclass(frozen=True)
class CartLine:
    id: str
    sku: str
    merchant_id: int
    unit_price_fen: int
    qty: int
    category: str = ""

    @property
    def key(self) -> str:
        """The engine's SKU key: SKU codes are per merchant."""
        return f"{self.merchant_id}:{self.sku}"


def _scope_keys(
    skus: Sequence[str], categories: Sequence[str], merchants: Sequence[int], lines: Sequence[CartLine]
) -> frozenset[str] | None:
    """The engine's ``skus`` for a row's scope in this cart: None covers everything."""
    if not skus and not categories and not merchants:
        return None
    merchant_set = {int(m) for m in merchants}
    keys = set()
    for line in lines:
        if merchant_set and line.merchant_id not in merchant_set:
            continue
        if (
            (skus or categories)
            and line.sku not in skus
            and (not line.category or line.category not in categories)
        ):
            continue
        keys.add(line.key)
    return frozenset(keys)


def engine_line(line: CartLine) -> engine.Line:
    return engine.Line(line.id, line.key, str(line.merchant_id), line.unit_price_fen, line.qty)


def engine_promotion(row: Promotion, lines: Sequence[CartLine]) -> engine.Promotion | None:
    """The engine's promotion for ``row`` in this cart; None when it covers no line of the cart."""
    scope = _scope_keys(row.skus, row.categories, row.merchants, lines)
    if scope is not None and not scope:
        return None
    return engine.Promotion(
        id=row.engine_id,
        kind=engine.Kind(row.kind),
        layer=engine.Layer(row.layer),
        merchant=str(row.merchant_id) if row.merchant_id is not None else None,
        skus=scope,
        percent=row.percent,
        amount=row.amount_fen,
        n=row.n or 1,
        tiers=tuple(engine.Tier(int(t["min"]), int(t["off"])) for t in row.tiers),
        repeat=row.repeat,
        cap=row.cap_fen,
        min_qty=row.min_qty,
        with_coupons=row.with_coupons,
        members_only=row.members_only,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
    )


def engine_coupon(row: Coupon, lines: Sequence[CartLine]) -> engine.Coupon | None:
    batch = row.batch
    scope = _scope_keys(batch.skus, (), (), lines)
    if scope is not None and not scope:
        return None
    return engine.Coupon(
        id=row.engine_id,
        layer=engine.Layer(batch.layer),
        merchant=str(batch.merchant_id) if batch.merchant_id is not None else None,
        skus=scope,
        min=batch.min_fen,
        off=batch.off_fen,
        percent=batch.percent,
        max_off=batch.max_off_fen,
        members_only=batch.members_only,
        starts_at=row.valid_from,
        ends_at=row.expires_at,
    )
