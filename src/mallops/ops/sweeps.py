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


def _support_overdue(timer: str) -> Any:
    def queryset(now: datetime) -> QuerySet[Any]:
        from mallops.ops.models import SupportTicket

        manager: Any = SupportTicket.objects
        due: QuerySet[Any] = manager.unscoped(reason="support target sweep").filter(
            **{f"{timer}_due_at__lte": now}
        )
        return due

    return queryset


def _support_missed(target: str) -> Any:
    def handle(row: Any, now: datetime) -> None:
        from mallops.ops.support import support_target_missed

        support_target_missed(row, now, target=target)

    return handle


register(
    "ops.support_response_target", queryset=_support_overdue("response"), handle=_support_missed("response")
)
register(
    "ops.support_resolution_target",
    queryset=_support_overdue("resolution"),
    handle=_support_missed("resolution"),
)
