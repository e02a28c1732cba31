"""Reads of promotions and coupons, always scoped to the asking actor."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from mallops.accounts.selectors import user_merchant
from mallops.accounts.services import require_permission
from mallops.core.errors import not_found
from mallops.pricing.models import Coupon, CouponBatch, Promotion


def actor_merchant_id(actor: Any, permission: str = "store.promotion.manage") -> int:
    """The merchant-side actor's store (404 ``merchant`` when the actor has none), after the permission."""
    require_permission(actor, permission)
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    return int(member.merchant_id)


def merchant_promotions(*, actor: Any) -> QuerySet[Promotion]:
    qs: QuerySet[Promotion] = Promotion.objects.for_merchant(actor_merchant_id(actor)).order_by("-pk")
    return qs


def merchant_promotion(*, actor: Any, promotion_id: int) -> Promotion:
    row: Promotion | None = merchant_promotions(actor=actor).filter(pk=promotion_id).first()
    if row is None:
        raise not_found("promotion")
    return row


def platform_promotions(
    *, actor: Any, platform_only: bool = False, status: str | None = None, merchant_id: int | None = None
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


def platform_promotion(*, actor: Any, promotion_id: int) -> Promotion:
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


def merchant_batches(*, actor: Any) -> QuerySet[CouponBatch]:
    qs: QuerySet[CouponBatch] = CouponBatch.objects.for_merchant(actor_merchant_id(actor)).order_by("-pk")
    return qs


def merchant_batch(*, actor: Any, batch_id: int) -> CouponBatch:
    row: CouponBatch | None = merchant_batches(actor=actor).filter(pk=batch_id).first()
    if row is None:
        raise not_found("coupon batch")
    return row


def platform_batches(*, actor: Any, platform_only: bool = True) -> QuerySet[CouponBatch]:
    qs: QuerySet[CouponBatch] = CouponBatch.objects.for_platform(actor, "promotion.view")
    if platform_only:
        qs = qs.filter(merchant__isnull=True)
    return qs.order_by("-pk")


def platform_batch(*, actor: Any, batch_id: int) -> CouponBatch:
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
