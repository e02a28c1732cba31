"""Serious complaints: the management role per severity, and the actions on a complaint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.core.inputs import is_ascii_digits
from mallops.core.words import label
from mallops.service import complaints, configuration
from mallops.service.models import (
    ComplaintSeverity,
    EscalationTarget,
)
from mallops.service.views import error_message
from mallops.service.views_config.common import (
    _need,
)


@login_required
def escalation_targets(request: HttpRequest) -> HttpResponse:
    _need(request)
    if request.method == "POST":
        try:
            configuration.escalation_target_set(
                actor=request_actor(request),
                severity=request.POST.get("severity", ""),
                role=request.POST.get("role", ""),
            )
        except DomainError:
            messages.error(request, _("Choose a severity and one of the defined roles."))
        else:
            messages.success(request, _("Escalation target saved."))
        return redirect("service:escalation")
    current = {t.severity: t for t in EscalationTarget.objects.all()}
    rows = [
        {
            "severity": value,
            "label": label,
            "role": current[value].role if value in current else configuration.DEFAULT_MANAGEMENT_ROLE,
            "is_default": value not in current,
            "updated_at": current[value].updated_at if value in current else None,
        }
        for value, label in ComplaintSeverity.choices
    ]
    for row in rows:
        row["role_label"] = configuration.role_label(str(row["role"]))
    return render(
        request,
        "service/escalation.html",
        {"active": "service_escalation", "rows": rows, "roles": configuration.staff_role_choices()},
    )


# --- complaint handling on the ticket page ---------------------------------------------------------------


def _moment(value: str) -> datetime:
    """A ``datetime-local`` value (Beijing time); a missing or malformed one is a field error."""
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise validation_error([FieldError(("body", "reported_at"), "must not be empty", "required")])
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _day(value: str) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _id(value: Any) -> int:
    return int(value) if is_ascii_digits(str(value or "")) else 0


_COMPLAINT_ACTIONS: dict[str, Callable[[Any, int, Any], Any]] = {
    "explain": lambda actor, tid, p: complaints.complaint_explain(
        actor=actor,
        ticket_id=tid,
        reason=p.get("reason", ""),
        proposed_solution=p.get("proposed_solution", ""),
    ),
    "report": lambda actor, tid, p: complaints.regulator_report_create(
        actor=actor,
        ticket_id=tid,
        regulator=p.get("regulator", ""),
        reported_at=_moment(p.get("reported_at", "")),
        reference=p.get("reference", ""),
        next_followup_on=_day(p.get("next_followup_on", "")),
    ),
    "report_followup": lambda actor, tid, p: complaints.regulator_followup(
        actor=actor,
        report_id=_id(p.get("report_id")),
        note=p.get("note", ""),
        next_followup_on=_day(p.get("next_followup_on", "")),
        closed=p.get("closed") == "on",
    ),
}


@login_required
@require_POST
def complaint_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    """The complaint card of the ticket page: reason and proposed solution, regulator reports."""
    _need(request, "ticket.handle")
    handler = _COMPLAINT_ACTIONS.get(action)
    if handler is None:
        raise Http404(action)
    try:
        handler(request_actor(request), ticket_id, request.POST)
    except DomainError as error:
        if error.status == 404:
            raise Http404("ticket") from error
        messages.error(request, error_message(error) if error.errors else _(error.detail))
    else:
        messages.success(request, label(action, "service.action_done"))
    return redirect("service:ticket", ticket_id=ticket_id)
