"""Where order facts come from: the order tables when the orders app has orders, else ``order_paid`` events.

R3.3.1 asks that sales figures reconcile with the order tables, so with the orders app installed and at
least one paid order, GMV, orders, buyers, AOV, repurchase, refunds, segments, lifecycle, the payment method
of each order (R3.2.2) and the paid-to-shipped time (R3.4.1) read ``orders.Order`` / ``OrderLine`` (and
``payments.Payment`` and successful ``payments.Refund`` rows: the payments app has no selectors yet);
behaviour figures (visitors, conversion denominators, CS, costs) always come from the event store. ``settings.ANALYTICS_ORDER_SOURCE``
forces ``"orders"`` or ``"events"``; the default ``"auto"`` picks as above.

Buyers are identified by their username, which is also the ``distinct_id`` the storefront sends, so that a
buyer counts once across both sources. An order's items are its lines keyed by SKU code (the orders app
keeps no SPU on its stock rows).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def source() -> str:
    """``"orders"`` or ``"events"``."""
    configured = getattr(settings, "ANALYTICS_ORDER_SOURCE", "auto")
    if configured in ("orders", "events"):
        return str(configured)
    if not apps.is_installed("mallops.orders"):
        return "events"
    from mallops.orders.models import Order

    return (
        "orders"
        if Order.objects.unscoped(reason="analytics: any paid order").filter(paid_at__isnull=False).exists()
        else "events"
    )


Row = tuple[str, str, int, dict[str, Any]]
# the events the order tables replace when they are the source
TABLE_EVENTS = ("order_paid", "refund", "order_shipped")


def payment_methods(orders: list[Any]) -> dict[int, str]:
    """Order pk -> the provider of the payment that paid it (R3.2.2); orders without one are left out."""
    if not apps.is_installed("mallops.payments") or not orders:
        return {}
    from mallops.payments.models import Payment

    by_checkout: dict[int, str] = {}
    by_order: dict[int, str] = {}
    for payment in Payment.objects.filter(
        checkout_id__in={o.checkout_id for o in orders}, paid_at__isnull=False
    ).order_by("paid_at", "pk"):
        by_checkout.setdefault(payment.checkout_id, payment.provider)
        for order_id in payment.order_ids or ():
            if isinstance(order_id, int):
                by_order.setdefault(order_id, payment.provider)
    return {
        o.pk: by_order.get(o.pk) or by_checkout[o.checkout_id]
        for o in orders
        if o.pk in by_order or o.checkout_id in by_checkout
    }


def table_rows(from_us: int, to_us: int) -> list[Row]:
    """``order_paid`` and ``refund`` rows (as :mod:`.facts` parses events) from the order tables."""
    from mallops.orders.models import Order, OrderLine

    orders = list(
        Order.objects.unscoped(reason="analytics: platform-wide KPIs")
        .filter(paid_at__gte=_moment(from_us), paid_at__lt=_moment(to_us))
        .select_related("buyer")
        .order_by("paid_at", "pk")
    )
    lines: dict[int, list[dict[str, Any]]] = {}
    for line in (
        OrderLine.objects.unscoped(reason="analytics: platform-wide KPIs")
        .filter(order_id__in=[o.pk for o in orders])
        .order_by("pk")
    ):
        lines.setdefault(line.order_id, []).append(
            {"spu": line.sku_code, "qty": int(line.qty), "amount_fen": int(line.paid_fen)}
        )
    methods = payment_methods(orders)
    rows: list[Row] = []
    for order in orders:
        assert order.paid_at is not None
        extra = {"payment_method": methods[order.pk]} if order.pk in methods else {}
        rows.append(
            (
                order.buyer.username,
                "order_paid",
                _us(order.paid_at),
                {
                    "order_id": order.number,
                    "amount_fen": int(order.paid_fen),
                    "discount_fen": int(order.discount_fen),
                    "items": lines.get(order.pk, []),
                    **extra,
                },
            )
        )
    for order in (
        Order.objects.unscoped(reason="analytics: order processing time")
        .filter(shipped_at__gte=_moment(from_us), shipped_at__lt=_moment(to_us), paid_at__isnull=False)
        .select_related("buyer")
        .order_by("shipped_at", "pk")
    ):
        assert order.shipped_at is not None and order.paid_at is not None
        rows.append(
            (
                order.buyer.username,
                "order_shipped",
                _us(order.shipped_at),
                {
                    "order_id": order.number,
                    "processing_seconds": (order.shipped_at - order.paid_at).total_seconds(),
                },
            )
        )
    if apps.is_installed("mallops.payments"):
        from mallops.payments.models import Refund

        for refund in (
            Refund.objects.filter(
                status="success", created_at__gte=_moment(from_us), created_at__lt=_moment(to_us)
            )
            .select_related("order__buyer")
            .order_by("created_at", "pk")
        ):
            rows.append(
                (
                    refund.order.buyer.username,
                    "refund",
                    _us(refund.created_at),
                    {"order_id": refund.order.number, "amount_fen": int(refund.amount_fen)},
                )
            )
    return rows
