"""The order detail page's reads (console): one order, already read in the viewer's scope, with its lines
and each line's share of each discount, the checkout's payments, the shipment, the refunds and a timeline
of the order's state changes (from its audit events).

Read-only. The buyer's name, phone and street address are masked here for every viewer: only the
merchant's shipping step shows them in full (R1.3.2). Payment rows belong to the platform (a payment can
cover several merchants' orders of one checkout), so a merchant sees only its own order's part of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.orders.contracts import PaymentRow, RefundRow
from mallops.orders.models import Order, OrderLine, PartialRefund

# Payments sits above orders (docs/adr/0006): it registers how its rows are read when it starts
# (``PaymentsConfig.ready``); "payments" reads a checkout's payments by checkout id, oldest first, and
# "refunds" an order's provider refunds by order id, oldest first.
_PAYMENT_READS: dict[str, Callable[[int], list[Any]]] = {}


def register_payment_reads(
    *, payments: Callable[[int], list[PaymentRow]], refunds: Callable[[int], list[RefundRow]]
) -> None:
    _PAYMENT_READS["payments"] = payments
    _PAYMENT_READS["refunds"] = refunds


def _payment_reads(name: str) -> Callable[[int], list[Any]]:
    try:
        return _PAYMENT_READS[name]
    except KeyError:
        raise LookupError("the payments app registered no payment reads (orders.detail)") from None


# the order's audit actions (``orders.transitions``, ``orders.checkout``, ``orders.sweeps``) as the timeline
# names them
EVENTS: dict[str, Any] = {
    "orders.order_create": _("Order placed"),
    "orders.order_pay": _("Payment received"),
    "orders.order_cancel": _("Cancelled"),
    "orders.order_ship": _("Shipped"),
    "orders.order_ship_late": _("Shipping deadline passed"),
    "orders.order_deliver": _("Delivered"),
    "orders.order_complete": _("Completed"),
    "orders.order_request_refund": _("Refund requested"),
    "orders.order_refund": _("Refunded in full"),
    "orders.order_reject_refund": _("Refund request ended, order resumed"),
    "orders.order_partial_refund": _("Partial refund"),
}

PAYMENT_STATUS: dict[str, Any] = {
    "pending": _("Awaiting payment"),
    "paid": _("Payment received"),
    "closed": _("Payment closed"),
    "refunded": _("Payment refunded"),
}

REFUND_STATUS: dict[str, Any] = {"pending": _("Processing"), "success": _("Succeeded")}

MERCHANT_ROLES = frozenset({"merchant_owner", "merchant_ops", "merchant_cs"})


@dataclass(frozen=True)
class Offer:
    """One discount applied to the order: ``key`` is the engine id stored in ``OrderLine.shares``
    (``P12`` promotion, ``C34`` coupon); ``name`` what the page shows."""

    key: str
    name: str
    kind: Any
    total_fen: int


@dataclass(frozen=True)
class LineView:
    sku_code: str
    title: str
    spec: str
    unit_price_fen: int
    qty: int
    amount_fen: int
    discount_fen: int
    paid_fen: int
    returned_qty: int
    # (offer name, fen) for each offer, in the order of ``OrderDetail.offers``: this line's share of it
    shares: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class PaymentView:
    out_trade_no: str
    provider: str
    status: str
    status_label: Any
    amount_fen: int | None  # the whole payment (may cover other stores' orders): platform only
    refunded_fen: int | None
    created_at: datetime
    paid_at: datetime | None


@dataclass(frozen=True)
class RefundView:
    reference: str  # the provider's refund number
    amount_fen: int
    status_label: Any
    at: datetime
    request_id: int | None  # the after-sales request it pays back (``AS12``), when there is one


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: Any
    who: Any
    detail: str
    code: str


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    merchant_name: str
    buyer_name: str
    buyer_phone: str
    recipient: str
    recipient_phone: str
    region: str
    street: str
    lines: tuple[LineView, ...]
    offers: tuple[Offer, ...]
    payments: tuple[PaymentView, ...]
    refunds: tuple[RefundView, ...]
    partial_refunds_fen: int
    timeline: tuple[TimelineEntry, ...]


def _spec(line: OrderLine) -> str:
    sku = getattr(line.item, "catalogue_sku", None)
    values = getattr(sku, "spec_values", None) or {}
    return "；".join(f"{name}：{value}" for name, value in values.items())


def _offer_names(keys: set[str]) -> dict[str, tuple[str, Any]]:
    """Names of the offers behind the engine ids, read through the pricing models (names only)."""
    from mallops.pricing.models import Coupon, Promotion

    promotion_ids = [int(k[1:]) for k in keys if k[:1] == "P" and k[1:].isdigit()]
    coupon_ids = [int(k[1:]) for k in keys if k[:1] == "C" and k[1:].isdigit()]
    names: dict[str, tuple[str, Any]] = {}
    promotions = Promotion.objects.unscoped(reason="names of the offers on an order read in scope")
    for pk, name in promotions.filter(pk__in=promotion_ids).values_list("pk", "name"):
        names[f"P{pk}"] = (name, _("Promotion"))
    coupons = Coupon.objects.unscoped(reason="names of the coupons on an order read in scope")
    for pk, name in coupons.filter(pk__in=coupon_ids).values_list("pk", "batch__name"):
        names[f"C{pk}"] = (name or "", _("Coupon"))
    return names


def _offers(lines: list[OrderLine]) -> list[Offer]:
    totals: dict[str, int] = {}
    for line in lines:
        for key, fen in (line.shares or {}).items():
            totals[key] = totals.get(key, 0) + int(fen)
    names = _offer_names(set(totals))
    offers = []
    for key in sorted(totals, key=lambda k: (k[:1], int(k[1:]) if k[1:].isdigit() else 0, k)):
        name, kind = names.get(key, ("", _("Discount")))
        offers.append(Offer(key=key, name=name or str(kind), kind=kind, total_fen=totals[key]))
    return offers


def _payments(order: Order, *, platform: bool) -> list[PaymentView]:
    rows = _payment_reads("payments")(order.checkout_id)
    views = []
    for p in rows:
        if p.order_ids and order.pk not in p.order_ids:
            continue
        views.append(
            PaymentView(
                out_trade_no=p.out_trade_no,
                provider=p.provider,
                status=p.status,
                status_label=PAYMENT_STATUS.get(p.status, p.status),
                amount_fen=p.amount_fen if platform else None,
                refunded_fen=p.refunded_fen if platform else None,
                created_at=p.created_at,
                paid_at=p.paid_at,
            )
        )
    return views


def _refunds(order: Order) -> tuple[list[RefundView], int]:
    partial = list(
        PartialRefund.objects.for_merchant(order.merchant_id).filter(order_id=order.pk).order_by("at", "pk")
    )
    # a partial refund names its caller's refund (``AS12``); pair them with the provider's rows by amount
    waiting = [(p.amount_fen, p.reference) for p in partial]
    views = []
    for r in _payment_reads("refunds")(order.pk):
        reference = ""
        for i, (amount, ref) in enumerate(waiting):
            if amount == r.amount_fen:
                reference = ref
                del waiting[i]
                break
        request_id = int(reference[2:]) if reference.startswith("AS") and reference[2:].isdigit() else None
        views.append(
            RefundView(
                reference=r.out_refund_no,
                amount_fen=r.amount_fen,
                status_label=REFUND_STATUS.get(r.status, _("Processing")),
                at=r.created_at,
                request_id=request_id,
            )
        )
    return views, sum(p.amount_fen for p in partial)


def _who(event: Any, order: Order) -> Any:
    if event.actor_id is None:
        return _("System")
    if event.actor_id == order.buyer_id:
        return _("Buyer")
    if MERCHANT_ROLES & set(event.actor_roles or []):
        return _("Merchant")
    return _("Platform")


def _timeline(order: Order) -> list[TimelineEntry]:
    from mallops.audit.selectors import audit_events

    events = audit_events(object_type="orders.order", object_id=str(order.pk)).order_by("seq")
    entries = []
    for event in events:
        if not event.action.startswith("orders.order_"):
            continue
        after = event.after or {}
        details = []
        if after.get("reason"):
            details.append(str(after["reason"]))
        if after.get("amount_fen"):
            from mallops.console.formats import yuan

            details.append(yuan(int(after["amount_fen"])))
        entries.append(
            TimelineEntry(
                at=event.at,
                label=EVENTS.get(event.action, _("Order changed")),
                who=_who(event, order),
                detail=" · ".join(details),
                code=event.action,
            )
        )
    if not any(e.code == "orders.order_create" for e in entries):
        # orders written before the checkout audited them: the order's own row says when
        entries.insert(0, TimelineEntry(order.created_at, EVENTS["orders.order_create"], _("Buyer"), "", ""))
    return entries


def order_detail(order: Order, *, platform: bool) -> OrderDetail:
    """Everything the detail page shows of ``order`` (already read in the viewer's scope).

    ``platform``: the viewer is platform staff (``order.view``), who also see the whole payment's amount."""
    from mallops.privacy.masking import mask_name, mask_phone
    from mallops.privacy.registry import always_masked

    lines = list(
        OrderLine.objects.for_merchant(order.merchant_id)
        .filter(order_id=order.pk)
        .select_related("item__catalogue_sku")
        .order_by("pk")
    )
    offers = _offers(lines)
    views = tuple(
        LineView(
            sku_code=line.sku_code,
            title=line.title,
            spec=_spec(line),
            unit_price_fen=line.unit_price_fen,
            qty=line.qty,
            amount_fen=line.amount_fen,
            discount_fen=line.discount_fen,
            paid_fen=line.paid_fen,
            returned_qty=line.returned_qty,
            shares=tuple((o.name, int((line.shares or {}).get(o.key, 0))) for o in offers),
        )
        for line in lines
    )
    refunds, partial = _refunds(order)
    return OrderDetail(
        order=order,
        merchant_name=order.merchant.name,
        buyer_name=always_masked(order.buyer, "display_name") or "",
        buyer_phone=always_masked(order.buyer, "phone") or "",
        recipient=mask_name(order.ship_recipient) or "",
        recipient_phone=mask_phone(order.ship_phone) or "",
        region=f"{order.ship_province}{order.ship_city}{order.ship_district}",
        street="****" if order.ship_detail else "",
        lines=views,
        offers=tuple(offers),
        payments=tuple(_payments(order, platform=platform)),
        refunds=tuple(refunds),
        partial_refunds_fen=partial,
        timeline=tuple(_timeline(order)),
    )
