"""The metrics early-warning rules watch (R7.2.3), each a whole number over a window ending at ``now``.

Platform-wide reads for a periodic job: they go through each model's explicit unscoped path, saying why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Sum
from django.db.models.functions import Coalesce

from mallops.accounts.models import LoginFailure
from mallops.aftersales.models import MONEY_KINDS, AfterSalesRequest, Dispute
from mallops.orders.models import Order
from mallops.pricing.models import Coupon
from mallops.risk.models import RiskEventLog

WHY = "platform-wide early-warning metric"


def _orders(since: datetime, until: datetime) -> int:
    return int(Order.objects.unscoped(reason=WHY).filter(created_at__gte=since, created_at__lt=until).count())


def refund_rate(now: datetime, window: timedelta) -> int:
    """Refund and return requests per 100 orders placed in the window (0 without orders)."""
    orders = _orders(now - window, now)
    if not orders:
        return 0
    requests = (
        AfterSalesRequest.objects.unscoped(reason=WHY)
        .filter(created_at__gte=now - window, created_at__lt=now, kind__in=list(MONEY_KINDS))
        .count()
    )
    return int(requests * 100 // orders)


def disputes(now: datetime, window: timedelta) -> int:
    """Disputes (platform intervention, the chargeback-like case) opened in the window."""
    return int(
        Dispute.objects.unscoped(reason=WHY).filter(opened_at__gte=now - window, opened_at__lt=now).count()
    )


def coupon_cost_per_hour(now: datetime, window: timedelta) -> int:
    """Face value in fen of the coupons used in the window (a fixed discount, else the percent coupon's
    cap), per hour."""
    total = (
        Coupon.objects.unscoped(reason=WHY)
        .filter(status=Coupon.Status.USED, used_at__gte=now - window, used_at__lt=now)
        .aggregate(fen=Coalesce(Sum(Coalesce("batch__off_fen", "batch__max_off_fen", 0)), 0))["fen"]
    )
    minutes = max(int(window.total_seconds() // 60), 1)
    return int(total) * 60 // minutes


def review_bursts(now: datetime, window: timedelta) -> int:
    """The most reviews one shop received in the window (review events assessed by risk control)."""
    payloads = RiskEventLog.objects.filter(event_type="review", at__gte=now - window, at__lt=now).values_list(
        "payload", flat=True
    )
    per_shop = Counter(str((p or {}).get("merchant", "")) for p in payloads.iterator(chunk_size=2000))
    return max(per_shop.values(), default=0)


def login_failures(now: datetime, window: timedelta) -> int:
    """Failed sign-ins (console and API) in the window."""
    return int(LoginFailure.objects.filter(at__gte=now - window, at__lt=now).count())


def order_drop(now: datetime, window: timedelta) -> int:
    """How many percent fewer orders than in the same window a week earlier (0 when not fewer)."""
    week = timedelta(days=7)
    before = _orders(now - week - window, now - week)
    if not before:
        return 0
    current = _orders(now - window, now)
    return max(0, (before - current) * 100 // before)


METRICS: dict[str, Callable[[datetime, timedelta], int]] = {
    "refund_rate": refund_rate,
    "disputes": disputes,
    "coupon_cost_per_hour": coupon_cost_per_hour,
    "review_bursts": review_bursts,
    "login_failures": login_failures,
    "order_drop": order_drop,
}


def measure(metric: str, now: datetime, window_minutes: int) -> int:
    """The metric's value over the ``window_minutes`` before ``now``. KeyError for an unknown metric."""
    return METRICS[metric](now, timedelta(minutes=window_minutes))
