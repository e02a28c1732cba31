"""Background jobs of the ops app. Thin: the scheduled backups and drills of every due policy."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mallops.ops.services import policies_run_due


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def backup_policies_run() -> dict[str, int]:
    return policies_run_due()


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def monitors_run() -> list[str]:
    from mallops.ops import monitors

    return monitors.run()
