"""Background jobs of the ops app. Thin: the scheduled backups and drills of every due policy."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mallops.ops.services import policies_run_due


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def backup_policies_run() -> dict[str, int]:
    return policies_run_due()


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def monitors_run() -> list[str]:
    from mallops.ops import monitors

    return monitors.run()


@db_task()  # type: ignore[untyped-decorator]
def backup_now(level: str, requested_at: float | None = None) -> int:
    """A backup asked for in the console (``ops.backup_requests``); a failure is recorded on its run row.

    A run of the same level started at or after ``requested_at`` (the request's time, a POSIX timestamp)
    already answers the request — a double click queues two jobs — so no second backup is made.
    """
    from datetime import UTC, datetime

    from mallops.ops.archive import BackupError
    from mallops.ops.models import BackupRun
    from mallops.ops.services import backup_create

    if requested_at is not None:
        answered = (
            BackupRun.objects.filter(
                kind=BackupRun.Kind.CREATE,
                level=level,
                started_at__gte=datetime.fromtimestamp(requested_at, tz=UTC),
            )
            .order_by("started_at", "pk")
            .first()
        )
        if answered is not None:
            return answered.pk
    try:
        return backup_create(level=level).pk
    except BackupError:
        failed = BackupRun.objects.filter(level=level).order_by("-started_at", "-pk").first()
        return failed.pk if failed is not None else 0


@db_task()  # type: ignore[untyped-decorator]
def drill_now(level: str) -> int:
    """A restore drill asked for in the console (``ops.backup_requests``); it records its own result."""
    from mallops.ops.drill import drill_run

    return drill_run(level=level).pk
