"""Scorecard data: the incentive rules a manager edits (target and bands per KPI) and the incentive runs
of a period with each person's result (R8.3.1). KPI values themselves are never stored: they are computed
from the owning apps' rows (``mallops.scorecards.kpis``); a run keeps the values it paid on in its lines.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class KpiRule(models.Model):
    """The target and bands of one KPI (``catalogue.KPIS`` code), replacing the catalogue's defaults.

    ``bands`` is a list of ``{"threshold": number, "points": int}``; the best band reached pays its points.
    """

    kpi = models.CharField(max_length=60, unique=True)
    target = models.FloatField()
    bands = models.JSONField(default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "updated_by": "the staff account of the manager who edited the rule (a work account)"
    }

    class Meta:
        ordering = ["kpi"]

    def __str__(self) -> str:
        return self.kpi


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    LOCKED = "locked", _("Locked")


class PeriodKindChoice(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class IncentiveRun(models.Model):
    """The incentive result of one role's team for one period: computed as a draft (recomputable), approved
    by a manager who neither computed it nor is one of its subjects, then locked (no further change)."""

    role = models.CharField(max_length=30)
    period_kind = models.CharField(max_length=10, choices=PeriodKindChoice.choices)
    period_start = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    # the rules (target and bands per KPI) the run was computed with
    rules = models.JSONField(default=dict)
    team_values = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "created_by": "the staff account that computed the run (a work account)",
        "approved_by": "the staff account of the approving manager (a work account)",
        "locked_by": "the staff account that locked the run (a work account)",
    }

    class Meta:
        ordering = ["-period_start", "role", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "period_kind", "period_start"], name="scorecards_one_run_per_period"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(approved_at__isnull=False),
                name="scorecards_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.period_kind} {self.period_start} ({self.status})"


class IncentiveResult(models.Model):
    """One person's points in a run, with the lines that produced them (KPI, value, band, points)."""

    run = models.ForeignKey(IncentiveRun, on_delete=models.CASCADE, related_name="results")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField()
    lines = models.JSONField(default=list)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "person": "the staff account the result belongs to (a work account; results are staff-only)"
    }

    class Meta:
        ordering = ["-points", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "person"], name="scorecards_one_result_per_person"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="scorecards_points_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.points}"
