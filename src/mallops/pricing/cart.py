"""The live cart quote: the engine's scenario built from the database (live promotions, held coupons).

Prices: every line names a catalogue SKU (``sku_id``, or a ``sku`` code the catalogue knows) and is priced
and categorised from the catalogue; a SKU the catalogue does not know is a 422 ``unknown_sku``. Nothing the
buyer sends sets a price, a discount or a membership (docs/promotions.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.utils import timezone

from mallops.core.errors import FieldError, validation_error
from mallops.pricing import catalogue_bridge, engine
from mallops.pricing.adapters import CartLine, engine_coupon, engine_line, engine_promotion
from mallops.pricing.memberships import buyer_memberships, member_offers, tier_denied
from mallops.pricing.models import Coupon, Promotion


@dataclass(frozen=True)
class CartQuote:
    scenario: engine.Scenario
    quote: engine.Quote
    labels: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = dict(engine.quote_to_json(self.quote))
        body["labels"] = self.labels
        return body


def _validate(lines: Sequence[CartLine]) -> None:
    errors: list[FieldError] = []
    if not lines:
        errors.append(FieldError(loc=("body", "lines"), msg="the cart is empty"))
    ids = [ln.id for ln in lines]
    for i, ln in enumerate(lines):
        if ids.count(ln.id) > 1:
            errors.append(FieldError(loc=("body", "lines", i, "id"), msg="line ids must be unique"))
        if ln.qty < 1:
            errors.append(FieldError(loc=("body", "lines", i, "qty"), msg="must be a positive integer"))
        if ln.unit_price_fen < 0:
            errors.append(FieldError(loc=("body", "lines", i, "unit_price_fen"), msg="must not be negative"))
        if not ln.sku:
            errors.append(FieldError(loc=("body", "lines", i, "sku"), msg="must not be empty"))
    if errors:
        raise validation_error(errors)


@dataclass(frozen=True)
class LineIn:
    """A cart line as asked: a catalogue ``sku_id`` or the merchant's ``sku`` code, and a quantity."""

    id: str
    merchant_id: int
    qty: int
    sku: str = ""
    sku_id: int | None = None


def resolve_lines(lines: Sequence[LineIn]) -> tuple[list[CartLine], dict[str, str]]:
    """Catalogue prices and categories for every line; a SKU the catalogue lacks is a 422.

    Returns the cart lines and, per line id, where its price came from (always ``catalogue``).
    """
    errors: list[FieldError] = []
    out: list[CartLine] = []
    sources: dict[str, str] = {}
    for i, ln in enumerate(lines):
        found: catalogue_bridge.CatalogueSku | None = None
        if ln.sku_id is not None:
            found = catalogue_bridge.sku_by_id(ln.merchant_id, ln.sku_id)
            if found is None:
                errors.append(
                    FieldError(
                        loc=("body", "lines", i, "sku_id"),
                        msg="no such active SKU of this merchant",
                        code="unknown_sku",
                    )
                )
                continue
        elif ln.sku:
            matches = catalogue_bridge.skus_by_code(ln.merchant_id, ln.sku)
            if len(matches) > 1:
                errors.append(
                    FieldError(
                        loc=("body", "lines", i, "sku"),
                        msg="several SKUs have this code: send sku_id",
                        code="ambiguous_sku",
                    )
                )
                continue
            if not matches:
                errors.append(
                    FieldError(
                        loc=("body", "lines", i, "sku"),
                        msg="no such active SKU of this merchant",
                        code="unknown_sku",
                    )
                )
                continue
            found = matches[0]
        else:
            errors.append(FieldError(loc=("body", "lines", i, "sku"), msg="give sku_id or sku"))
            continue
        out.append(CartLine(ln.id, found.code, ln.merchant_id, found.price_fen, ln.qty, found.category))
        sources[ln.id] = "catalogue"
    if errors:
        raise validation_error(errors)
    return out, sources


def build_scenario(
    *,
    buyer: Any,
    lines: Sequence[CartLine],
    coupon_ids: Sequence[int] | None = None,
    at: datetime | None = None,
) -> tuple[engine.Scenario, dict[str, dict[str, Any]]]:
    """Live promotions of the cart's merchants and the platform, and the buyer's usable coupons.

    Members-only offers are kept only when the buyer holds a valid membership of their organiser (the
    platform's for platform offers, the store's for store offers); the membership is checked here, so
    the engine gets the kept ones as open offers and ``member`` says whether any membership applied.
    """
    _validate(lines)
    now = at or timezone.now()
    merchant_ids = {ln.merchant_id for ln in lines}
    member_of = buyer_memberships(buyer.pk, now, merchant_ids)
    applied_membership = False
    rows = list(Promotion.objects.live_public(now).order_by("pk"))
    # a member day's promotion is for one tier only (the membership app says which level qualifies)
    denied = tier_denied(member_of, [r.pk for r in rows if r.members_only and r.merchant_id is None])
    promotions = []
    labels: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.merchant_id is not None and row.merchant_id not in merchant_ids:
            continue
        if row.members_only and (not member_of.covers(row.merchant_id) or row.pk in denied):
            continue
        promo = engine_promotion(row, lines)
        if promo is not None:
            label = {"type": "promotion", "name": row.name, "kind": row.kind, "layer": row.layer}
            if row.members_only:
                promo = replace(promo, members_only=False)
                label["members_only"] = True
                applied_membership = True
            promotions.append(promo)
            labels[promo.id] = label
    for offer in member_offers(member_of, lines):
        promotions.append(offer.promotion)
        labels[offer.promotion.id] = offer.label
        applied_membership = True
    held = (
        Coupon.objects.for_buyer(buyer.pk)
        .select_related("batch")
        .filter(status=Coupon.Status.UNUSED, valid_from__lte=now, expires_at__gt=now)
        .order_by("pk")
    )
    if coupon_ids is not None:
        held = held.filter(pk__in=list(coupon_ids))
        usable = set(held.values_list("pk", flat=True))
        unknown = [
            FieldError(
                loc=("body", "coupon_ids", i),
                msg="not one of your usable coupons",
                code="unknown_coupon",
            )
            for i, pk in enumerate(coupon_ids)
            if pk not in usable
        ]
        if unknown:
            raise validation_error(unknown)
    coupons = []
    for row in held:
        if row.merchant_id is not None and row.merchant_id not in merchant_ids:
            continue
        if row.batch.members_only and not member_of.covers(row.merchant_id):
            continue
        coupon = engine_coupon(row, lines)
        if coupon is not None:
            label = {"type": "coupon", "name": row.batch.name, "layer": row.batch.layer}
            if row.batch.members_only:
                coupon = replace(coupon, members_only=False)
                label["members_only"] = True
                applied_membership = True
            coupons.append(coupon)
            labels[coupon.id] = label
    scenario = engine.Scenario(
        lines=tuple(engine_line(ln) for ln in lines),
        promotions=tuple(promotions),
        coupons=tuple(coupons),
        at=now,
        member=applied_membership or member_of.platform or bool(member_of.stores),
    )
    return scenario, labels


def cart_quote(
    *,
    buyer: Any,
    lines: Sequence[CartLine],
    coupon_ids: Sequence[int] | None = None,
    at: datetime | None = None,
) -> CartQuote:
    scenario, labels = build_scenario(buyer=buyer, lines=lines, coupon_ids=coupon_ids, at=at)
    return CartQuote(scenario=scenario, quote=engine.quote(scenario), labels=labels)
