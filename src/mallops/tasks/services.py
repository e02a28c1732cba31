"""Task writes: open, assign, start, comment, reschedule, close with an outcome, cancel; the overdue notice.

Every write is one ``audited`` transaction that locks the task row and records an audit event. Other apps
open tasks through ``task_open`` (``actor=SYSTEM`` is the system: a sweep or a rule found the work) and read
them through ``mallops.tasks.selectors``; they never touch the models.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.selectors import staff_with_permission
from mallops.audit.services import audit_record, audited
from mallops.core.actors import SYSTEM, Actor, ActorKind
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.tasks.errors import TasksCode
from mallops.tasks.models import OPEN_STATUSES, Kind, Status, TaskComment, TaskNotice, Team, WorkTask
from mallops.tasks.rules import TEAM_PERMISSIONS, can_manage, is_member

# source_type → what the owning app does when a task it opened is closed (done or cancelled): the app's
# own row follows (``service.task`` marks its ServiceTask done). Registered in the app's ``ready``.
CloseHook = Callable[[WorkTask, datetime], None]
_CLOSE_HOOKS: dict[str, CloseHook] = {}


def close_hook_register(source_type: str, hook: CloseHook) -> None:
    _CLOSE_HOOKS[source_type] = hook


def _snapshot(task: WorkTask) -> dict[str, Any]:
    return {
        "status": task.status,
        "assignee": task.assignee.username if task.assignee_id and task.assignee else None,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


def _locked(task_id: int) -> WorkTask:
    task = WorkTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise not_found("task")
    return task


def _forbidden(code: str, detail: str) -> DomainError:
    return DomainError(detail=detail, code=code, status=403, title="Forbidden")


def _need_manage(actor: Actor, task: WorkTask) -> None:
    if not can_manage(actor, task.team):
        raise _forbidden("task_forbidden", "only the team's managers may do this")


def _need_worker(actor: Actor, task: WorkTask) -> None:
    """The assignee, or a manager of the team."""
    if task.assignee_id is not None and task.assignee_id == actor.user_id:
        return
    if not can_manage(actor, task.team):
        raise _forbidden("task_forbidden", "only the assignee or the team's managers may do this")


def _need_open(task: WorkTask) -> None:
    if task.status not in OPEN_STATUSES:
        raise conflict("the task is already closed", code=TasksCode.TASK_CLOSED)


def _assignee(team: str, assignee_id: int | None, loc: tuple[str, ...]) -> Any:
    if assignee_id is None:
        return None
    user = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
    if user is None or not is_member(user, team):
        raise validation_error([FieldError(loc, "no active member of this team with this id")])
    return user


def task_open(
    *,
    actor: Actor | None,
    team: str,
    title: str,
    kind: str = Kind.OTHER,
    detail: str = "",
    source_type: str = "",
    source_id: str = "",
    assignee_id: int | None = None,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> WorkTask:
    """Open a task for ``team``. ``SYSTEM`` (or None) is the system: another app's rule or sweep, which
    needs no permission. Other apps not converted to the typed actor yet (analytics' care list, marketing,
    service) may still pass a ``User``: this facade builds its ``Actor``."""
    actor = actor_of(actor) if actor is not None else SYSTEM
    errors = []
    if team not in Team.values:
        errors.append(FieldError(("body", "team"), "unknown team"))
    if kind not in Kind.values:
        errors.append(FieldError(("body", "kind"), "unknown task kind"))
    if not title.strip():
        errors.append(FieldError(("body", "title"), "must not be empty"))
    if errors:
        raise validation_error(errors)
    if actor.kind != ActorKind.SYSTEM and not can_manage(actor, team):
        raise _forbidden("task_forbidden", "only the team's managers may open its tasks")
    assignee = _assignee(team, assignee_id, ("body", "assignee_id"))
    now = now or timezone.now()
    with audited():
        task = WorkTask.objects.create(
            team=team,
            kind=kind,
            title=title.strip()[:200],
            detail=detail,
            source_type=source_type,
            source_id=str(source_id),
            assignee=assignee,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
            due_at=due_at,
            notice_due_at=due_at,
        )
        if assignee is not None and assignee.pk != actor.user_id:
            TaskNotice.objects.create(
                recipient=assignee, task=task, kind=TaskNotice.Kind.ASSIGNED, created_at=now
            )
        audit_record(actor=actor, action="task.open", obj=task, after=_snapshot(task) | {"team": team})
    return task


def task_open_once(*, source_type: str, source_id: str, kind: str, **kwargs: Any) -> WorkTask | None:
    """``task_open`` unless an open task of ``kind`` exists for the same source; returns the new task or
    None (a rule that finds the same problem twice opens one task)."""
    exists = WorkTask.objects.filter(
        source_type=source_type, source_id=str(source_id), kind=kind, status__in=OPEN_STATUSES
    ).exists()
    if exists:
        return None
    return task_open(source_type=source_type, source_id=source_id, kind=kind, **kwargs)


def task_assign(*, actor: Actor, task_id: int, assignee_id: int, now: datetime | None = None) -> WorkTask:
    now = now or timezone.now()
    with audited():
        task = _locked(task_id)
        _need_manage(actor, task)
        _need_open(task)
        before = _snapshot(task)
        assignee = _assignee(task.team, assignee_id, ("body", "assignee_id"))
        task.assignee = assignee
        task.updated_at = now
        task.save(update_fields=["assignee", "updated_at"])
        if assignee.pk != actor.user_id:
            TaskNotice.objects.create(
                recipient=assignee, task=task, kind=TaskNotice.Kind.ASSIGNED, created_at=now
            )
        audit_record(actor=actor, action="task.assign", obj=task, before=before, after=_snapshot(task))
    return task


def task_start(*, actor: Actor, task_id: int, now: datetime | None = None) -> WorkTask:
    now = now or timezone.now()
    with audited():
        task = _locked(task_id)
        _need_worker(actor, task)
        if task.status != Status.OPEN:
            raise conflict("only a task still to do can be started", code=TasksCode.TASK_NOT_OPEN)
        before = _snapshot(task)
        task.status = Status.IN_PROGRESS
        if task.assignee_id is None:
            task.assignee_id = actor.user_id
        task.updated_at = now
        task.save(update_fields=["status", "assignee", "updated_at"])
        audit_record(actor=actor, action="task.start", obj=task, before=before, after=_snapshot(task))
    return task


def task_comment(*, actor: Actor, task_id: int, body: str, now: datetime | None = None) -> TaskComment:
    if not body.strip():
        raise validation_error([FieldError(("body", "body"), "must not be empty")])
    now = now or timezone.now()
    with audited():
        task = _locked(task_id)
        if not is_member(actor, task.team):
            raise _forbidden("task_forbidden", "only the team's members may comment")
        assert actor.user_id is not None  # a member is a signed-in staff user
        comment = TaskComment.objects.create(
            task=task, author_id=actor.user_id, body=body.strip(), created_at=now
        )
        task.updated_at = now
        task.save(update_fields=["updated_at"])
        audit_record(actor=actor, action="task.comment", obj=task, after={"comment": comment.pk})
    return comment


def task_reschedule(
    *, actor: Actor, task_id: int, due_at: datetime | None, now: datetime | None = None
) -> WorkTask:
    """A new due time; the overdue notice is armed again for it."""
    now = now or timezone.now()
    with audited():
        task = _locked(task_id)
        _need_manage(actor, task)
        _need_open(task)
        before = _snapshot(task)
        task.due_at = due_at
        task.notice_due_at = due_at
        task.overdue_noticed_at = None
        task.updated_at = now
        task.save(update_fields=["due_at", "notice_due_at", "overdue_noticed_at", "updated_at"])
        TaskNotice.objects.filter(task=task, kind=TaskNotice.Kind.OVERDUE).delete()
        audit_record(actor=actor, action="task.reschedule", obj=task, before=before, after=_snapshot(task))
    return task


def _finish(
    *, actor: Actor, task_id: int, status: str, outcome: str, action: str, now: datetime | None
) -> WorkTask:
    if not outcome.strip():
        field = "outcome" if status == Status.DONE else "reason"
        raise validation_error([FieldError(("body", field), "must not be empty")])
    now = now or timezone.now()
    with audited():
        task = _locked(task_id)
        if status == Status.DONE:
            _need_worker(actor, task)
        else:
            _need_manage(actor, task)
        _need_open(task)
        before = _snapshot(task)
        task.status = status
        task.outcome = outcome.strip()
        task.closed_at = now
        task.closed_by_id = actor.user_id
        task.notice_due_at = None
        task.updated_at = now
        task.save(
            update_fields=["status", "outcome", "closed_at", "closed_by", "notice_due_at", "updated_at"]
        )
        TaskNotice.objects.filter(task=task, read_at__isnull=True).update(read_at=now)
        hook = _CLOSE_HOOKS.get(task.source_type)
        if hook is not None:
            hook(task, now)
        audit_record(
            actor=actor,
            action=action,
            obj=task,
            before=before,
            after=_snapshot(task) | {"outcome": task.outcome},
        )
    return task


def task_close(*, actor: Actor, task_id: int, outcome: str, now: datetime | None = None) -> WorkTask:
    """Done, with what was done (the outcome is required)."""
    return _finish(
        actor=actor, task_id=task_id, status=Status.DONE, outcome=outcome, action="task.close", now=now
    )


def task_cancel(*, actor: Actor, task_id: int, reason: str, now: datetime | None = None) -> WorkTask:
    return _finish(
        actor=actor, task_id=task_id, status=Status.CANCELLED, outcome=reason, action="task.cancel", now=now
    )


def task_overdue_notice(task: WorkTask, now: datetime) -> None:
    """The sweep's step for one task past its due time: tell the assignee, or the team's managers when
    nobody is assigned, once; then take the task out of the due set."""
    if task.status in OPEN_STATUSES:
        recipients = [task.assignee_id] if task.assignee_id else _manager_ids(task.team)
        for recipient_id in recipients:
            TaskNotice.objects.get_or_create(
                recipient_id=recipient_id,
                task=task,
                kind=TaskNotice.Kind.OVERDUE,
                defaults={"created_at": now},
            )
        task.overdue_noticed_at = now
        audit_record(actor=SYSTEM, action="task.overdue", obj=task, after={"notified": len(recipients)})
    task.notice_due_at = None
    task.save(update_fields=["notice_due_at", "overdue_noticed_at"])


def _manager_ids(team: str) -> list[int]:
    return list(staff_with_permission(TEAM_PERMISSIONS[team][0]).values_list("pk", flat=True))


def notices_read(*, actor: Actor, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return TaskNotice.objects.filter(recipient_id=actor.user_id, read_at__isnull=True).update(read_at=now)
