"""The one way an order changes status: lock the row, check the table, apply side effects, audit.

Timers are columns: ``pay_due_at`` (set at creation), ``ship_due_at`` (set when paid),
``complete_due_at`` (set when delivered); each is cleared when its order leaves the state it guards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import conflict, not_found
from mallops.orders import conf, refunds, stock
from mallops.orders.errors import OrdersCode
from mallops.orders.models import Order, OrderLine, OrderStatus
from mallops.orders.states import Event, allowed_events, target


def _snapshot(order: Order) -> dict[str, Any]:
    return {
        "status": order.status,
        "carrier": order.carrier,
        "ship_late": order.ship_late,
        "refunded_fen": order.refunded_fen,
    }


def _copy_missing_return_terms(order: Order) -> None:
    """Lines written without a copy of the product's after-sales terms (the flash-sale path) get it at
    payment, the end of the purchase; checkout lines already carry the copy and are left alone."""
    missing = list(
        OrderLine.objects.for_merchant(order.merchant_id).filter(order=order, return_terms__isnull=True)
    )
    if not missing:
        return
    from mallops.catalogue.selectors import sku_return_terms

    terms = sku_return_terms(merchant_id=order.merchant_id, sku_codes=[line.sku_code for line in missing])
    for line in missing:
        line.return_terms = terms.get(line.sku_code, {})
    OrderLine.objects.for_merchant(order.merchant_id).bulk_update(missing, ["return_terms"])


def orders_lock(*, order_ids: Sequence[int]) -> list[Order]:
    """Lock several orders (ascending id), then the stock rows of their lines (ascending id); returns
    the orders. Call inside the transaction that then moves them one by one with ``order_transition``
    (a payment covering a checkout's orders), so its locks follow the one order of every stock writer:
    orders, then stock rows by id, then the audit chain head at the end (docs/performance.md)."""
    orders = list(
        Order.objects.unscoped(reason="orders moved together (caller authorised)")
        .select_for_update()
        .filter(pk__in=list(order_ids))
        .order_by("pk")
    )
    stock.lock_rows_of([order.pk for order in orders])
    return orders


def transition_target(order: Order, event: Event) -> str:
    """The status ``order`` moves to by ``event``; 409 ``illegal_transition`` (naming the allowed events)
    when the table has no such move. Reads only (a caller may ask before an irreversible step)."""
    to = target(order.status, event, order.status_before_refund)
    if to is None:
        raise conflict(
            f"An order in status {order.status!r} cannot {event.value}.",
            code=OrdersCode.ILLEGAL_TRANSITION,
            status=order.status,
            event=event.value,
            allowed=[e.value for e in allowed_events(order.status)],
        )
    return to


@audited()
def order_transition(
    *,
    actor: Actor | None,
    order_id: int,
    event: Event,
    merchant_id: int | None = None,
    buyer_id: int | None = None,
    now: datetime | None = None,
    reason: str = "",
    carrier: str = "",
    tracking_number: str = "",
    amount_fen: int = 0,
) -> Order:
    """Move one order by ``event``. ``merchant_id``/``buyer_id`` narrow the look-up (404 outside it).

    ``partial_refund`` adds ``amount_fen`` (already paid back by the provider) to ``refunded_fen``; the
    order becomes ``refunded`` when every line is paid back (shipping is never part of a partial refund;
    callers check the amount fits). ``refund`` pays every line back, and the shipping only before shipment.

    Raises 409 ``illegal_transition`` (naming the allowed events) when the table has no such move.
    """
    now = now or timezone.now()
    qs = (
        Order.objects.for_merchant(merchant_id)
        if merchant_id is not None
        else Order.objects.unscoped(reason="order transition (caller authorised)")
    )
    if buyer_id is not None:
        qs = qs.filter(buyer_id=buyer_id)
    order: Order | None = qs.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise not_found("order")
    to = transition_target(order, event)
    before = _snapshot(order)
    fields = ["status"]
    if event is Event.PAY:
        _copy_missing_return_terms(order)
        if order.flash_sale_id is None:
            stock.sell(order)
        else:
            from mallops.orders.flash.services import flash_order_paid

            flash_order_paid(order)
        order.paid_at, order.pay_due_at = now, None
        order.ship_due_at = now + timedelta(hours=conf.value("ORDER_SHIP_HOURS"))
        fields += ["paid_at", "pay_due_at", "ship_due_at"]
    elif event is Event.CANCEL:
        if order.flash_sale_id is None:
            stock.release(order)
        else:
            from mallops.orders.flash.services import flash_order_released

            flash_order_released(order)
        order.cancelled_at, order.pay_due_at = now, None
        order.cancel_reason = reason[:40]
        fields += ["cancelled_at", "pay_due_at", "cancel_reason"]
    elif event is Event.SHIP:
        order.carrier, order.tracking_number = carrier, tracking_number
        order.shipped_at, order.ship_due_at = now, None
        fields += ["carrier", "tracking_number", "shipped_at", "ship_due_at"]
    elif event is Event.DELIVER:
        order.delivered_at = now
        order.complete_due_at = now + timedelta(days=conf.value("ORDER_COMPLETE_DAYS"))
        fields += ["delivered_at", "complete_due_at"]
    elif event is Event.COMPLETE:
        order.completed_at, order.complete_due_at = now, None
        fields += ["completed_at", "complete_due_at"]
    elif event is Event.REQUEST_REFUND:
        order.status_before_refund = order.status
        order.ship_due_at = order.complete_due_at = None
        fields += ["status_before_refund", "ship_due_at", "complete_due_at"]
    elif event is Event.REFUND:
        if order.status_before_refund == OrderStatus.PAID:
            stock.restock(order)
        refunds.lines_refund_all(order)
        order.refunded_fen = refunds.whole_refund_fen(order)  # shipping back only before shipment
        fields += ["refunded_fen"]
    elif event is Event.PARTIAL_REFUND:
        order.refunded_fen += amount_fen
        fields += ["refunded_fen"]
        if refunds.goods_refunded(order):
            to = OrderStatus.REFUNDED
            order.ship_due_at = order.complete_due_at = None
            fields += ["ship_due_at", "complete_due_at"]
    elif event is Event.REJECT_REFUND:
        if to == OrderStatus.DELIVERED:
            order.complete_due_at = now + timedelta(days=conf.value("ORDER_COMPLETE_DAYS"))
        elif to == OrderStatus.PAID:
            order.ship_due_at = now + timedelta(hours=conf.value("ORDER_SHIP_HOURS"))
        order.status_before_refund = ""
        fields += ["complete_due_at", "ship_due_at", "status_before_refund"]
    order.status = to
    order.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=f"orders.order_{event.value}",
        obj=order,
        before=before,
        after=_snapshot(order)
        | ({"reason": reason} if reason else {})
        | ({"amount_fen": amount_fen} if amount_fen else {}),
    )
    return order
