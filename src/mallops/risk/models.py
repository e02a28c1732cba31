"""Risk control data: rule profile versions, the log of every assessed event, decisions for analysts.

The engine (:mod:`mallops.risk.engine`) keeps its state in memory; ``RiskEventLog`` is what it is rebuilt
from after a restart (see :mod:`mallops.risk.services`).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField

_EVIDENCE = PersonalField(
    DataClass.TRANSACTION,
    purpose="devices, IPs and delivery addresses that link accounts, to decide transaction risk (R7.2.2)",
    mask="redact",
)


class Outcome(models.TextChoices):
    ALLOW = "allow", "放行"
    REVIEW = "review", "人工审核"
    BLOCK = "block", "拦截"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "待处理"
    CONFIRMED = "confirmed", "确认风险"
    CLEARED = "cleared", "排除风险"


class RiskProfileVersion(models.Model):
    """One version of the rule thresholds and windows (``Profile.to_json()``); exactly one is active.

    Versions are only added, never edited: activating a version deactivates the previous one.
    """

    version = models.PositiveIntegerField(unique=True)
    rules = models.JSONField()
    is_active = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="risk_profile_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}{' (active)' if self.is_active else ''}"


class RiskEventLog(models.Model):
    """Every event the engine assessed, in the order it did (append-only).

    ``at_us`` is the instant the engine used (microseconds since the epoch); ``payload`` holds the event
    fields (device, address, batch, order, merchant, amount, text ...). The engine is rebuilt from these
    rows in ``(pk)`` order.
    """

    event_id = models.CharField(max_length=64, db_index=True)
    event_type = models.CharField(max_length=20)
    buyer = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
    at_us = models.BigIntegerField()
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    profile_version = models.PositiveIntegerField(default=0)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {"payload": _EVIDENCE}

    def __str__(self) -> str:
        return f"{self.event_type}:{self.event_id}:{self.outcome}"


class RiskDecision(models.Model):
    """A review or block decision, with its reasons and evidence, in the analysts' queue."""

    event = models.OneToOneField(RiskEventLog, on_delete=models.PROTECT, related_name="decision")
    event_type = models.CharField(max_length=20)
    buyer = models.CharField(max_length=64, db_index=True)
    subject_ref = models.CharField(max_length=64, blank=True, default="")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rules = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    evidence = models.JSONField(default=dict)
    profile_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=1000, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "reasons": _EVIDENCE,
        "evidence": _EVIDENCE,
        "note": PersonalField(
            DataClass.TRANSACTION, purpose="the analyst's finding on the case", mask="redact"
        ),
    }

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="risk_decision_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["review", "block"]), name="risk_decision_not_allow"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(reviewed_at__isnull=False),
                name="risk_decision_reviewed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome}:{self.event_type}:{self.buyer}:{self.status}"
