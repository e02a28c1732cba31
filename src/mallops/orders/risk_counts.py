"""The orders count risk's early-warning metrics read (``risk.metrics``; risk sits below orders)."""

from __future__ import annotations

from datetime import datetime

from mallops.orders.models import Order

WHY = "platform-wide early-warning metric"


def orders_placed(since: datetime, until: datetime) -> int:
    """Orders created in ``[since, until)``, every store."""
    return int(Order.objects.unscoped(reason=WHY).filter(created_at__gte=since, created_at__lt=until).count())


def connect() -> None:
    from mallops.risk.metrics import register_count

    register_count("orders_placed", orders_placed)
