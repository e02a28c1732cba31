"""The store announcement (店铺公告), one row per version a merchant submitted (R1.4.1).

At most one version per store is ``live`` (what buyers see). A version with only ``review`` findings waits
as ``pending`` for content operations; a new submission or decision ``replaced`` the earlier ones.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.tenancy.managers import MerchantScopedManager

MAX_NOTICE = 500


class NoticeStatus(models.TextChoices):
    LIVE = "live", _("Showing to buyers")
    PENDING = "pending", _("Waiting for review")
    REJECTED = "rejected", _("Rejected")
    REPLACED = "replaced", _("Replaced")


class StoreNotice(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=MAX_NOTICE)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices)
    # the compliance engine's findings when submitted: rule, start, end, text, basis (article), severity
    findings = models.JSONField(default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True, default="")

    objects = MerchantScopedManager()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "text": "a store announcement written for every buyer (business text)",
        "submitted_by": "the merchant member's work account that submitted it",
        "decided_by": "the content-operations work account that approved or rejected it",
    }

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"], condition=models.Q(status="live"), name="stores_notice_one_live"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["live", "pending", "rejected", "replaced"]),
                name="stores_notice_status",
            ),
        ]

    def __str__(self) -> str:
        return f"store notice {self.pk} ({self.status})"


class NameDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class StoreNameDecision(models.Model):
    """Content operations' decision on one store name the compliance engine had findings on (R1.4.1).

    Platform staff set store names (``accounts.services``): a name with a ``block`` finding is refused there;
    one with only ``review`` findings is saved and waits for content operations as long as no decision for
    that exact name exists (``stores.selectors.pending_store_names``). A rename brings a new name to decide.
    """

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    decision = models.CharField(max_length=10, choices=NameDecision.choices)
    # the engine's findings on the name when decided: rule, start, end, text, basis (article), severity
    findings = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True, default="")

    objects = MerchantScopedManager()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "name": "a store's public name (business text)",
        "decided_by": "the content-operations work account that decided",
        "note": "the reviewer's note on the store name (business text)",
    }

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="stores_name_decision_once"),
            models.CheckConstraint(
                condition=models.Q(decision__in=["approved", "rejected"]), name="stores_name_decision_value"
            ),
        ]

    def __str__(self) -> str:
        return f"store name decision {self.pk} ({self.decision})"
