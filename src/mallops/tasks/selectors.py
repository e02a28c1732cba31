"""Task reads: the boards a person may see, one team's board, a task with its comments, the inbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.selectors import staff_with_permission
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.tasks.models import OPEN_STATUSES, Kind, Status, TaskNotice, Team, WorkTask
from mallops.tasks.rules import TEAM_PERMISSIONS, can_manage, is_member


def teams_of(user: Any) -> list[str]:
    """The teams whose board ``user`` may see (member or manager), in the order of ``Team``."""
    return [team for team in Team.values if is_member(user, team)]


def tasks_visible(
    *,
    actor: Actor,
    team: str = "",
    status: str = "",
    mine: bool = False,
    overdue: bool = False,
    now: datetime | None = None,
) -> QuerySet[WorkTask]:
    """Tasks of the teams ``actor`` belongs to (none for anyone else), newest first."""
    teams = teams_of(actor)
    if team:
        teams = [t for t in teams if t == team]
    rows = WorkTask.objects.filter(team__in=teams).select_related("assignee", "created_by")
    if status == "active":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if mine:
        rows = rows.filter(assignee_id=actor.user_id)
    if overdue:
        rows = rows.filter(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())
    return rows


def task_get(*, actor: Actor, task_id: int) -> WorkTask:
    task = WorkTask.objects.select_related("assignee", "created_by", "closed_by").filter(pk=task_id).first()
    if task is None or not is_member(actor, task.team):
        raise not_found("task")
    return task


def board(
    *, actor: Actor, team: str, mine: bool = False, now: datetime | None = None
) -> dict[str, list[WorkTask]]:
    """One team's board: the columns to do / in progress / done or cancelled in the last 14 days."""
    now = now or timezone.now()
    rows = tasks_visible(actor=actor, team=team, mine=mine)
    recent = now - timedelta(days=14)
    closed = rows.exclude(status__in=OPEN_STATUSES).filter(closed_at__gte=recent).order_by("-closed_at")[:50]
    return {
        Status.OPEN: list(rows.filter(status=Status.OPEN).order_by("due_at", "pk")[:200]),
        Status.IN_PROGRESS: list(rows.filter(status=Status.IN_PROGRESS).order_by("due_at", "pk")[:200]),
        Status.DONE: list(closed),
    }


def assignable(team: str) -> QuerySet[Any]:
    """Staff who may be given the team's tasks."""
    manage, member = TEAM_PERMISSIONS[team]
    return (staff_with_permission(member) | staff_with_permission(manage)).distinct().order_by("username")


def open_tasks_for_source(*, source_type: str, source_id: str) -> QuerySet[WorkTask]:
    """Open tasks another app opened for one of its rows (a ticket, a problem group, a KPI)."""
    return WorkTask.objects.filter(
        source_type=source_type, source_id=str(source_id), status__in=OPEN_STATUSES
    )


def tasks_for_source(*, source_type: str, source_id: str) -> QuerySet[WorkTask]:
    return WorkTask.objects.filter(source_type=source_type, source_id=str(source_id)).select_related(
        "assignee"
    )


def open_count(*, actor: Actor, mine: bool = True) -> int:
    """To-do count for the workbench: open tasks given to ``actor`` (or, ``mine=False``, of their teams)."""
    return tasks_visible(actor=actor, status="active", mine=mine).count()


def notices(*, actor: Actor, unread_only: bool = False) -> QuerySet[TaskNotice]:
    rows = TaskNotice.objects.filter(recipient_id=actor.user_id).select_related("task")
    return rows.filter(read_at__isnull=True) if unread_only else rows


def notices_unread_count(user: Any) -> int:
    return TaskNotice.objects.filter(recipient=user, read_at__isnull=True).count()


def may_manage(user: Any, task: WorkTask) -> bool:
    return can_manage(user, task.team)


def may_work(user: Any, task: WorkTask) -> bool:
    return task.assignee_id == getattr(user, "pk", None) or can_manage(user, task.team)


def team_period_facts(*, team: str, since: datetime, until: datetime) -> dict[int | None, dict[str, int]]:
    """Per assignee id (None: unassigned) of ``team``'s tasks, for the scorecards (R8.1.2), over
    ``[since, until)``: ``due``: tasks due in the period and not cancelled; ``on_time``: of those, done
    with ``closed_at`` at or before ``due_at``; ``moderation_done``: content-moderation tasks done
    (closed as done) in the period."""
    out: dict[int | None, dict[str, int]] = {}

    def facts(assignee_id: int | None) -> dict[str, int]:
        return out.setdefault(assignee_id, {"due": 0, "on_time": 0, "moderation_done": 0})

    due = (
        WorkTask.objects.filter(team=team, due_at__gte=since, due_at__lt=until)
        .exclude(status=Status.CANCELLED)
        .values_list("assignee_id", "status", "closed_at", "due_at")
    )
    for assignee_id, status, closed_at, due_at in due:
        row = facts(assignee_id)
        row["due"] += 1
        if status == Status.DONE and closed_at is not None and due_at is not None and closed_at <= due_at:
            row["on_time"] += 1
    moderated = WorkTask.objects.filter(
        team=team, kind=Kind.MODERATION, status=Status.DONE, closed_at__gte=since, closed_at__lt=until
    ).values_list("assignee_id", flat=True)
    for assignee_id in moderated:
        facts(assignee_id)["moderation_done"] += 1
    return out


def open_task_ids_for_sources(*, source_type: str, source_ids: list[str]) -> dict[str, int]:
    """source id -> id of an open task another app opened for it (one query for a whole list)."""
    rows = WorkTask.objects.filter(
        source_type=source_type, source_id__in=source_ids, status__in=OPEN_STATUSES
    )
    return dict(rows.order_by("pk").values_list("source_id", "pk"))
