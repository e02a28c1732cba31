"""Every service task (second service, compensation, escalation, regulator flag, overdue follow-up,
improvement) is worked on the customer-service task board (``mallops.tasks``): assigned, commented, given a
due time, closed with an outcome; closing it there marks the service task done here.

The board task is opened when the service task row is created (a ``post_save`` receiver, so every path that
creates one — ratings, escalation, complaints, sweeps, frequent-problem detection — is covered), inside the
same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.utils import translation

from mallops.core.words import label
from mallops.service.models import ServiceTask
from mallops.tasks import rules as task_rules
from mallops.tasks.contracts import Kind, Team, WorkTask
from mallops.tasks.services import close_hook_register, task_open

SOURCE = "service.task"

KINDS = {
    ServiceTask.Kind.SECOND_SERVICE: Kind.SECOND_SERVICE,
    ServiceTask.Kind.COMPENSATION: Kind.COMPENSATION,
    ServiceTask.Kind.ESCALATION: Kind.ESCALATION,
    ServiceTask.Kind.REGULATOR_FLAG: Kind.REGULATOR_FLAG,
    ServiceTask.Kind.FOLLOWUP_OVERDUE: Kind.FOLLOW_UP,
    ServiceTask.Kind.IMPROVEMENT: Kind.IMPROVEMENT,
}


def _opened(sender: Any, instance: ServiceTask, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw:
        return
    kind = KINDS.get(ServiceTask.Kind(instance.kind), Kind.FOLLOW_UP)
    with translation.override(settings.LANGUAGE_CODE):
        what = str(Kind(kind).label)
        # the service task's detail is English text for the log (an escalation reason); the board shows
        # it in the console's language, as it shows the title
        detail = label(instance.detail, "service.task_title") if instance.detail else ""
    ref = (
        instance.ticket.number if instance.ticket_id and instance.ticket else f"#{instance.problem_group_id}"
    )
    assignee = instance.assignee
    task_open(
        actor=None,
        team=Team.CUSTOMER_SERVICE,
        kind=kind,
        title=f"{ref}：{what}",
        detail=detail,
        source_type=SOURCE,
        source_id=str(instance.pk),
        assignee_id=assignee.pk
        if assignee is not None and task_rules.is_member(assignee, Team.CUSTOMER_SERVICE)
        else None,
        now=instance.created_at,
    )


def _closed(task: WorkTask, now: datetime) -> None:
    ServiceTask.objects.filter(pk=int(task.source_id), is_done=False).update(is_done=True, done_at=now)


def connect() -> None:
    post_save.connect(_opened, sender=ServiceTask, dispatch_uid="service.task_links.opened")
    close_hook_register(SOURCE, _closed)
