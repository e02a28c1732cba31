"""Demo payments: every paid demo checkout gets its sandbox payment (so reconciliation has data)."""

from __future__ import annotations

import random
import secrets

from mallops.orders import selectors as orders_selectors
from mallops.payments.models import Payment, PaymentStatus, SandboxTransaction


def load(*, lines: list[str], rng: random.Random) -> None:
    made = 0
    with_payment = set(Payment.objects.values_list("checkout_id", flat=True))
    for checkout in orders_selectors.demo_paid_checkouts(key_prefix="demo-", exclude_ids=with_payment):
        paid = checkout.orders
        if not paid:
            continue
        no = checkout.created_at.strftime("%Y%m%d") + f"demo{checkout.id:08d}"
        amount = sum(o.paid_fen for o in paid)
        refunded = sum(o.refunded_fen for o in paid)
        paid_at = min(o.paid_at for o in paid)
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
            checkout_id=checkout.id,
            order_ids=[o.id for o in paid],
            out_trade_no=no,
            amount_fen=amount,
            provider_txn_id=txn,
            paid_at=paid_at,
            refunded_fen=refunded,
            status=PaymentStatus.REFUNDED if refunded >= amount else PaymentStatus.PAID,
        )
        made += 1
    lines.append(f"Payments: {made} sandbox payments for the demo orders")
