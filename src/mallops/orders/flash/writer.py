"""Writing a flash order once units are secured (database path: in the request; Redis path: the queue)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F

from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.orders import conf
from mallops.orders.checkout import address_snapshot, new_order_number
from mallops.orders.models import (
    AttemptStatus,
    Checkout,
    FlashAttempt,
    FlashPurchase,
    FlashSale,
    Order,
    OrderLine,
)


def add_purchase(sale_id: int, buyer_id: int, qty: int, limit: int | None) -> bool:
    """Raise the buyer's held units by ``qty`` unless that passes ``limit``; False when it would."""
    qs = FlashPurchase.objects.filter(sale_id=sale_id, buyer_id=buyer_id)
    if limit is not None:
        qs = qs.filter(qty__lte=limit - qty)
    if qs.update(qty=F("qty") + qty):
        return True
    if FlashPurchase.objects.filter(sale_id=sale_id, buyer_id=buyer_id).exists():
        return False
    from django.db import IntegrityError, transaction

    try:
        with transaction.atomic():
            FlashPurchase.objects.create(sale_id=sale_id, buyer_id=buyer_id, qty=qty)
        return True
    except IntegrityError:
        # a concurrent first purchase by the same buyer won the insert: add on top of it
        return add_purchase(sale_id, buyer_id, qty, limit)


def claim_units(sale_id: int, qty: int) -> bool:
    """The conditional UPDATE that makes overselling impossible: claimed + qty <= quantity."""
    updated: int = (
        FlashSale.objects.unscoped(reason="flash claim")
        .filter(pk=sale_id, finalized=False, claimed__lte=F("quantity") - qty)
        .update(claimed=F("claimed") + qty)
    )
    return updated == 1


def write_order(
    sale: FlashSale, buyer_id: int, qty: int, attempt_id: str, now: datetime, actor: Actor | None = None
) -> Order:
    """Checkout + Order + OrderLine + FlashAttempt for units already claimed (caller's transaction)."""
    amount = sale.flash_price_fen * qty
    checkout = Checkout.objects.create(
        buyer_id=buyer_id,
        idempotency_key=f"flash:{attempt_id}",
        subtotal_fen=amount,
        discount_fen=0,
        total_fen=amount,
        quote={"subtotal": amount, "discount": 0, "total": amount, "applied": [], "flash_sale": sale.pk},
    )
    order: Order = Order.objects.create(
        merchant_id=sale.merchant_id,
        checkout=checkout,
        buyer_id=buyer_id,
        number=new_order_number(now),
        flash_sale=sale,
        subtotal_fen=amount,
        discount_fen=0,
        paid_fen=amount,
        created_at=now,
        pay_due_at=now + timedelta(minutes=conf.value("FLASH_PAY_MINUTES")),
        **address_snapshot(buyer_id),
    )
    OrderLine.objects.create(
        merchant_id=sale.merchant_id,
        order=order,
        item_id=sale.item_id,
        sku_code=sale.item.sku_code,
        title=sale.title,
        unit_price_fen=sale.flash_price_fen,
        qty=qty,
        amount_fen=amount,
        discount_fen=0,
        paid_fen=amount,
        shares={},
    )
    FlashAttempt.objects.create(
        id=attempt_id, sale=sale, buyer_id=buyer_id, qty=qty, status=AttemptStatus.ORDERED, order=order
    )
    audit_record(
        actor=actor,
        action="orders.flash_order_create",
        obj=order,
        after={"status": order.status, "paid_fen": amount, "flash_sale": sale.pk, "qty": qty},
    )
    return order
