"""Background jobs. Thin: each calls one service or the sweep runner."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mallops.core import sweeps


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def run_sweeps() -> dict[str, int]:
    return sweeps.run_all()
