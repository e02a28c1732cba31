"""How customer service is set up: SLA policies, agent profiles (skills), reply templates and who
serious complaints escalate to (R5.1, R5.2.4)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.service.models.choices import Category, Channel, ComplaintSeverity, Priority, Target
from mallops.workdays.engine import BusinessWindow, ClockBasis
from mallops.workdays.engine import SlaPolicy as EnginePolicy


class SlaPolicy(models.Model):
    """One SLA as data: what it measures, for which tickets, on which clock (R5.1.2, R5.2.3, R6.3.1).

    ``category``/``priority``/``channel`` empty means "any"; the most specific active policy wins. ``special``
    policies replace the resolution clock when an agent extends a ticket (customer told in advance).
    """

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    target = models.CharField(max_length=20, choices=Target.choices)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True, default="")
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True, default="")
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True, default="")
    special = models.BooleanField(default=False)
    basis = models.CharField(max_length=20, choices=[(b.value, b.value) for b in ClockBasis])
    minutes = models.PositiveIntegerField(default=0)
    working_days = models.PositiveSmallIntegerField(default=0)
    window = models.CharField(max_length=11, default="09:00-18:00")
    warning_lead_minutes = models.PositiveIntegerField(null=True, blank=True)
    notify_customer = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    # when the current targets took effect (the last supervisor edit; None: the seeded values)
    effective_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target", "code"]

    def __str__(self) -> str:
        return self.code

    def engine_policy(self) -> EnginePolicy:
        return EnginePolicy(
            code=self.code,
            basis=ClockBasis(self.basis),
            duration=timedelta(minutes=self.minutes),
            working_days=self.working_days,
            window=BusinessWindow.parse(self.window),
            warning_lead=None
            if self.warning_lead_minutes is None
            else timedelta(minutes=self.warning_lead_minutes),
        )

    def describe(self) -> str:
        if self.basis == ClockBasis.WORKING_DAYS:
            return f"{self.working_days} working days"
        hours = self.minutes / 60
        amount = f"{self.minutes} min" if self.minutes < 60 else f"{hours:g} h"
        if self.basis == ClockBasis.BUSINESS_HOURS:
            return f"{amount} business hours ({self.window} on working days)"
        return f"{amount} calendar time"


class AgentProfile(models.Model):
    """Routing data for a person who handles tickets: skills (categories), capacity, own store or platform."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cs_profile")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    skills = models.JSONField(default=list, blank=True)
    max_open = models.PositiveSmallIntegerField(default=30)
    is_available = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"agent {self.user_id}"


class ReplyTemplate(models.Model):
    """A reviewed answer in the reply library; suggestions are matched to ticket text (R5.4.2)."""

    title = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True, default="")
    keywords = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField()
    uses = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # the compliance engine's non-blocking findings on the live text (blocking ones are refused)
    findings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class EscalationTarget(models.Model):
    """Which role in management receives serious complaints of one severity (R5.2.4)."""

    severity = models.CharField(max_length=20, choices=ComplaintSeverity.choices, unique=True)
    role = models.CharField(max_length=30)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"updated_by": "the supervisor's work account"}

    class Meta:
        ordering = ["severity"]

    def __str__(self) -> str:
        return f"{self.severity} -> {self.role}"
