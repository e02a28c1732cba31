"""Reads of the compliance self-inspection: the runs, one run's findings with their remediation state."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from mallops.accounts.services import require_permission
from mallops.compliance.models import Inspection, InspectionFinding, InspectionStatus
from mallops.core.actors import Actor
from mallops.core.errors import not_found

INSPECT_PERMISSION = "compliance.inspect"


def inspections(*, actor: Actor) -> QuerySet[Inspection]:
    require_permission(actor, INSPECT_PERMISSION)
    return Inspection.objects.select_related("started_by", "signed_by").order_by("-started_at", "-pk")


def inspection_get(*, actor: Actor, inspection_id: int) -> Inspection:
    require_permission(actor, INSPECT_PERMISSION)
    if not 0 < inspection_id < 2**63:
        raise not_found("inspection")
    row = Inspection.objects.select_related("started_by", "signed_by").filter(pk=inspection_id).first()
    if row is None:
        raise not_found("inspection")
    return row


def latest_running() -> Inspection | None:
    return Inspection.objects.filter(status=InspectionStatus.RUNNING).order_by("-started_at").first()


def finding_get(*, actor: Actor, finding_id: int) -> InspectionFinding:
    require_permission(actor, INSPECT_PERMISSION)
    if not 0 < finding_id < 2**63:
        raise not_found("finding")
    row = InspectionFinding.objects.filter(pk=finding_id).first()
    if row is None:
        raise not_found("finding")
    return row


def findings(*, inspection: Inspection) -> QuerySet[InspectionFinding]:
    return (
        InspectionFinding.objects.filter(inspection=inspection).select_related("accepted_by").order_by("pk")
    )


@dataclass(frozen=True)
class Remediation:
    """A finding's remediation: ``state`` is ``none`` (no task yet), ``open``, ``closed`` or ``accepted``."""

    state: str
    task_id: int | None
    task_status: str
    task_outcome: str


def remediation(*, actor: Actor, rows: list[InspectionFinding]) -> dict[int, Remediation]:
    """The remediation state of each finding, keyed by finding id (tasks read through the tasks app, one
    query)."""
    from mallops.tasks.selectors import tasks_visible

    ids = {row.task_id for row in rows if row.task_id is not None}
    tasks = {task.pk: task for task in tasks_visible(actor=actor).filter(pk__in=ids)} if ids else {}
    out: dict[int, Remediation] = {}
    for row in rows:
        task = tasks.get(row.task_id) if row.task_id is not None else None
        status = task.status if task is not None else ""
        outcome = task.outcome if task is not None else ""
        if row.accepted_at is not None:
            state = "accepted"
        elif row.task_id is None:
            state = "none"
        elif status in ("done", "cancelled"):
            state = "closed"
        else:
            state = "open"
        out[row.pk] = Remediation(state, row.task_id, status, outcome)
    return out


def remediation_counts(states: dict[int, Remediation]) -> dict[str, int]:
    counts = {"none": 0, "open": 0, "closed": 0, "accepted": 0}
    for item in states.values():
        counts[item.state] += 1
    return counts


def open_listing_findings(*, listing_ids: list[int]) -> dict[int, int]:
    """Listing id → findings of the latest finished inspection on that listing's texts that nobody accepted
    (price findings are left out: their object ids mix listings and promotions): what the storefront's ranking penalises. Two queries at most; listings without
    findings are absent."""
    if not listing_ids:
        return {}
    latest = (
        Inspection.objects.filter(status__in=[InspectionStatus.DONE, InspectionStatus.SIGNED])
        .order_by("-started_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is None:
        return {}
    rows = (
        InspectionFinding.objects.filter(
            inspection_id=latest,
            area="listing",
            object_id__in=[str(pk) for pk in listing_ids],
            accepted_at__isnull=True,
        )
        .values("object_id")
        .annotate(n=Count("pk"))
        .values_list("object_id", "n")
    )
    return {int(object_id): int(n) for object_id, n in rows}
