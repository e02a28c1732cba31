"""The overdue notice: a task past its due time tells its assignee (or the team's managers) once."""

from __future__ import annotations

from mallops.core.sweeps import register
from mallops.tasks.models import WorkTask
from mallops.tasks.services import task_overdue_notice

register(
    "tasks.overdue_notice",
    queryset=lambda now: WorkTask.objects.filter(notice_due_at__lte=now),
    handle=task_overdue_notice,
)
