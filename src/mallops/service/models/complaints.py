"""Serious complaints reported to regulators, and their follow-ups (R5.2.4)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.service.models.tickets import Ticket


class RegulatorReport(models.Model):
    """A serious complaint reported to a regulator (e.g. 市场监督管理局, 12315) and followed up (R5.2.4)."""

    class State(models.TextChoices):
        OPEN = "open", _("Being followed up")
        CLOSED = "closed", _("Closed by the regulator")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="regulator_reports")
    regulator = models.CharField(max_length=100)
    reported_at = models.DateTimeField()
    reference = models.CharField(max_length=60, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    next_followup_on = models.DateField(null=True, blank=True)
    # timer: 09:00 Beijing time on the next follow-up date; the sweep reminds once, then clears it
    followup_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"recorded_by": "the staff work account that recorded it"}

    class Meta:
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.regulator} {self.reference}"


class RegulatorFollowUp(models.Model):
    """One step of following up a regulator report: what happened, when, who recorded it."""

    report = models.ForeignKey(RegulatorReport, on_delete=models.CASCADE, related_name="followups")
    at = models.DateTimeField()
    note = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"recorded_by": "the staff work account that recorded it"}

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.at}"
