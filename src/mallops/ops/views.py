"""Console pages: backup runs and policies, restore drill history with the RTO against the 2 h target."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mallops.core.errors import DomainError
from mallops.ops import incidents, selectors

# system administrators; a dedicated ops permission belongs in accounts.roles when the matrix is next edited
VIEW_PERMISSION = "system.operate"  # technical operations and the platform admin


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(VIEW_PERMISSION)


@login_required
def backups(request: HttpRequest) -> HttpResponse:
    _require(request)
    return render(
        request,
        "ops/backups.html",
        {
            "runs": selectors.failed_backup_runs(now=timezone.now())
            if request.GET.get("result") == "failed"  # the workbench's to-do link
            else selectors.backup_runs(),
            "policies": selectors.backup_policies(),
        },
    )


@login_required
def drills(request: HttpRequest) -> HttpResponse:
    _require(request)
    runs = list(selectors.drill_runs())
    summary = selectors.drill_summary()
    recent = list(reversed(runs[:30]))
    peak = max((run.rto_ms for run in recent), default=0) or 1
    chart = [
        {
            "rto_s": round(run.rto_ms / 1000, 1),
            "ok": run.result == "ok",
            "at": run.started_at,
            "height": max(2, round(100 * run.rto_ms / peak)),
        }
        for run in recent
    ]
    return render(request, "ops/drills.html", {"runs": runs, "summary": summary, "chart": chart})


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    status = request.GET.get("status", "active")
    if status not in {"", "active", "open", "mitigated", "resolved", "closed"}:
        status = "active"
    rows = incidents.incidents_list(actor=request.user, status=status)[:200]
    actions = incidents.actions_open(actor=request.user)[:200]
    exercises = incidents.drills_list(actor=request.user)[:50]
    return render(
        request,
        "ops/incidents.html",
        {
            "incidents": rows,
            "status": status,
            "actions": actions,
            "exercises": exercises,
            "today": timezone.localdate(),
        },
    )


@login_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require(request)
    try:
        incident = incidents.incident_get(actor=request.user, incident_id=incident_id)
    except DomainError as error:
        raise Http404(error.detail) from error
    return render(
        request,
        "ops/incident.html",
        {
            "incident": incident,
            "timeline": incident.events.all(),
            "actions": incident.actions.select_related("owner"),
            "today": timezone.localdate(),
        },
    )
