"""Server-side events from the platform's own tables (R3.1.1), sent after the writing transaction commits.

Connected in :meth:`AnalyticsConfig.ready` when the apps are installed; each event has a stable uuid
(``order_paid:<number>``...), so a row saved many times sends its event once. Analytics must never break
a business write: failures are logged and swallowed. ``settings.ANALYTICS_SERVER_EVENTS = False`` turns
the hooks off.

* ``orders.Order``: ``order_created`` on creation, ``order_paid`` once ``paid_at`` is set (with its items,
  the levers ``coupon_fen``, ``threshold_fen`` and ``member``, read by the conversion-lever report, and the
  ``payment_method``), ``order_shipped`` with ``processing_seconds`` once ``shipped_at`` is set;
* ``payments.Refund``: ``refund`` once its status is ``success``;
* ``service.Ticket``: ``ticket_opened`` (and ``complaint`` for the complaint category) on creation,
  ``ticket_first_response`` with ``response_seconds`` once ``first_response_at`` is set;
* ``service.TicketRating``: ``csat`` with the overall ``score``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger("mallops.analytics")


def _send(event: str, distinct_id: str, at: datetime, uuid: str, properties: dict[str, Any]) -> None:
    from mallops.analytics.services import analytics_track

    def run() -> None:
        try:
            analytics_track(event=event, distinct_id=distinct_id, properties=properties, at=at, uuid=uuid)
        except Exception:
            logger.exception("analytics: server-side event %s was not recorded", uuid)

    transaction.on_commit(run)


def _enabled() -> bool:
    return bool(getattr(settings, "ANALYTICS_SERVER_EVENTS", True))


def _order_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not _enabled() or kwargs.get("raw"):
        return
    buyer = instance.buyer.username
    if created:
        _send(
            "order_created",
            buyer,
            instance.created_at,
            f"order_created:{instance.number}",
            {
                "order_id": instance.number,
                "amount_fen": int(instance.paid_fen),
                "merchant_id": instance.merchant_id,
            },
        )
    if instance.paid_at is not None:
        rows = list(
            apps.get_model("orders", "OrderLine")
            .objects.unscoped(reason="analytics: items of a paid order")
            .filter(order_id=instance.pk)
            .order_by("pk")
        )
        lines = [
            {"spu": line.sku_code, "qty": int(line.qty), "amount_fen": int(line.paid_fen)} for line in rows
        ]
        _send(
            "order_paid",
            buyer,
            instance.paid_at,
            f"order_paid:{instance.number}",
            {
                "order_id": instance.number,
                "amount_fen": int(instance.paid_fen),
                "discount_fen": int(instance.discount_fen),
                "merchant_id": instance.merchant_id,
                "items": lines,
                **_levers(instance, rows),
                **_payment_method(instance),
            },
        )
    if instance.shipped_at is not None and instance.paid_at is not None:
        _send(
            "order_shipped",
            buyer,
            instance.shipped_at,
            f"order_shipped:{instance.number}",
            {
                "order_id": instance.number,
                "processing_seconds": max(0.0, (instance.shipped_at - instance.paid_at).total_seconds()),
            },
        )


def _payment_method(order: Any) -> dict[str, Any]:
    """``{"payment_method": provider}`` of the payment that paid the order (R3.2.2), or nothing."""
    from mallops.analytics.order_source import payment_methods

    method = payment_methods([order]).get(order.pk)
    return {"payment_method": method} if method else {}


def _levers(order: Any, rows: list[Any]) -> dict[str, Any]:
    """The conversion levers of a paid order (R3.3.3): the fen its coupons and its threshold offers (store or
    platform 满减, steps 2 and 4 of the quote) took off this order's lines, and whether the buyer held a
    membership that applied."""
    quote = order.checkout.quote if order.checkout_id else {}
    steps = {str(entry.get("id")): entry.get("step") for entry in (quote or {}).get("applied", ())}
    coupon_fen = threshold_fen = 0
    for line in rows:
        for key, fen in (line.shares or {}).items():
            if key.startswith("C"):
                coupon_fen += int(fen)
            elif key.startswith("P") and steps.get(key) in (2, 4):
                threshold_fen += int(fen)
    levers: dict[str, Any] = {"coupon_fen": coupon_fen, "threshold_fen": threshold_fen}
    try:
        from mallops.pricing.memberships import buyer_memberships

        held = buyer_memberships(order.buyer_id, order.paid_at, [order.merchant_id])
        if held.platform or held.covers(order.merchant_id):
            levers["member"] = True
    except Exception:  # the membership lookup must never stop the event
        logger.exception("analytics: membership of order %s not read", order.number)
    return levers


def _refund_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not _enabled() or kwargs.get("raw") or instance.status != "success":
        return
    order = instance.order
    _send(
        "refund",
        order.buyer.username,
        instance.created_at,
        f"refund:{instance.out_refund_no}",
        {"order_id": order.number, "amount_fen": int(instance.amount_fen)},
    )


def _ticket_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not _enabled() or kwargs.get("raw"):
        return
    buyer = instance.buyer.username
    if created:
        properties = {"ticket": instance.number, "category": instance.category, "channel": instance.channel}
        _send("ticket_opened", buyer, instance.created_at, f"ticket_opened:{instance.number}", properties)
        if instance.category == "complaint":
            _send("complaint", buyer, instance.created_at, f"complaint:{instance.number}", properties)
    if instance.first_response_at is not None:
        seconds = (instance.first_response_at - instance.created_at).total_seconds()
        _send(
            "ticket_first_response",
            buyer,
            instance.first_response_at,
            f"ticket_first_response:{instance.number}",
            {"ticket": instance.number, "response_seconds": max(0.0, seconds)},
        )


def _rating_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not _enabled() or kwargs.get("raw"):
        return
    ticket = instance.ticket
    _send(
        "csat",
        ticket.buyer.username,
        instance.rated_at,
        f"csat:{ticket.number}",
        {"ticket": ticket.number, "score": float(instance.score)},
    )


HOOKS: dict[str, Callable[..., None]] = {
    "orders.Order": _order_saved,
    "payments.Refund": _refund_saved,
    "service.Ticket": _ticket_saved,
    "service.TicketRating": _rating_saved,
}


def _safe(handler: Callable[..., None]) -> Callable[..., None]:
    """Never let analytics break the business write that triggered it."""

    def wrapper(sender: Any, **kwargs: Any) -> None:
        try:
            handler(sender, **kwargs)
        except Exception:
            logger.exception("analytics: server-side event hook %s failed", handler.__name__)

    wrapper.__name__ = handler.__name__
    return wrapper


_CONNECTED: list[Callable[..., None]] = []  # strong references: signals keep weak ones


def connect() -> None:
    for label, handler in HOOKS.items():
        app_label, model_name = label.split(".")
        if not apps.is_installed(f"mallops.{app_label}"):
            continue
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        receiver = _safe(handler)
        _CONNECTED.append(receiver)
        post_save.connect(receiver, sender=model, dispatch_uid=f"analytics:{label}")
