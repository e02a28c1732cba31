"""Background jobs of the compliance app (Huey): run a self-inspection that ``inspection_start`` queued,
and the regular self-inspection (R7.1.2: every Monday at 02:00 Asia/Shanghai)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mallops.compliance import services
from mallops.core.actors import SYSTEM
from mallops.core.errors import DomainError


@db_task()  # type: ignore[untyped-decorator]
def compliance_run_inspection(inspection_id: int) -> None:
    services.inspection_run(inspection_id=inspection_id)


def weekly_inspection() -> int | None:
    """Start and run one inspection as the system; None when one is already running."""
    try:
        inspection = services.inspection_start(actor=SYSTEM, queue=False)
    except DomainError:
        return None
    return services.inspection_run(inspection_id=inspection.pk).pk


@db_periodic_task(crontab(day_of_week="1", hour="2", minute="0"))  # type: ignore[untyped-decorator]
def compliance_weekly_inspection() -> int | None:
    return weekly_inspection()
