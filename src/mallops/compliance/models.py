"""Compliance self-inspection (R7.1.2) and its audit (R7.3.2).

An ``Inspection`` re-checks every live text that goes to buyers with the rule packs in force and keeps one
``InspectionFinding`` per offending span. Findings become remediation tasks in the tasks app (the task id
is kept, the task itself is read through ``mallops.tasks.selectors``) or are accepted with a reason; a
compliance auditor then signs the inspection off, which freezes it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")
    SIGNED = "signed", _("Signed off")


class Area(models.TextChoices):
    LISTING = "listing", _("Listings")
    PROMOTION = "promotion", _("Promotions")
    COUPON = "coupon", _("Coupons")
    REPLY_TEMPLATE = "reply_template", _("Reply templates")
    STORE_NAME = "store_name", _("Store names")
    STORE_NOTICE = "store_notice", _("Store announcements")
    REVIEW_REPLY = "review_reply", _("Replies to reviews")
    PRICE = "price", _("Prices")
    DATA = "data", _("Data handling")


class FindingSeverity(models.TextChoices):
    BLOCK = "block", _("Must be fixed")
    REVIEW = "review", _("To review")


class Inspection(models.Model):
    status = models.CharField(
        max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.RUNNING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # the rule packs in force (``name@version,...``)
    rules_version = models.TextField(blank=True, default="")
    # progress: live objects to check and checked so far
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # counts by severity, area and rule (``compliance.report.summarize``) and the trend against the previous run
    summary = models.JSONField(default=dict, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True, default="")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    sign_note = models.TextField(blank=True, default="")

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "started_by": "the staff account that started the run (a work account)",
        "signed_by": "the compliance auditor's staff account (a work account)",
    }

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"inspection {self.pk} ({self.status})"


class InspectionFinding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    area = models.CharField(max_length=20, choices=Area.choices)
    object_id = models.CharField(max_length=40)
    # what the console shows for the object: a listing's title, a promotion's or template's name
    object_label = models.CharField(max_length=200, blank=True, default="")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(max_length=120)
    rule = models.CharField(max_length=64)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    severity = models.CharField(max_length=10, choices=FindingSeverity.choices)
    article = models.CharField(max_length=200, blank=True, default="")
    # the same problem in the same place across runs (``Hit.fingerprint``); the remediation task's source id
    fingerprint = models.CharField(max_length=40)
    task_id = models.PositiveIntegerField(null=True, blank=True)
    accepted_reason = models.TextField(blank=True, default="")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "object_label": "a listing title or promotion/template name written for buyers (business text)",
        "text": "the offending words of a published text (business text)",
        "merchant": "the store that published the text",
        "accepted_by": "the compliance auditor's staff account (a work account)",
    }

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["inspection", "rule"], name="compliance_finding_rule")]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "fingerprint", "start"], name="compliance_finding_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.area} {self.object_id}"
