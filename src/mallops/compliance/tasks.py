"""Background job of the compliance app (Huey): run a self-inspection that ``inspection_start`` queued."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from mallops.compliance import services


@db_task()  # type: ignore[untyped-decorator]
def compliance_run_inspection(inspection_id: int) -> None:
    services.inspection_run(inspection_id=inspection_id)
