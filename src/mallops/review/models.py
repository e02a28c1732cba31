"""Listing review: listings, immutable versions, automated findings and reviewer decisions.

A listing shows its ``live_version`` to buyers (unless taken down) while a newer version waits in
review (R1.2.3); every submission is a new :class:`ListingVersion`, so the history is kept.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.tenancy.managers import MerchantScopedManager


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AUTO_REJECTED = "auto_rejected", _("Rejected by automated checks")
    IN_REVIEW = "in_review", _("In review")
    REJECTED = "rejected", _("Rejected")
    LIVE = "live", _("Live")
    TAKEN_DOWN = "taken_down", _("Taken down")


class VersionStatus(models.TextChoices):
    AUTO_REJECTED = "auto_rejected", _("Rejected by automated checks")
    QUEUED = "queued", _("In the review queue")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded by a newer submission")


class TakedownKind(models.TextChoices):
    """Who took a live listing down; any of them is reversed by a resubmission that a reviewer approves."""

    STAFF = "staff", _("Taken down by the platform")
    MERCHANT = "merchant", _("Delisted by the merchant")
    CERTIFICATE = "certificate", _("Certificate expired")
    RECHECK = "recheck", _("Rejected at a rule re-check")


class VersionOrigin(models.TextChoices):
    MERCHANT = "merchant", _("Submitted by the merchant")
    RECHECK = "recheck", _("Re-check after a rule pack update")


class RejectReason(models.TextChoices):
    PROHIBITED_CLAIM = "prohibited_claim", _("Prohibited or exaggerated claim")
    INCOMPLETE = "incomplete_information", _("Incomplete information")
    MISSING_CERTIFICATE = "missing_certificate", _("Missing or invalid certificate")
    WRONG_CATEGORY = "wrong_category", _("Wrong category")
    INACCURATE_DATA = "inaccurate_data", _("Inaccurate price, specs or stock")
    IMAGE_QUALITY = "image_quality", _("Image quality")
    INFRINGEMENT = "infringement", _("Suspected infringement")
    OTHER = "other", _("Other (see note)")


class Listing(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    product = models.OneToOneField("catalogue.Product", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=ListingStatus.choices, default=ListingStatus.DRAFT)
    live_version = models.ForeignKey(
        "review.ListingVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pending_version = models.ForeignKey(
        "review.ListingVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_down_at = models.DateTimeField(null=True, blank=True)
    takedown_reason = models.CharField(max_length=200, blank=True, default="")
    takedown_kind = models.CharField(max_length=16, choices=TakedownKind.choices, blank=True, default="")
    # the compliance rule id and the legal article the take-down cites (both may be empty)
    takedown_rule = models.CharField(max_length=64, blank=True, default="")
    takedown_article = models.CharField(max_length=200, blank=True, default="")
    taken_down_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"listing {self.pk} ({self.status})"

    @property
    def is_visible(self) -> bool:
        """Buyers see the live version unless the listing was taken down."""
        return self.live_version_id is not None and self.taken_down_at is None


class ListingVersion(models.Model):
    """One submission. ``snapshot`` is written once and never changed."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices)
    submitted_at = models.DateTimeField(db_index=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    claimed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claim_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason_codes = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, default="")
    origin = models.CharField(max_length=16, choices=VersionOrigin.choices, default=VersionOrigin.MERCHANT)
    # the rule packs (``name@version,...``) the compliance findings were computed with; the re-check
    # sweep finds live versions checked with older packs
    rules_version = models.TextField(blank=True, default="")

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["listing_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "number"], name="review_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"listing {self.listing_id} v{self.number} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = (
                type(self)
                .objects.unscoped(reason="immutability check")
                .filter(pk=self.pk)
                .values_list("snapshot", flat=True)
                .first()
            )
            if stored is not None and stored != self.snapshot:
                raise ValueError("a listing version's snapshot is immutable")
        super().save(*args, **kwargs)


class Finding(models.Model):
    """A finding on a version: the rule, the span in one field and the legal basis. ``stage`` is
    ``completeness``, ``compliance`` or ``accuracy`` for the automated checks and ``manual`` for one a
    reviewer cites when rejecting."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(ListingVersion, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16)  # completeness | compliance | accuracy | manual
    rule = models.CharField(max_length=64, db_index=True)
    field = models.CharField(max_length=120)
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=200, blank=True, default="")
    basis = models.CharField(max_length=200)
    severity = models.CharField(max_length=8)  # block | review
    message = models.CharField(max_length=300, blank=True, default="")

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["version_id", "pk"]

    def __str__(self) -> str:
        return f"{self.rule} {self.field}[{self.start}:{self.end}]"
