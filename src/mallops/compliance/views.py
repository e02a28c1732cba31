"""Console pages of the compliance self-inspection (group 风控与合规, permission ``compliance.inspect``):
the runs with a progress bar, one run's report (counts, trend, charts, findings with their remediation),
its XLSX export and printable page; the auditor's actions (open tasks, accept, sign off) are POSTs."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.compliance import exports, labels, selectors, services
from mallops.compliance.exports import field_words
from mallops.compliance.models import Inspection, InspectionStatus
from mallops.compliance.report import report_number
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.words import error_lines


def _need(request: HttpRequest, permission: str = services.INSPECT_PERMISSION) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _inspection(actor: Actor, inspection_id: int) -> Inspection:
    try:
        return selectors.inspection_get(actor=actor, inspection_id=inspection_id)
    except DomainError as error:
        raise Http404 from error


@login_required
def inspections(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need(request)
    table = DataTable(
        request,
        selectors.inspections(actor=actor),
        columns=[
            Column(
                "pk",
                _("Inspection"),
                sort="pk",
                value=lambda r: _("Inspection %(number)s") % {"number": r.pk},
                link=lambda r: reverse("compliance:inspection", args=[r.pk]),
            ),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda r: labels.INSPECTION_STATUS.get(r.status, ""),
                tone=lambda r: {"signed": "success", "done": "info", "failed": "danger"}.get(
                    r.status, "warning"
                ),
            ),
            Column("started_at", _("Started"), kind="datetime", sort="started_at"),
            Column("objects", _("Texts checked"), kind="number", value=lambda r: r.done),
            Column("findings", _("Findings"), kind="number", value=lambda r: r.summary.get("findings", "")),
            Column("signed_at", _("Signed off"), kind="datetime"),
        ],
        filters=[Filter("status", _("Status"), list(labels.INSPECTION_STATUS.items()))],
        default_sort="-started_at",
        empty_title=_("No inspection yet."),
        empty_hint=_("Start one: every live listing, promotion, coupon and reply template is checked again."),
        testid="inspections",
    )
    running = selectors.latest_running()
    return render(
        request,
        "compliance/inspections.html",
        {"active": "compliance_inspections", "table": table, "running": running},
    )


@login_required
@require_POST
def inspection_start(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need(request)
    try:
        inspection = services.inspection_start(actor=actor)
    except DomainError as error:
        _report_error(request, error)
        return redirect("compliance:inspections")
    messages.success(request, _("Inspection started. This page shows its progress."))
    return redirect("compliance:inspection", inspection_id=inspection.pk)


def _chart_bar(names: list[str], values: list[int]) -> dict[str, Any]:
    return {
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [{"type": "bar", "data": values, "name": _("Findings")}],
    }


@login_required
def inspection(request: HttpRequest, inspection_id: int) -> HttpResponse:
    actor = request_actor(request)
    _need(request)
    run = _inspection(actor, inspection_id)
    context: dict[str, Any] = {
        "active": "compliance_inspections",
        "inspection": run,
        "report_number": report_number(run.pk, run.started_at),
    }
    if run.status != InspectionStatus.RUNNING and run.status != InspectionStatus.FAILED:
        rows = list(selectors.findings(inspection=run))
        states = selectors.remediation(actor=actor, rows=rows)
        summary = run.summary
        trend = summary.get("trend", {})
        table = DataTable(
            request,
            selectors.findings(inspection=run),
            columns=[
                Column("area", _("Area"), value=lambda r: str(labels.AREA.get(r.area, ""))),
                Column("object_label", _("Object"), sort="object_label"),
                Column("field", _("Where"), value=lambda r: field_words(r.field)),
                Column("rule", _("Rule"), value=lambda r: str(labels.RULE.get(r.rule, _("Other rule")))),
                Column("text", _("Words found")),
                Column(
                    "severity",
                    _("Severity"),
                    kind="badge",
                    display=lambda r: labels.SEVERITY.get(r.severity, ""),
                    tone=lambda r: "danger" if r.severity == "block" else "warning",
                ),
                Column("article", _("Legal basis")),
                Column(
                    "remediation",
                    _("Remediation"),
                    kind="badge",
                    value=lambda r: states[r.pk].state,
                    display=lambda r: labels.REMEDIATION[states[r.pk].state],
                    tone=lambda r: {"closed": "success", "accepted": "neutral", "open": "info"}.get(
                        states[r.pk].state, "warning"
                    ),
                    link=lambda r: reverse("tasks:task", args=[r.task_id]) if r.task_id else None,
                ),
                Column(
                    "actions",
                    "",
                    kind="template",
                    template="compliance/_finding_actions.html",
                    export=False,
                ),
            ],
            search=["object_label", "text"],
            search_placeholder=_("Object or words"),
            filters=[
                Filter("area", _("Area"), list(labels.AREA.items())),
                Filter("severity", _("Severity"), list(labels.SEVERITY.items())),
            ],
            default_sort="pk",
            empty_title=_("Nothing found."),
            empty_hint=_("Every live text passes the rule packs in force."),
            testid="findings",
            context={
                "may_audit": request.user.has_perm(services.AUDIT_PERMISSION),
                "frozen": run.status == InspectionStatus.SIGNED,
            },
        )
        by_rule = summary.get("by_rule", {})
        by_area = summary.get("by_area", {})
        context |= {
            "table": table,
            "summary": summary,
            "trend": trend,
            "counts": selectors.remediation_counts(states),
            "rule_rows": [
                (
                    str(labels.RULE.get(rule, _("Other rule"))),
                    rule,
                    count,
                    trend.get("by_rule_delta", {}).get(rule),
                )
                for rule, count in by_rule.items()
            ],
            "area_option": _chart_bar(
                [str(labels.AREA[key]) for key in by_area], [int(v) for v in by_area.values()]
            ),
            "rule_option": _chart_bar(
                [str(labels.RULE.get(rule, _("Other rule"))) for rule in list(by_rule)[:10]],
                [int(v) for v in list(by_rule.values())[:10]],
            ),
            "may_audit": request.user.has_perm(services.AUDIT_PERMISSION),
        }
    return render(request, "compliance/inspection.html", context)


def _back(inspection_id: int) -> HttpResponse:
    return redirect("compliance:inspection", inspection_id=inspection_id)


_ERRORS = {
    "inspection_running": gettext_lazy("An inspection is already running; wait for it to finish."),
    "inspection_signed": gettext_lazy("This inspection is signed off and frozen."),
    "inspection_not_finished": gettext_lazy("This inspection has not finished yet."),
    "finding_accepted": gettext_lazy("This finding was already accepted."),
    "permission_denied": gettext_lazy("Only a compliance auditor may do this."),
    "task_forbidden": gettext_lazy("Only a compliance auditor may do this."),
}


def _report_error(request: HttpRequest, error: DomainError) -> None:
    if error.errors:
        for line in error_lines(error.errors, "compliance"):
            messages.error(request, line)
    else:
        messages.error(request, str(_ERRORS.get(error.code, gettext_lazy("The action was refused."))))


@login_required
@require_POST
def inspection_action(request: HttpRequest, inspection_id: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    _need(request)
    try:
        if action == "tasks":
            opened = services.inspection_tasks_open(actor=actor, inspection_id=inspection_id)
            messages.success(request, _("%(count)s remediation task(s) opened.") % {"count": opened})
        elif action == "sign-off":
            services.inspection_sign_off(
                actor=actor, inspection_id=inspection_id, note=request.POST.get("note", "")
            )
            messages.success(request, _("Inspection signed off. The report is now frozen."))
        else:
            raise Http404
    except DomainError as error:
        if error.code == "inspection_not_remediated":
            messages.error(
                request,
                _("Sign-off refused: %(count)s finding(s) still have no closed task and were not accepted.")
                % {"count": error.extra.get("waiting", 0)},
            )
        else:
            _report_error(request, error)
    return _back(inspection_id)


@login_required
@require_POST
def finding_action(request: HttpRequest, finding_id: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    _need(request)
    try:
        finding = selectors.finding_get(actor=actor, finding_id=finding_id)
    except DomainError as error:
        raise Http404 from error
    try:
        if action == "task":
            services.finding_task_open(actor=actor, finding_id=finding_id)
            messages.success(request, _("Remediation task opened."))
        elif action == "accept":
            services.finding_accept(actor=actor, finding_id=finding_id, reason=request.POST.get("reason", ""))
            messages.success(request, _("Finding accepted with your reason."))
        else:
            raise Http404
    except DomainError as error:
        _report_error(request, error)
    return _back(finding.inspection_id)


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
def inspection_export(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The report as XLSX: sheet ``summary`` (the counts and the trend) and sheet ``findings``."""
    actor = request_actor(request)
    _need(request)
    run = _inspection(actor, inspection_id)
    from openpyxl import Workbook

    with translation.override(translation.get_language() or "zh-hans"):
        head, body = exports.export_rows(actor=actor, run=run)
    book = Workbook(write_only=True)
    summary_sheet = book.create_sheet(title="summary")
    for line in head:
        summary_sheet.append([_safe(v) for v in line])
    findings_sheet = book.create_sheet(title="findings")
    for line in body:
        findings_sheet.append([_safe(v) for v in line])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="compliance-inspection-{run.pk}.xlsx"'
    return response


@login_required
def inspection_print(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """A printable page of the report (the browser prints it to PDF)."""
    actor = request_actor(request)
    _need(request)
    run = _inspection(actor, inspection_id)
    head, body = exports.export_rows(actor=actor, run=run)
    return render(
        request,
        "compliance/inspection_print.html",
        {"inspection": run, "head": head, "header": body[0], "rows": body[1:]},
    )


@login_required
def inspection_pdf(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The report as a PDF drawn on the server (a finished or signed run)."""
    actor = request_actor(request)
    _need(request)
    run = _inspection(actor, inspection_id)
    if run.status not in (InspectionStatus.DONE, InspectionStatus.SIGNED):
        raise Http404
    response = HttpResponse(exports.report_pdf(actor=actor, run=run), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="compliance-inspection-{run.pk}.pdf"'
    return response
