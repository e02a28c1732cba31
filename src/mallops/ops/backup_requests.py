"""A backup or a restore drill asked for from the console (R7.4.3): checked, audited, then run by the worker.

A backup or a drill takes minutes, so the request only records who asked for what (audit) and queues the
job after the commit (``ops.tasks``); the job writes its run row as the scheduled ones do, and the page's
run list shows it running, then its result.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, validation_error
from mallops.ops import config
from mallops.ops.models import BackupRun, RunResult

PERMISSION = "system.operate"  # technical operations and the platform admin, as the pages
STUCK_AFTER = timedelta(hours=6)


def _check(actor: Actor, level: str) -> None:
    require_permission(actor, PERMISSION)
    if level not in config.LEVELS:
        raise validation_error([FieldError(("body", "level"), f"use one of {', '.join(config.LEVELS)}")])


def backup_request(*, actor: Actor, level: str) -> None:
    """Queue a backup to the repository of ``level`` now (audited ``ops.backup.request``)."""
    _check(actor, level)
    from mallops.ops import tasks

    if BackupRun.objects.filter(
        kind=BackupRun.Kind.CREATE,
        level=level,
        result=RunResult.RUNNING,
        started_at__gte=timezone.now() - STUCK_AFTER,  # a run killed mid-way stays "running": not forever
    ).exists():
        raise conflict("A backup of this level is running; wait for its result.", level=level)
    requested_at = timezone.now().timestamp()
    with transaction.atomic():
        audit_record(actor=actor, action="ops.backup.request", object_type="backup", after={"level": level})
        # a second click before the worker starts the first queues a second job: it finds the run the
        # first one started after this request and makes no second backup (``tasks.backup_now``)
        transaction.on_commit(lambda: tasks.backup_now(level, requested_at))


def drill_request(*, actor: Actor, level: str) -> None:
    """Queue a restore drill of the newest backup of ``level`` now (audited ``ops.drill.request``)."""
    _check(actor, level)
    from mallops.ops import tasks

    with transaction.atomic():
        audit_record(actor=actor, action="ops.drill.request", object_type="drill", after={"level": level})
        transaction.on_commit(lambda: tasks.drill_now(level))
