"""Reads for the console: backup runs, drill runs and the drill figures against the RTO target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from mallops.core.actors import Actor
from mallops.ops.drill import RTO_TARGET_MS
from mallops.ops.models import BackupPolicy, BackupRun, DrillRun, RunResult


def backup_runs(*, limit: int = 100) -> QuerySet[BackupRun]:
    return BackupRun.objects.select_related("policy").order_by("-started_at", "-id")[:limit]


def backup_policies() -> QuerySet[BackupPolicy]:
    return BackupPolicy.objects.order_by("name")


def drill_runs(*, limit: int = 100) -> QuerySet[DrillRun]:
    return DrillRun.objects.order_by("-started_at", "-id")[:limit]


@dataclass(frozen=True)
class DrillSummary:
    finished: int
    succeeded: int
    within_target: int
    last_rto_ms: int | None
    worst_rto_ms: int | None
    target_ms: int = RTO_TARGET_MS

    @property
    def success_rate(self) -> float | None:
        """Succeeded drills over finished drills (the guide asks for > 95 %, aims at 100 %)."""
        return self.succeeded / self.finished if self.finished else None


def drill_summary() -> DrillSummary:
    finished = list(
        DrillRun.objects.exclude(result=RunResult.RUNNING)
        .order_by("-started_at", "-id")
        .values_list("result", "rto_ms")
    )
    ok = [rto for result, rto in finished if result == RunResult.OK]
    return DrillSummary(
        finished=len(finished),
        succeeded=len(ok),
        within_target=sum(1 for rto in ok if rto <= RTO_TARGET_MS),
        last_rto_ms=finished[0][1] if finished else None,
        worst_rto_ms=max(ok) if ok else None,
    )


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
# Failed backup runs this recent are a to-do of the operations team.
FAILED_BACKUPS_WITHIN = timedelta(days=7)


def failed_backup_runs(*, now: datetime) -> QuerySet[BackupRun]:
    """Backup runs that failed within ``FAILED_BACKUPS_WITHIN`` (the backups page's ``?result=failed``)."""
    return (
        BackupRun.objects.select_related("policy")
        .filter(result=RunResult.FAILED, started_at__gte=now - FAILED_BACKUPS_WITHIN)
        .order_by("-started_at", "-id")
    )


def workbench_counts(*, actor: Actor, now: datetime) -> dict[str, int]:
    """To-dos of technical operations (one query): recent failed backup runs (``?result=failed``)."""
    if not actor.has_perm("system.operate"):
        return {"failed_backups": 0}
    return {"failed_backups": failed_backup_runs(now=now).order_by().count()}


def workbench_incident_counts(*, actor: Actor) -> dict[str, int]:
    """Incidents not closed (``?status=active`` on the incident list; one query). The incident list needs
    ``staff.manage`` besides the page's ``system.operate``, so only a user holding both sees this to-do."""
    from mallops.ops.incidents import incidents_list  # checks staff.manage

    return {"incidents": incidents_list(actor=actor, status="active").order_by().count()}


def incidents_resolved_between(*, since: datetime, until: datetime) -> list[tuple[str, float]]:
    """``(severity, hours from detection to resolution)`` of every incident resolved in ``[since, until)``
    (for the technical-operations scorecard, R8.1.2)."""
    from mallops.ops.models import Incident

    rows = Incident.objects.filter(resolved_at__gte=since, resolved_at__lt=until).values_list(
        "severity", "detected_at", "resolved_at"
    )
    return [
        (severity, (resolved - detected).total_seconds() / 3600)
        for severity, detected, resolved in rows
        if resolved is not None
    ]
