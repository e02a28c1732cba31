"""Standard procedures: versioned checklists that tickets follow, and who was trained on which version
(R5.1.5, R8.4.1)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.service.models.tickets import Ticket


class Procedure(models.Model):
    """A standard procedure (returns, complaints, order queries, ...) with its owner (R5.1.5).

    It applies to the ticket categories in ``categories`` (a category belongs to one procedure at most,
    checked by the service). Its steps live in versions; at most one version is published at a time.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    categories = models.JSONField(default=list)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pass_mark = models.PositiveSmallIntegerField(default=80)
    # resolving a ticket under this procedure is a sensitive action: only agents who passed the
    # assessment (or supervisors) may do it (R8.2.1)
    resolve_requires_training = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "owner": "the staff account accountable for the procedure (a work account)"
    }

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """One version of a procedure's checklist: draft, then published (the current one), then retired."""

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"
        RETIRED = "retired", "retired"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    change_note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["procedure_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="service_procedure_version_number"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(state="published"),
                name="service_procedure_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} v{self.number}"


class ProcedureStep(models.Model):
    """One checklist item of a procedure version; required steps must be done before resolving."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, default="")
    is_required = models.BooleanField(default=True)

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="service_procedure_step_position")
        ]

    def __str__(self) -> str:
        return self.title


class TicketStep(models.Model):
    """A ticket's copy of one checklist step and whether the agent has done it (R8.4.1)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(ProcedureStep, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, default="")

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"done_by": "the agent's work account"}

    class Meta:
        ordering = ["ticket_id", "step__position"]
        constraints = [models.UniqueConstraint(fields=["ticket", "step"], name="service_ticket_step_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.step_id}"


class TrainingRecord(models.Model):
    """An agent's training and assessment on one procedure version (R5.1.5, R8.2.1).

    Records are kept (a failed assessment followed by a passed one is two rows); an agent counts as
    trained on a version when one of its records passed. A new version needs new training."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="training")
    completed_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True, default="")

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "user": "the agent's work account",
        "recorded_by": "the supervisor's work account",
    }

    class Meta:
        ordering = ["-completed_at", "-pk"]
        indexes = [models.Index(fields=["version", "user", "passed"], name="service_training_lookup")]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="service_training_score_max")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.version_id} {self.score}"
