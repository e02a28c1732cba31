"""Reads for the console: backup runs, drill runs and the drill figures against the RTO target."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

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
