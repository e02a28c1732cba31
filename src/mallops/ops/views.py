"""Console pages: backup runs and policies, restore drill history with the RTO against the 2 h target."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.ops import incident_views, incidents, selectors
from mallops.ops.models import BackupRun, DrillRun

# system administrators; a dedicated ops permission belongs in accounts.roles when the matrix is next edited
VIEW_PERMISSION = "system.operate"  # technical operations and the platform admin


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(VIEW_PERMISSION)


_LEVELS = {
    "local": gettext_lazy("Local"),
    "offsite": gettext_lazy("Off-site"),
    "cloud": gettext_lazy("Cloud"),
}
_RESULTS = {
    "running": gettext_lazy("Running"),
    "ok": gettext_lazy("Succeeded"),
    "failed": gettext_lazy("Failed"),
}
_RESULT_TONES = {"running": "info", "ok": "success", "failed": "danger"}
_RUN_KINDS = {"create": gettext_lazy("Backup"), "verify": gettext_lazy("Verification")}
_SEVERITIES = {
    "sev1": gettext_lazy("Especially serious (level 1)"),
    "sev2": gettext_lazy("Serious (level 2)"),
    "sev3": gettext_lazy("Relatively serious (level 3)"),
    "sev4": gettext_lazy("General (level 4)"),
}
_SEVERITY_TONES = {"sev1": "danger", "sev2": "danger", "sev3": "warning", "sev4": "info"}
_INCIDENT_KINDS = {
    "data_leak": gettext_lazy("Data leak"),
    "system_failure": gettext_lazy("System failure"),
    "mass_complaints": gettext_lazy("Mass complaints"),
    "regulatory_investigation": gettext_lazy("Regulatory investigation"),
}
_INCIDENT_STATUSES = {
    "open": gettext_lazy("Open"),
    "mitigated": gettext_lazy("Mitigated"),
    "resolved": gettext_lazy("Resolved"),
    "closed": gettext_lazy("Closed"),
}


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value:,} ms"


def _choices(names: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(names.items())


@login_required
def backups(request: HttpRequest) -> HttpResponse:
    _require(request)
    failed_only = request.GET.get("result") == "failed"  # the workbench's to-do link
    runs = (
        selectors.failed_backup_runs(now=timezone.now())
        if failed_only
        else BackupRun.objects.select_related("policy")
    )
    table = DataTable(
        request,
        runs,
        columns=[
            Column("started_at", _("Started"), kind="datetime", sort="started_at"),
            Column("kind", _("Kind"), value=lambda r: _RUN_KINDS.get(r.kind, r.kind)),
            Column("level", _("Level"), value=lambda r: _LEVELS.get(r.level, r.level)),
            Column("name", _("Backup"), sort="name"),
            Column("size_bytes", _("Size"), sort="size_bytes", value=lambda r: filesizeformat(r.size_bytes)),
            Column(
                "is_checksum_ok",
                _("Checksums"),
                value=lambda r: {True: "✓", False: "✗"}.get(r.is_checksum_ok, "-"),
            ),
            Column("duration_ms", _("Duration"), sort="duration_ms", value=lambda r: _ms(r.duration_ms)),
            Column(
                "result",
                _("Result"),
                kind="badge",
                display=lambda r: _RESULTS.get(r.result, r.result),
                tone=lambda r: _RESULT_TONES.get(r.result, "neutral"),
            ),
            Column("message", _("Message"), value=lambda r: Truncator(r.message).chars(120)),
            Column("location", _("Location"), value=lambda r: Truncator(r.location).chars(60)),
        ],
        search=["name", "location", "message"],
        search_placeholder=_("Backup name or location"),
        filters=[
            Filter("level", _("Level"), _choices(_LEVELS)),
            Filter("kind", _("Kind"), _choices(_RUN_KINDS)),
        ]
        + ([] if failed_only else [Filter("result", _("Result"), _choices(_RESULTS))]),
        date_range=DateRange("started_at", _("Started")),
        default_sort="-started_at",
        page_size=50,
        export_name="backup-runs",
        keep=["result"] if failed_only else [],
        testid="backup-runs",
        row_testid="backup-run",
        empty_title=_("No backup has run yet."),
        empty_hint=_("Start one with Back up now above; scheduled backups show here too."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "ops/backups.html",
        {
            "table": table,
            "policies": selectors.backup_policies(),
            "failed_only": failed_only,
            "levels": _choices(_LEVELS),
        },
    )


@login_required
def drills(request: HttpRequest) -> HttpResponse:
    _require(request)
    recent = list(reversed(list(selectors.drill_runs(limit=30))))
    summary = selectors.drill_summary()
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
    table = DataTable(
        request,
        DrillRun.objects.all(),
        columns=[
            Column("started_at", _("Started"), kind="datetime", sort="started_at"),
            Column("level", _("Level"), value=lambda d: _LEVELS.get(d.level, d.level)),
            Column("backup_name", _("Backup"), sort="backup_name"),
            Column("rto_ms", _("RTO"), sort="rto_ms", value=lambda d: _ms(d.rto_ms)),
            Column("restore_ms", _("Restore"), sort="restore_ms", value=lambda d: _ms(d.restore_ms)),
            Column(
                "result",
                _("Result"),
                kind="badge",
                display=lambda d: _RESULTS.get(d.result, d.result),
                tone=lambda d: _RESULT_TONES.get(d.result, "neutral"),
            ),
            Column("checks", _("Checks"), kind="template", template="ops/_drill_checks.html", export=False),
        ],
        search=["backup_name", "message"],
        search_placeholder=_("Backup name or message"),
        filters=[
            Filter("level", _("Level"), _choices(_LEVELS)),
            Filter("result", _("Result"), _choices(_RESULTS)),
        ],
        date_range=DateRange("started_at", _("Started")),
        default_sort="-started_at",
        page_size=50,
        export_name="restore-drills",
        testid="drill-runs",
        row_testid="drill-run",
        empty_title=_("No drill has run yet."),
        empty_hint=_("Start one with Start a restore drill above; scheduled drills show here too."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "ops/drills.html",
        {"table": table, "summary": summary, "chart": chart, "levels": _choices(_LEVELS)},
    )


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _require(request)
    status = request.GET.get("status", "active")
    if status not in {"", "active", "open", "mitigated", "resolved", "closed"}:
        status = "active"
    table = DataTable(
        request,
        incidents.incidents_list(actor=actor, status=status),
        columns=[
            Column("pk", "#", kind="number", sort="pk", link=lambda i: reverse("ops:incident", args=[i.pk])),
            Column("detected_at", _("Detected"), kind="datetime", sort="detected_at"),
            Column(
                "severity",
                _("Severity"),
                kind="badge",
                sort="severity",
                display=lambda i: _SEVERITIES.get(i.severity, i.severity),
                tone=lambda i: _SEVERITY_TONES.get(i.severity, "neutral"),
            ),
            Column("kind", _("Kind"), value=lambda i: _INCIDENT_KINDS.get(i.kind, i.kind)),
            Column("title", _("Title"), sort="title", link=lambda i: reverse("ops:incident", args=[i.pk])),
            Column("owner", _("Owner"), value=lambda i: i.owner.username if i.owner else None),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda i: _INCIDENT_STATUSES.get(i.status, i.status),
            ),
            Column("regulator", _("Regulator"), kind="template", template="ops/_incident_regulator.html"),
        ],
        search=["title", "summary"],
        search_placeholder=_("Title or summary"),
        filters=[
            Filter("severity", _("Severity"), _choices(_SEVERITIES)),
            Filter("kind", _("Kind"), _choices(_INCIDENT_KINDS)),
        ],
        date_range=DateRange("detected_at", _("Detected")),
        default_sort="-detected_at",
        page_size=50,
        export_name="incidents",
        keep=["status"],
        testid="incidents",
        row_testid="incident-row",
        empty_title=_("No incident."),
        empty_hint=_(
            "The monitors open an incident when an alert fires; use Open an incident above for anything else."
        ),
    )
    if table.export_format:
        return table.export_response()
    actions = incidents.actions_open(actor=actor)[:200]
    exercises = incidents.drills_list(actor=actor)[:50]
    return render(
        request,
        "ops/incidents.html",
        {
            "table": table,
            "status": status,
            "actions": actions,
            "exercises": incident_views.drill_rows(exercises),
            "today": timezone.localdate(),
            "open_form": incident_views.IncidentOpenForm(),
            "drill_form": incident_views.DrillScheduleForm(),
            "drill_results": [
                ("passed", incident_views.DRILL_RESULTS["passed"]),
                ("issues_found", incident_views.DRILL_RESULTS["issues_found"]),
            ],
        },
    )


@login_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    actor = request_actor(request)
    _require(request)
    try:
        incident = incidents.incident_get(actor=actor, incident_id=incident_id)
    except DomainError as error:
        raise Http404(error.detail) from error
    return render(
        request,
        "ops/incident.html",
        {
            "incident": incident,
            "timeline": [(e, incident_views.EVENT_KINDS.get(e.kind, e.kind)) for e in incident.events.all()],
            "actions": incident.actions.select_related("owner"),
            "today": timezone.localdate(),
            "steps": incident_views.steps_for(incident.status),
            "words": {
                "severity": _SEVERITIES.get(incident.severity, incident.severity),
                "kind": _INCIDENT_KINDS.get(incident.kind, incident.kind),
                "status": _INCIDENT_STATUSES.get(incident.status, incident.status),
            },
        },
    )
