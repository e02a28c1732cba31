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
