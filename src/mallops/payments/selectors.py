"""Payments reads other apps use (as frozen rows of ``orders.contracts``, no models)."""

from __future__ import annotations

from mallops.orders.contracts import PaymentRow, RefundRow
from mallops.payments.models import Payment, Refund


def checkout_payments(checkout_id: int) -> list[PaymentRow]:
    """The checkout's payments, in the order they were created (the order detail page)."""
    return [
        PaymentRow(
            out_trade_no=p.out_trade_no,
            provider=p.provider,
            status=p.status,
            order_ids=tuple(p.order_ids or ()),
            amount_fen=p.amount_fen,
            refunded_fen=p.refunded_fen,
            created_at=p.created_at,
            paid_at=p.paid_at,
        )
        for p in Payment.objects.filter(checkout_id=checkout_id).order_by("pk")
    ]


def order_refunds(order_id: int) -> list[RefundRow]:
    """The provider refunds of one order, oldest first (the order detail page)."""
    return [
        RefundRow(
            out_refund_no=r.out_refund_no, amount_fen=r.amount_fen, status=r.status, created_at=r.created_at
        )
        for r in Refund.objects.filter(order_id=order_id).order_by("created_at", "pk")
    ]
