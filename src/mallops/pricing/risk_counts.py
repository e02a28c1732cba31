"""The coupon count risk's early-warning metrics read (``risk.metrics``; risk sits below pricing)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Sum
from django.db.models.functions import Coalesce

from mallops.pricing.models import Coupon

WHY = "platform-wide early-warning metric"


def coupon_face_value_used(since: datetime, until: datetime) -> int:
    """Face value in fen of the coupons used in ``[since, until)`` (a fixed discount, else the percent
    coupon's cap), every store."""
    total = (
        Coupon.objects.unscoped(reason=WHY)
        .filter(status=Coupon.Status.USED, used_at__gte=since, used_at__lt=until)
        .aggregate(fen=Coalesce(Sum(Coalesce("batch__off_fen", "batch__max_off_fen", 0)), 0))["fen"]
    )
    return int(total)


def connect() -> None:
    from mallops.risk.metrics import register_count

    register_count("coupon_face_value_used", coupon_face_value_used)
