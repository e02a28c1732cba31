"""Django-side state of analytics: identity aliases, experiments, segments, model runs and tasks.

Behaviour events themselves live in the event store (``mallops.analytics.store``), not in these tables.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class IdentityAlias(models.Model):
    """``alias_id`` (an anonymous device id, another channel's id) is the same person as ``distinct_id``.

    Written by ``$identify`` events and :func:`mallops.analytics.services.identity_merge`; queries count
    every alias under its ``distinct_id`` so that one person counts once (R4.1.3). Chains are flattened:
    ``distinct_id`` is never itself an alias.
    """

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "alias_id": "pseudonymous tracking id chosen by the client, not a personal attribute",
    }

    alias_id = models.CharField(max_length=200, unique=True)
    distinct_id = models.CharField(max_length=200, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.alias_id} -> {self.distinct_id}"


class Experiment(models.Model):
    """An A/B test (R3.2.7): variants with weights, one primary metric and guard-rail metrics.

    ``variants`` is ``[{"key": "control", "weight": 50}, ...]``; the first variant is the control.
    ``metric_event`` is the conversion event; ``value_property`` (optional) a numeric property of it for
    the mean comparison; ``guardrails`` are events whose rate must not get significantly worse.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        RUNNING = "running", "running"
        STOPPED = "stopped", "stopped"

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    variants = models.JSONField()
    metric_event = models.CharField(max_length=100)
    value_property = models.CharField(max_length=100, blank=True)
    covariate_event = models.CharField(max_length=100, blank=True)
    guardrails = models.JSONField(default=list)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class ExperimentExposure(models.Model):
    """The first time a user saw an experiment, with the variant they were assigned (exposure log)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="exposures")
    distinct_id = models.CharField(max_length=200)
    variant = models.CharField(max_length=50)
    exposed_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["experiment", "distinct_id"], name="analytics_one_exposure")
        ]

    def __str__(self) -> str:
        return f"{self.distinct_id} in {self.variant}"


class SegmentMember(models.Model):
    """Today's RFM scores and tag of one buyer (R3.2.5), replaced by the daily refresh."""

    distinct_id = models.CharField(max_length=200, unique=True)
    recency_days = models.IntegerField()
    frequency = models.IntegerField()
    monetary_fen = models.BigIntegerField()
    r_score = models.PositiveSmallIntegerField()
    f_score = models.PositiveSmallIntegerField()
    m_score = models.PositiveSmallIntegerField()
    tag = models.CharField(max_length=20, db_index=True)
    computed_on = models.DateField()
    source = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.distinct_id}: {self.tag}"


class ModelRun(models.Model):
    """A trained model's evaluation (churn risk, R3.2.8): held-out AUCs and explained features."""

    kind = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField()

    def __str__(self) -> str:
        return f"{self.kind} at {self.created_at:%Y-%m-%d %H:%M}"


class Task(models.Model):
    """A KPI finding turned into work for a team (R3.4.2)."""

    class Team(models.TextChoices):
        USER_OPS = "user_ops", "user operations"
        PRODUCT_OPS = "product_ops", "product operations"
        CONTENT_OPS = "content_ops", "content operations"
        DATA_OPS = "data_ops", "data operations"
        CUSTOMER_SERVICE = "cs", "customer service"
        TECH_OPS = "tech_ops", "technical operations"

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DONE = "done", "done"

    title = models.CharField(max_length=200)
    team = models.CharField(max_length=20, choices=Team.choices)
    metric = models.CharField(max_length=40, blank=True)
    finding = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class QueryJob(models.Model):
    """A long query run in the background with its progress; it can be cancelled."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    kind = models.CharField(max_length=20)
    params = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class CostEntry(models.Model):
    """Spend of one cost category over a period of days (R3.4.1), typed in 元 by an operator.

    Counted in the KPIs as one ``cost`` fact per day of ``start_on..end_on`` (both included): the amount is
    spread evenly in whole fen, the remainder fen going to the first days, so any set of days adds up to the
    entry exactly (:func:`mallops.analytics.costs.daily_split`).
    """

    class Category(models.TextChoices):
        ADVERTISING = "advertising", "advertising"
        LOGISTICS = "logistics", "logistics"
        CUSTOMER_SERVICE = "customer_service", "customer service"

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "note": "a cost remark (campaign, carrier, vendor), not about a person",
    }

    category = models.CharField(max_length=20, choices=Category.choices)
    start_on = models.DateField()
    end_on = models.DateField()
    amount_fen = models.BigIntegerField()
    note = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=0), name="analytics_cost_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(end_on__gte=models.F("start_on")), name="analytics_cost_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.start_on}..{self.end_on}"
