"""Timers of the pricing app: promotions start and end, coupons expire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.core.sweeps import register
from mallops.pricing.coupons import coupon_expire_due
from mallops.pricing.models import Coupon, Promotion
from mallops.pricing.services import promotion_advance_due


def _promotions_due(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = Promotion.objects.unscoped(reason="sweep promotion status").filter(
        status_due_at__lte=now
    )
    return qs


def _coupons_due(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = Coupon.objects.unscoped(reason="sweep coupon expiry").filter(expires_due_at__lte=now)
    return qs


register("pricing.promotion_status", queryset=_promotions_due, handle=promotion_advance_due)
register("pricing.coupon_expiry", queryset=_coupons_due, handle=coupon_expire_due)
