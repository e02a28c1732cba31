"""Payments of checkouts, the notifications that confirm them, refunds, and the sandbox provider's books.

A ``Payment`` covers one ``orders.Checkout`` (all its merchant orders, like 合单支付). Platform rows (not
merchant-owned): a payment can span merchants.
"""

from __future__ import annotations

from django.db import models


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "pending"
    PAID = "paid", "paid"
    CLOSED = "closed", "closed"
    REFUNDED = "refunded", "refunded"


class Payment(models.Model):
    checkout = models.ForeignKey("orders.Checkout", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20, default="sandbox")
    out_trade_no = models.CharField(max_length=40, unique=True)
    amount_fen = models.BigIntegerField()
    # the orders this payment pays for (the checkout's orders still unpaid when it was opened)
    order_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    provider_txn_id = models.CharField(max_length=64, blank=True, default="")
    refunded_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            # the refund cap (issue 16): the rule lives in core.money.refund_cap_check, this is its backstop
            models.CheckConstraint(
                condition=models.Q(refunded_fen__gte=0, refunded_fen__lte=models.F("amount_fen")),
                name="payments_payment_refunded_le_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class PaymentNotification(models.Model):
    """A verified notification, kept once per provider event id (duplicates are recognised by it)."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64)
    out_trade_no = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(max_length=20)
    body = models.JSONField()
    outcome = models.CharField(max_length=40)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="payments_notification_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    out_refund_no = models.CharField(max_length=40, unique=True)
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=10, default="pending")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payments_refund_positive")
        ]

    def __str__(self) -> str:
        return self.out_refund_no


class SandboxTransaction(models.Model):
    """The sandbox provider's own books (what a real provider would answer to query/statement)."""

    out_trade_no = models.CharField(max_length=40, unique=True)
    txn_id = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=12, default="NOTPAY")
    refunded_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_fen__gte=0, refunded_fen__lte=models.F("amount_fen")),
                name="payments_sandbox_refunded_le_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.txn_id


class ReconciliationReport(models.Model):
    """One run of the daily reconciliation: provider statement against payments and orders."""

    provider = models.CharField(max_length=20)
    day = models.DateField()
    checked = models.PositiveIntegerField()
    mismatches = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.day}"
