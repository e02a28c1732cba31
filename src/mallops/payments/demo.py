"""Demo payments: every paid demo checkout gets its sandbox payment (so reconciliation has data)."""

from __future__ import annotations

import random
import secrets

from mallops.orders.models import Checkout, Order
from mallops.payments.models import Payment, PaymentStatus, SandboxTransaction


def load(*, lines: list[str], rng: random.Random) -> None:
    made = 0
    checkouts = Checkout.objects.filter(idempotency_key__startswith="demo-", payments__isnull=True)
    for checkout in checkouts.order_by("pk"):
        orders = list(Order.objects.unscoped(reason="demo").filter(checkout=checkout))
        paid = [o for o in orders if o.paid_at is not None]
        if not paid:
            continue
        no = checkout.created_at.strftime("%Y%m%d") + f"demo{checkout.pk:08d}"
        amount = sum(o.paid_fen for o in paid)
        refunded = sum(o.refunded_fen for o in paid)
        paid_at = min(o.paid_at for o in paid if o.paid_at)
        txn = "sbx" + secrets.token_hex(12)
        SandboxTransaction.objects.create(
            out_trade_no=no,
            txn_id=txn,
            amount_fen=amount,
            status="REFUND" if refunded else "SUCCESS",
            refunded_fen=refunded,
            paid_at=paid_at,
        )
        Payment.objects.create(
            checkout=checkout,
            order_ids=[o.pk for o in paid],
            out_trade_no=no,
            amount_fen=amount,
            provider_txn_id=txn,
            paid_at=paid_at,
            refunded_fen=refunded,
            status=PaymentStatus.REFUNDED if refunded >= amount else PaymentStatus.PAID,
        )
        made += 1
    lines.append(f"Payments: {made} sandbox payments for the demo orders")
