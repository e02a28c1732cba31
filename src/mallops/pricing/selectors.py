"""Reads of promotions and coupons, always scoped to the asking actor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from mallops.accounts.selectors import user_merchant_id
from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.pricing.models import Coupon, CouponBatch, Promotion


def actor_merchant_id(actor: Actor, permission: str = "store.promotion.manage") -> int:
    """The merchant-side actor's store (404 ``merchant`` when the actor has none), after the permission."""
    require_permission(actor, permission)
    merchant_id = user_merchant_id(actor)  # read with the permission's roles: no query of its own
    if merchant_id is None:
        raise not_found("merchant")
    return merchant_id


def merchant_promotions(*, actor: Actor) -> QuerySet[Promotion]:
    qs: QuerySet[Promotion] = Promotion.objects.for_merchant(actor_merchant_id(actor)).order_by("-pk")
    return qs


def merchant_promotion(*, actor: Actor, promotion_id: int) -> Promotion:
    row: Promotion | None = merchant_promotions(actor=actor).filter(pk=promotion_id).first()
    if row is None:
        raise not_found("promotion")
    return row


def platform_promotions(
    *, actor: Actor, platform_only: bool = False, status: str | None = None, merchant_id: int | None = None
) -> QuerySet[Promotion]:
    """Staff with ``promotion.view``: platform promotions and (unless ``platform_only``) every store's."""
    qs: QuerySet[Promotion] = Promotion.objects.for_platform(actor, "promotion.view").select_related(
        "merchant"
    )
    if platform_only:
        qs = qs.filter(merchant__isnull=True)
    if merchant_id is not None:
        qs = qs.filter(merchant_id=merchant_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-pk")


def platform_promotion(*, actor: Actor, promotion_id: int) -> Promotion:
    row: Promotion | None = platform_promotions(actor=actor).filter(pk=promotion_id).first()
    if row is None:
        raise not_found("promotion")
    return row


def live_promotions(*, merchant_id: int | None = None) -> QuerySet[Promotion]:
    """Live promotions (public: their rules are published to every buyer); one store's and the platform's
    when ``merchant_id`` is given."""
    qs: QuerySet[Promotion] = Promotion.objects.live_public(timezone.now())
    if merchant_id is not None:
        qs = qs.filter(Q(merchant_id=merchant_id) | Q(merchant__isnull=True))
    return qs.order_by("ends_at", "pk")


def merchant_batches(*, actor: Actor) -> QuerySet[CouponBatch]:
    qs: QuerySet[CouponBatch] = CouponBatch.objects.for_merchant(actor_merchant_id(actor)).order_by("-pk")
    return qs


def merchant_batch(*, actor: Actor, batch_id: int) -> CouponBatch:
    row: CouponBatch | None = merchant_batches(actor=actor).filter(pk=batch_id).first()
    if row is None:
        raise not_found("coupon batch")
    return row


def platform_batches(*, actor: Actor, platform_only: bool = True) -> QuerySet[CouponBatch]:
    qs: QuerySet[CouponBatch] = CouponBatch.objects.for_platform(actor, "promotion.view")
    if platform_only:
        qs = qs.filter(merchant__isnull=True)
    return qs.order_by("-pk")


def platform_batch(*, actor: Actor, batch_id: int) -> CouponBatch:
    row: CouponBatch | None = platform_batches(actor=actor, platform_only=False).filter(pk=batch_id).first()
    if row is None:
        raise not_found("coupon batch")
    return row


def buyer_coupons(*, buyer: Any, status: str | None = None) -> QuerySet[Coupon]:
    qs: QuerySet[Coupon] = (
        Coupon.objects.for_buyer(buyer.pk).select_related("batch").order_by("expires_at", "pk")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def flash_price_findings(
    *,
    merchant_id: int,
    sku: str,
    listed_price_fen: int,
    flash_price_fen: int,
    starts_at: datetime,
    now: datetime | None = None,
) -> list[dict[str, object]]:
    """The price-law findings of a flash sale of ``sku`` at ``flash_price_fen`` from ``starts_at`` (every
    one blocks), as dicts with the cited article.

    A flash sale is shown against the SKU's regular price, so that price is its reference price: the
    flash price must be below the lowest price actually charged in the 7 days before the start (or the
    last deal price when nothing sold then, or the listed price when the SKU never sold) — otherwise it
    is no real reduction (明码标价和禁止价格欺诈规定第十六条) — and the price must not have been raised in
    those 7 days (先涨后降, 第十七条). Price history as for promotions (``ObservationHistory``)."""
    from mallops.pricing import citations
    from mallops.pricing.adapters import ObservationHistory
    from mallops.pricing.checks import CheckConfig, Finding, Severity, check_raise_then_discount
    from mallops.pricing.facts import PromotionFacts
    from mallops.pricing.rulestext import yuan

    config = CheckConfig()
    history = ObservationHistory(merchant_id)
    since = starts_at - config.reference_window
    lowest = history.lowest_price_since(sku, since, starts_at)
    basis = "活动开始前7日内的最低成交价"
    if lowest is None:
        lowest = history.last_price_before(sku, since)
        basis = "7日内无成交，最近一次成交价"
    if lowest is None or listed_price_fen < lowest:
        lowest, basis = listed_price_fen, "当前标价"
    found: list[Finding] = []
    if flash_price_fen >= lowest:
        found.append(
            Finding(
                "flash_not_below_reference",
                Severity.BLOCK,
                f"{sku} 秒杀价 {yuan(flash_price_fen)} 不低于{basis} {yuan(lowest)}：不是真实的降价。",
                citations.REFERENCE_PRICE,
                sku=sku,
            )
        )
    facts = PromotionFacts(
        id="flash",
        name="",
        kind="amount_off",
        layer="item",
        starts_at=starts_at,
        ends_at=None,
        merchant_id=merchant_id,
        skus=(sku,),
    )
    found += check_raise_then_discount(facts, history, config, now or timezone.now())
    return [f.as_dict() for f in found]


def live_marketing_texts(*, now: datetime | None = None) -> tuple[list[Promotion], list[CouponBatch]]:
    """Every store's and the platform's promotions live at ``now`` and the coupon batches still on offer
    (active, not ended), for the compliance self-inspection (R7.1.2): their names, descriptions and rules
    text go to buyers. A platform job: the coupon batches are read unscoped and say why."""
    now = now or timezone.now()
    promotions = list(Promotion.objects.live_public(now).order_by("pk"))
    batches = list(
        CouponBatch.objects.unscoped(reason="compliance self-inspection")
        .filter(status=CouponBatch.Status.ACTIVE, ends_at__gt=now)
        .order_by("pk")
    )
    return promotions, batches


def live_price_findings(
    *, now: datetime | None = None, listings: list[tuple[int, list[dict[str, Any]]]] | None = None
) -> tuple[list[tuple[Promotion, list[dict[str, object]]]], list[list[dict[str, object]]]]:
    """The price-law checks of the compliance self-inspection (R7.1.2), re-run with the price history as
    it is now (``pricing.checks``):

    - every promotion live at ``now``: its reference prices against the lowest price of the 7 days before
      its start (明码标价和禁止价格欺诈规定第十六条) and a price raised within 7 days before the start
      (先涨后降, 第十七条);
    - each of ``listings`` (``(merchant_id, [sku dicts of the live snapshot])``) that shows a reference
      price (划线价): the same two checks as if a discount started ``now``.

    Returns the promotions with their findings (those with none left out) and, per listing in order, its
    findings; each finding as ``Finding.as_dict()`` (code, severity, message, citation, sku)."""
    from mallops.pricing.adapters import ObservationHistory, promotion_facts
    from mallops.pricing.checks import CheckConfig, check_raise_then_discount, check_reference_prices
    from mallops.pricing.facts import PromotionFacts, SkuPrice

    now = now or timezone.now()
    config = CheckConfig()
    promotions = []
    for row in Promotion.objects.live_public(now).order_by("pk"):
        facts = promotion_facts(row)
        history = ObservationHistory(row.merchant_id)
        found = check_reference_prices(facts, history, config) + check_raise_then_discount(
            facts, history, config
        )
        if found:
            promotions.append((row, [f.as_dict() for f in found]))
    per_listing: list[list[dict[str, object]]] = []
    for merchant_id, skus in listings or []:
        shown = tuple(
            SkuPrice(str(sku["code"]), int(sku["price_fen"]), int(sku["reference_price_fen"]))
            for sku in skus
            if sku.get("reference_price_fen") is not None
        )
        if not shown:
            per_listing.append([])
            continue
        facts = PromotionFacts(
            id="listing",
            name="",
            kind="amount_off",
            layer="item",
            starts_at=now,
            ends_at=None,
            merchant_id=merchant_id,
            sku_prices=shown,
        )
        history = ObservationHistory(merchant_id)
        found = check_reference_prices(facts, history, config) + check_raise_then_discount(
            facts, history, config
        )
        per_listing.append([f.as_dict() for f in found])
    return promotions, per_listing


# ---- reads of the membership app (issue 16: it reads coupon batches and coupons through these) --------


def platform_batch_exists(*, batch_id: int) -> bool:
    """Whether ``batch_id`` is a platform coupon batch (no store), in any state."""
    return bool(
        CouponBatch.objects.unscoped(reason="is it a platform coupon batch")
        .filter(pk=batch_id, merchant__isnull=True)
        .exists()
    )


def platform_batch_id_named(*, name: str) -> int | None:
    """The id of the platform coupon batch called ``name`` (the first one), or None."""
    found = (
        CouponBatch.objects.unscoped(reason="platform coupon batch by name")
        .filter(merchant__isnull=True, name=name)
        .values_list("pk", flat=True)
        .first()
    )
    return None if found is None else int(found)


def platform_batch_choices(current: int | None = None) -> QuerySet[CouponBatch]:
    """Active platform coupon batches, newest first, and ``current`` even when it is no longer active (the
    choices of a member tier's batch)."""
    rows: QuerySet[CouponBatch] = (
        CouponBatch.objects.unscoped(reason="platform coupon batches for member tiers")
        .filter(Q(status=CouponBatch.Status.ACTIVE) | Q(pk=current or 0), merchant__isnull=True)
        .order_by("-pk")
    )
    return rows


def buyer_batch_coupon_count(
    *, buyer_id: int, batch_id: int, claimed_from: datetime, claimed_to: datetime
) -> int:
    """How many coupons of the batch the buyer claimed in ``[claimed_from, claimed_to)`` (one count)."""
    return int(
        Coupon.objects.for_buyer(buyer_id)
        .filter(batch_id=batch_id, claimed_at__gte=claimed_from, claimed_at__lt=claimed_to)
        .count()
    )


def buyer_coupons_of_batches(*, buyer_id: int, batch_ids: list[int]) -> QuerySet[Coupon]:
    """The buyer's coupons of these batches with their batch, newest claim first."""
    rows: QuerySet[Coupon] = Coupon.objects.for_buyer(buyer_id).filter(batch_id__in=batch_ids)
    return rows.select_related("batch").order_by("-claimed_at", "-pk")
