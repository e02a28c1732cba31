"""After-sales requests on order lines, their disputes, evidence and timeline (R5.2.1, R5.2.2).

Every row is owned by the order's merchant (MerchantScopedManager). Timers are ``*_due_at`` columns
acted on by ``aftersales/sweeps.py``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.privacy.contracts import DataClass, PersonalField
from mallops.tenancy.managers import MerchantScopedManager


class Kind(models.TextChoices):
    RETURN = "return", _("return")
    REFUND = "refund", _("refund")
    EXCHANGE = "exchange", _("exchange")
    REPAIR = "repair", _("repair")


MONEY_KINDS = frozenset({Kind.RETURN, Kind.REFUND})


class Classification(models.TextChoices):
    ORDER = "order", _("order")
    LOGISTICS = "logistics", _("logistics")
    PRODUCT = "product", _("product")


class Status(models.TextChoices):
    PENDING = "pending", _("pending")  # acknowledged, waiting for the merchant
    AWAITING_RETURN = "awaiting_return", _("awaiting return")  # approved; the buyer sends the goods back
    RETURNING = "returning", _("returning")  # on the way back; the merchant confirms receipt or rejects
    REPLACING = "replacing", _("replacing")  # exchange: goods received, the merchant sends the replacement
    REJECTED = "rejected", _("rejected")  # the buyer may open a dispute
    DISPUTED = "disputed", _("disputed")
    # the outcome is reached (refund done if any, replacement sent, ruled or lapsed); a CS agent reviews it
    REVIEWING = "reviewing", _("awaiting review")
    CLOSED = "closed", _("closed")  # reviewed by a CS agent, customer sent the confirmation


class Outcome(models.TextChoices):
    NONE = "", _("none")
    APPROVED = "approved", _("approved")
    AUTO_APPROVED = "auto_approved", _("auto approved")
    REFUSED = "refused", _("refused")  # dispute ruled against the buyer
    RULED_REFUND = "ruled_refund", _("ruled refund")
    LAPSED = "lapsed", _("lapsed")  # approved return never sent back by the buyer


class AfterSalesRequest(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    classification = models.CharField(max_length=10, choices=Classification.choices)
    reason = models.CharField(max_length=500)
    no_reason_return = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    requested_fen = models.BigIntegerField(default=0)  # what the returned quantities were paid
    refund_fen = models.BigIntegerField(default=0)  # what actually went back
    reject_reason = models.CharField(max_length=500, blank=True, default="")
    # the request covers the whole order and moved it to "refunding" (orders' refund states)
    holds_order = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    accept_due_at = models.DateTimeField(null=True, blank=True)
    respond_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # the return leg (returns and exchanges of goods that were sent): buyer ships, merchant receives
    return_ship_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    receive_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    received_at = models.DateTimeField(null=True, blank=True)
    replacement_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # review before close (R5.2.1): the message the customer gets when the request closes, written when
    # the outcome is reached; the CS agent who reviewed the outcome, when, and what they noted
    confirmation_text = models.CharField(max_length=1000, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.CharField(max_length=500, blank=True, default="")

    objects = MerchantScopedManager()

    class Meta:
        indexes = [models.Index(fields=["merchant", "status", "created_at"], name="aftersales_req_m_st_c")]
        constraints = [
            # no request closes without a review (the service checks it too; this is the last word)
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(reviewed_at__isnull=False),
                name="aftersales_closed_after_review",
            ),
        ]

    def __str__(self) -> str:
        return f"AS{self.pk}"


class RequestLine(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    paid_fen = models.BigIntegerField()  # paid for these units (largest remainder of the line's paid_fen)

    objects = MerchantScopedManager()

    def __str__(self) -> str:
        return f"{self.order_line_id} x{self.qty}"


class Leg(models.TextChoices):
    RETURN = "return", _("return")  # buyer -> merchant
    REPLACEMENT = "replacement", _("replacement")  # merchant -> buyer (exchange)


class Shipment(models.Model):
    """A parcel of an after-sales request: the goods going back, or the replacement of an exchange."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="shipments")
    leg = models.CharField(max_length=12, choices=Leg.choices)
    carrier = models.CharField(max_length=40)
    tracking_number = models.CharField(max_length=64)
    shipped_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["shipped_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "leg"], name="aftersales_shipment_one_per_leg")
        ]

    def __str__(self) -> str:
        return f"{self.leg} {self.carrier} {self.tracking_number}"


class DisputeCategory(models.TextChoices):
    QUALITY = "quality", _("product quality")
    DELAY = "delay", _("delay")
    ATTITUDE = "attitude", _("attitude")
    COUNTERFEIT = "counterfeit", _("counterfeit")
    OTHER = "other", _("other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("open")  # collecting evidence
    AWAITING_RULING = "awaiting_ruling", _("awaiting ruling")
    RULED = "ruled", _("ruled")


class Ruling(models.TextChoices):
    REFUND_FULL = "refund_full", _("refund in full")
    REFUND_PART = "refund_part", _("refund in part")
    REJECT = "reject", _("reject")


class Dispute(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    request = models.OneToOneField(AfterSalesRequest, on_delete=models.PROTECT, related_name="dispute")
    category = models.CharField(max_length=12, choices=DisputeCategory.choices)
    status = models.CharField(max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    opened_at = models.DateTimeField()
    merchant_evidence_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ruling_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ruling_overdue = models.BooleanField(default=False)
    ruling = models.CharField(max_length=12, choices=Ruling.choices, blank=True, default="")
    ruling_fen = models.BigIntegerField(default=0)
    ruling_note = models.CharField(max_length=1000, blank=True, default="")
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = MerchantScopedManager()

    def __str__(self) -> str:
        return f"dispute {self.pk}"


class Party(models.TextChoices):
    BUYER = "buyer", _("buyer")
    MERCHANT = "merchant", _("merchant")


class Evidence(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    party = models.CharField(max_length=10, choices=Party.choices)
    text = models.CharField(max_length=2000)
    images = models.JSONField(default=list)  # file names or URLs
    at = models.DateTimeField()

    objects = MerchantScopedManager()

    def __str__(self) -> str:
        return f"{self.party} evidence {self.pk}"


class TimelineEntry(models.Model):
    """Every step of a request and its dispute, in order (the customer-visible record)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField(max_length=40)
    text = models.CharField(max_length=1000, blank=True, default="")
    data = models.JSONField(default=dict)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.event


class RequestPhoto(models.Model):
    """A photo the buyer attached to their after-sales request (``aftersales.photos``: checked by
    ``core.uploads.inspect_upload``, stored with the media storage). The evidence of the request: its
    buyer, its store and the platform's after-sales staff see it; nobody else."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(AfterSalesRequest, on_delete=models.PROTECT, related_name="photos")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedManager()

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "buyer": PersonalField(DataClass.TRANSACTION, purpose="who asked for the refund or return"),
        "file": PersonalField(
            DataClass.TRANSACTION,
            purpose="the buyer's photo of the goods for the after-sales request",
            mask="redact",
        ),
    }
    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "content_type": "the picture's type, judged by content",
        "width": "picture width in pixels",
        "height": "picture height in pixels",
        "size_bytes": "file size",
    }

    def __str__(self) -> str:
        return f"photo of after-sales request {self.request_id}"
