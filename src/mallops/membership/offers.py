"""The member price of the buyer's tier as item-layer offers of the live quote.

Registered with ``pricing.memberships.register_member_offers`` (pricing does not import this app). The
pricing contract is unchanged: a tier's ``discount_percent`` is a ``percent_off`` item promotion on every
line, a per-SKU member price an ``amount_off`` item promotion (catalogue price minus member price) on
that SKU; step 1 of the engine keeps, per line, the one item offer that gives the most, so a member
price and another item promotion never stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mallops.membership.models import Tier, TierSkuPrice
from mallops.pricing import engine
from mallops.pricing.memberships import MemberOffer


def tier_offers(level: str, lines: Sequence[Any]) -> list[MemberOffer]:
    """Offers of the tier whose code is the buyer's platform membership level (none for a free-text
    level of before the tier rules, or an inactive tier)."""
    tier = Tier.objects.filter(code=level, active=True).first()
    if tier is None:
        return []
    label = {"type": "member_price", "name": tier.name, "kind": "", "layer": "item", "tier": tier.code}
    out: list[MemberOffer] = []
    if tier.discount_percent > 0:
        promo = engine.Promotion(
            id=f"member-{tier.code}",
            kind=engine.Kind.PERCENT_OFF,
            layer=engine.Layer.ITEM,
            percent=tier.discount_percent,
        )
        out.append(MemberOffer(promo, {**label, "kind": "percent_off"}))
    merchants = {ln.merchant_id for ln in lines}
    prices = {
        (row.merchant_id, row.sku): row.price_fen
        for row in TierSkuPrice.objects.filter(tier=tier, merchant_id__in=merchants)
    }
    for ln in lines:
        price = prices.get((ln.merchant_id, ln.sku))
        if price is None or price >= ln.unit_price_fen:
            continue
        promo = engine.Promotion(
            id=f"member-{tier.code}-{ln.id}",
            kind=engine.Kind.AMOUNT_OFF,
            layer=engine.Layer.ITEM,
            skus=frozenset({ln.key}),
            amount=ln.unit_price_fen - price,
        )
        out.append(MemberOffer(promo, {**label, "kind": "amount_off", "sku": ln.sku}))
    return out
