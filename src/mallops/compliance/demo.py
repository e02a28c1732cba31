"""Demo rows of the compliance app: one finished self-inspection over the demo's live texts (idempotent)."""

from __future__ import annotations

import random

from mallops.accounts.actors import actor_of
from mallops.accounts.selectors import staff_with_permission
from mallops.compliance import services
from mallops.compliance.models import Inspection


def load(*, lines: list[str], rng: random.Random) -> None:
    if Inspection.objects.exists():
        return
    auditor = staff_with_permission(services.AUDIT_PERMISSION).order_by("pk").first()
    if auditor is None:
        return
    inspection = services.inspection_start(actor=actor_of(auditor), queue=False)
    inspection = services.inspection_run(inspection_id=inspection.pk)
    lines.append(
        f"compliance: 1 self-inspection, {inspection.summary.get('findings', 0)} findings "
        f"over {inspection.summary.get('objects', 0)} live objects"
    )
