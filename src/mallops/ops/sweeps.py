"""Timers of the ops app (registered with ``core.sweeps``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.core.sweeps import register


def _regulator_overdue(now: datetime) -> QuerySet[Any]:
    from mallops.ops.models import Incident

    return Incident.objects.filter(regulator_due_at__lte=now)


def _regulator_missed(row: Any, now: datetime) -> None:
    from mallops.ops.incidents import incident_deadline_missed

    incident_deadline_missed(row, now)


register("ops.incident_regulator_deadline", queryset=_regulator_overdue, handle=_regulator_missed)
