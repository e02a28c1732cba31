"""Order timers. Each handler takes its row out of the due set, so a rerun does nothing twice.

A worker outage only delays these: the next sweep finds everything past due and handles it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.audit.services import audit_record
from mallops.core.sweeps import register
from mallops.orders.models import FlashSale, Order, OrderStatus
from mallops.orders.states import Event

_REASON = "order timers"


def _unpaid(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = Order.objects.unscoped(reason=_REASON).filter(pay_due_at__lte=now)
    return qs


def cancel_unpaid(row: Order, now: datetime) -> None:
    from mallops.orders.transitions import order_transition

    if row.status != OrderStatus.CREATED:
        Order.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(pay_due_at=None)
        return
    order_transition(actor=None, order_id=row.pk, event=Event.CANCEL, now=now, reason="payment_timeout")


def _unshipped(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = Order.objects.unscoped(reason=_REASON).filter(ship_due_at__lte=now)
    return qs


def flag_late(row: Order, now: datetime) -> None:
    Order.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(
        ship_due_at=None, ship_late=row.status == OrderStatus.PAID
    )
    if row.status == OrderStatus.PAID:
        audit_record(
            actor=None,
            action="orders.order_ship_late",
            obj=row,
            before={"ship_late": False},
            after={"ship_late": True},
        )


def _delivered(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = Order.objects.unscoped(reason=_REASON).filter(complete_due_at__lte=now)
    return qs


def auto_complete(row: Order, now: datetime) -> None:
    from mallops.orders.transitions import order_transition

    # a delivered order that was partly refunded (some lines returned) still completes for the rest
    rest_delivered = row.status == OrderStatus.PARTIALLY_REFUNDED and row.completed_at is None
    if row.status != OrderStatus.DELIVERED and not rest_delivered:
        Order.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(complete_due_at=None)
        return
    order_transition(actor=None, order_id=row.pk, event=Event.COMPLETE, now=now, reason="auto_complete")


def _ended_sales(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = FlashSale.objects.unscoped(reason=_REASON).filter(finalize_due_at__lte=now)
    return qs


def finalize_sale(row: FlashSale, now: datetime) -> None:
    from mallops.orders.flash.services import flash_sale_finalize

    flash_sale_finalize(row, now)


# One order (one sale) per transaction: a batch would lock the stock rows of its orders order by order,
# not in id order as checkout reserves them, and deadlock with it (bench/failover.py found it). Each
# transaction then locks as a buyer's cancel does: the order, its stock rows by id, the chain head last.
register("orders.cancel_unpaid", queryset=_unpaid, handle=cancel_unpaid, batch_size=1)
register("orders.flag_late_shipping", queryset=_unshipped, handle=flag_late)
register("orders.auto_complete", queryset=_delivered, handle=auto_complete)
register("orders.flash_finalize", queryset=_ended_sales, handle=finalize_sale, batch_size=1)
