"""The metrics early-warning rules watch (R7.2.3), each a whole number over a window ending at ``now``.

Risk sits below orders, pricing and after-sales in the app graph (docs/adr/0006), so it does not read
their rows: each owner registers the platform-wide count risk needs (``register_count`` in its
``AppConfig.ready``; a selector of the owner, through the model's explicit unscoped path, saying why).
A count nobody registered raises ``LookupError`` instead of reading as zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from mallops.accounts.models import LoginFailure
from mallops.risk.models import RiskEventLog

WHY = "platform-wide early-warning metric"

# name -> who registers it: orders placed (orders), refund and return requests opened and disputes opened
# (after-sales), face value in fen of the coupons used (pricing); each counts rows in [since, until).
COUNTS = ("orders_placed", "money_requests_opened", "disputes_opened", "coupon_face_value_used")
_COUNTS: dict[str, Callable[[datetime, datetime], int]] = {}


def register_count(name: str, count: Callable[[datetime, datetime], int]) -> None:
    """Called by the owning app when it starts; ``count(since, until)`` counts rows in ``[since, until)``."""
    if name not in COUNTS:
        raise ValueError(f"unknown risk count {name!r}")
    _COUNTS[name] = count


def registered_counts() -> frozenset[str]:
    return frozenset(_COUNTS)


def _count(name: str, since: datetime, until: datetime) -> int:
    try:
        count = _COUNTS[name]
    except KeyError:
        raise LookupError(f"no app registered the risk count {name!r}") from None
    return int(count(since, until))


def _orders(since: datetime, until: datetime) -> int:
    return _count("orders_placed", since, until)


def refund_rate(now: datetime, window: timedelta) -> int:
    """Refund and return requests per 100 orders placed in the window (0 without orders)."""
    orders = _orders(now - window, now)
    if not orders:
        return 0
    requests = _count("money_requests_opened", now - window, now)
    return int(requests * 100 // orders)


def disputes(now: datetime, window: timedelta) -> int:
    """Disputes (platform intervention, the chargeback-like case) opened in the window."""
    return _count("disputes_opened", now - window, now)


def coupon_cost_per_hour(now: datetime, window: timedelta) -> int:
    """Face value in fen of the coupons used in the window (a fixed discount, else the percent coupon's
    cap), per hour."""
    total = _count("coupon_face_value_used", now - window, now)
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
