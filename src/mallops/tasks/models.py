"""One task model for the work that follows from tickets, frequent problems and KPI findings (R5.2.4,
R3.4.2, R8.1.2): a task belongs to a team, may name an assignee and a due time, collects comments and is
closed with an outcome. ``notice_due_at`` is the overdue timer swept by ``tasks/sweeps.py``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.TextChoices):
    CUSTOMER_SERVICE = "cs", _("Customer service")
    USER_OPS = "user_ops", _("User operations")
    PRODUCT_OPS = "product_ops", _("Product operations")
    CONTENT_OPS = "content_ops", _("Content operations")
    DATA_OPS = "data_ops", _("Data operations")
    TECH_OPS = "tech_ops", _("Technical operations")
    COMPLIANCE = "compliance", _("Compliance")
    RISK = "risk", _("Risk control")


class Kind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up")
    SECOND_SERVICE = "second_service", _("Second service")
    COMPENSATION = "compensation", _("Compensation")
    ESCALATION = "escalation", _("Escalation")
    REGULATOR_FLAG = "regulator_flag", _("Report to management or regulators")
    IMPROVEMENT = "improvement", _("Improvement")
    KPI_FOLLOW_UP = "kpi_follow_up", _("KPI follow-up")
    MODERATION = "moderation", _("Content moderation")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    OPEN = "open", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)


class WorkTask(models.Model):
    team = models.CharField(max_length=20, choices=Team.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True, default="")
    # where the task comes from, e.g. ("service.ticket", "42"); empty for a task typed by a person
    source_type = models.CharField(max_length=40, blank=True, default="")
    source_id = models.CharField(max_length=40, blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    # the overdue timer: set to due_at while the task is open, cleared when the notice went out or it closed
    notice_due_at = models.DateTimeField(null=True, blank=True)
    overdue_noticed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True, default="")

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "assignee": "the staff account the work is given to (a work account)",
        "created_by": "the staff account that opened the task (a work account)",
        "closed_by": "the staff account that closed the task (a work account)",
    }

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "status"], name="tasks_team_status"),
            models.Index(fields=["notice_due_at"], name="tasks_notice_due"),
            models.Index(fields=["source_type", "source_id"], name="tasks_source"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskComment(models.Model):
    task = models.ForeignKey(WorkTask, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"author": "the staff account that wrote the comment"}

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


class TaskNotice(models.Model):
    """A line in a person's task inbox: a task given to them, or one of theirs (or their team's) overdue."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        OVERDUE = "overdue", _("Overdue")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(WorkTask, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"recipient": "the staff account the inbox belongs to"}

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "task"],
                condition=models.Q(kind="overdue"),
                name="tasks_overdue_notice_once",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="tasks_notice_inbox")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.task_id}"
