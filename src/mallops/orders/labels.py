"""What the console shows for order codes (read by ``mallops.core.words``; glossary: guide/glossary.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.orders.models import AttemptStatus, Movement, OrderStatus, ShippingWaiver

STATUS = {
    OrderStatus.CREATED: _("Awaiting payment"),
    OrderStatus.PAID: _("Awaiting shipment"),
    OrderStatus.SHIPPED: _("Shipped"),
    OrderStatus.DELIVERED: _("Delivered"),
    OrderStatus.COMPLETED: _("Completed"),
    OrderStatus.CANCELLED: _("Cancelled"),
    OrderStatus.REFUNDING: _("Refund in progress"),
    OrderStatus.REFUNDED: _("Refunded"),
    OrderStatus.PARTIALLY_REFUNDED: _("Partially refunded"),
}

# services.CARRIERS, as buyers and merchants know them
CARRIER = {
    "SF": _("SF Express"),
    "ZTO": _("ZTO Express"),
    "YTO": _("YTO Express"),
    "STO": _("STO Express"),
    "YUNDA": _("Yunda Express"),
    "JD": _("JD Logistics"),
    "EMS": _("China Post EMS"),
    "JT": _("J&T Express"),
    "DEPPON": _("Deppon Express"),
    "OTHER": _("Other carrier"),
}

ATTEMPT_STATUS = {
    AttemptStatus.QUEUED: _("Queued"),
    AttemptStatus.ORDERED: _("Order placed"),
    AttemptStatus.REJECTED: _("Refused"),
}

LABELS: dict[str, Any] = {
    "status": STATUS,
    "carrier": CARRIER,
    "attempt_status": ATTEMPT_STATUS,
    "movement": Movement,
    "shipping_waiver": ShippingWaiver,
}

FIELDS: dict[str, Any] = {
    "carrier": _("Carrier"),
    "tracking_number": _("Tracking number"),
    "ship_recipient": _("Recipient"),
    "ship_phone": _("Recipient phone"),
    "ship_detail": _("Street address"),
    "available": _("Available units"),
    "qty": _("Quantity"),
    "paid_fen": _("Paid"),
    "ship_due_at": _("Ship by"),
    "ship_late": _("Shipped late"),
    "refunded_fen": _("Refunded amount"),
    "returned_qty": _("Returned units"),
    "lines": _("Order lines"),
    "line": _("Order line"),
    "order": _("Order"),
    "number": _("Order number"),
    "shipping_fen": _("Shipping fee"),
    "shipping_waiver": _("Free shipping"),
    "fee_fen": _("Shipping fee per order"),
    "free_over_fen": _("Free shipping from (goods payable)"),
}
