"""A backup or a restore drill asked for from the console (R7.4.3): checked, audited, then run by the worker.

A backup or a drill takes minutes, so the request only records who asked for what (audit) and queues the
job after the commit (``ops.tasks``); the job writes its run row as the scheduled ones do, and the page's
run list shows it running, then its result.
"""

from __future__ import annotations

from django.db import transaction

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, validation_error
from mallops.ops import config

PERMISSION = "system.operate"  # technical operations and the platform admin, as the pages


def _check(actor: Actor, level: str) -> None:
    require_permission(actor, PERMISSION)
    if level not in config.LEVELS:
        raise validation_error([FieldError(("body", "level"), f"use one of {', '.join(config.LEVELS)}")])


def backup_request(*, actor: Actor, level: str) -> None:
    """Queue a backup to the repository of ``level`` now (audited ``ops.backup.request``)."""
    _check(actor, level)
    from mallops.ops import tasks

    with transaction.atomic():
        audit_record(actor=actor, action="ops.backup.request", object_type="backup", after={"level": level})
        transaction.on_commit(lambda: tasks.backup_now(level))


def drill_request(*, actor: Actor, level: str) -> None:
    """Queue a restore drill of the newest backup of ``level`` now (audited ``ops.drill.request``)."""
    _check(actor, level)
    from mallops.ops import tasks

    with transaction.atomic():
        audit_record(actor=actor, action="ops.drill.request", object_type="drill", after={"level": level})
        transaction.on_commit(lambda: tasks.drill_now(level))
