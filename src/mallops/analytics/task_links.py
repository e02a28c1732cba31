"""A KPI finding turned into a task (``analytics.Task``, R3.4.2) is worked on its team's task board
(``mallops.tasks``): assigned, commented, closed with an outcome there; closing it marks the finding's task
done here. Opened by a ``post_save`` receiver when the row is created, in the same transaction."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils import timezone

from mallops.analytics.models import Task
from mallops.tasks.contracts import Kind, WorkTask
from mallops.tasks.services import close_hook_register, task_open

SOURCE = "analytics.task"


def _opened(sender: Any, instance: Task, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw:
        return
    due_at = (
        timezone.make_aware(datetime.combine(instance.due_on, time(23, 59)), timezone.get_default_timezone())
        if instance.due_on
        else None
    )
    detail = f"{instance.metric}" if instance.metric else ""
    task_open(
        actor=None,
        team=instance.team,
        kind=Kind.KPI_FOLLOW_UP,
        title=instance.title,
        detail=detail,
        source_type=SOURCE,
        source_id=str(instance.pk),
        due_at=due_at,
    )


def _closed(task: WorkTask, now: datetime) -> None:
    Task.objects.filter(pk=int(task.source_id)).exclude(status=Task.Status.DONE).update(
        status=Task.Status.DONE
    )


def connect() -> None:
    from django.db.models.signals import post_save

    post_save.connect(_opened, sender=Task, dispatch_uid="analytics.task_links.opened")
    close_hook_register(SOURCE, _closed)
