"""Console pages of technical-support tickets (R6.3.1), group 系统: the list (DataTable), the report form
(stores in the merchant centre and staff alike) and the detail page with its timeline and actions.

Who sees what is decided by ``support.tickets_visible`` (technical operations: all; a store: its own; a
staff member: what they reported); the actions shown follow the same rules the services enforce.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.accounts.selectors import staff_with_permission
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError
from mallops.ops import support
from mallops.ops.models import SupportKind, SupportSeverity, SupportStatus, SupportTicket

# the words for the refusals a person can meet on these pages
ERRORS: dict[str, Any] = {
    "support_bad_transition": _("The ticket cannot move to that status now."),
    "support_ticket_closed": _("The ticket is closed."),
    "support_not_escalatable": _("Only a P1 or P2 fault becomes an incident."),
    "support_already_linked": _("The ticket is already linked to an incident."),
    "validation_error": _("Please check the input."),
    "not_found": _("Not found."),
}

STEP_BUTTONS: dict[str, tuple[Any, str]] = {
    SupportStatus.ACKNOWLEDGED: (_("Acknowledge ticket"), "btn-secondary"),
    SupportStatus.IN_PROGRESS: (_("Start work"), "btn-primary"),
    SupportStatus.CLOSED: (_("Confirm fixed and close"), "btn-success"),
}


def _guard(request: HttpRequest) -> None:
    actor = request_actor(request)
    if not support.can_report(actor) and not support.is_handler(actor):
        raise PermissionDenied("support")


def _say(request: HttpRequest, error: DomainError) -> None:
    if error.status == 403:
        raise PermissionDenied(error.detail)
    messages.error(request, ERRORS.get(error.code, _("The request was refused.")))


class SupportTicketForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SupportKind.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=SupportSeverity.choices,
        initial=SupportSeverity.P3,
        help_text=_(
            "P1: selling or paying stopped, answered within 2 hours day and night; "
            "others within 4 working hours (09:00-18:00 on working days)."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Problem description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, since when, which page or order, what you expected."),
    )


def _due_state(row: SupportTicket) -> Any:
    now = timezone.now()
    if row.status == SupportStatus.CLOSED:
        return ""
    if row.responded_at is None and now > row.response_deadline_at:
        return _("Response overdue")
    if row.resolved_at is None and now > row.resolution_deadline_at:
        return _("Resolution overdue")
    return ""


@login_required
def support_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _guard(request)
    handler = support.is_handler(actor)
    columns = [
        Column("pk", _("Ticket"), sort="pk", value=lambda r: r.number, link=lambda r: reverse("ops:support_ticket", args=[r.pk])),
        Column("title", _("Title")),
        Column("kind", _("Kind"), display=lambda r: r.get_kind_display()),
        Column("severity", _("Severity"), kind="badge", display=lambda r: r.get_severity_display(), sort="severity"),
        Column("status", _("Status"), kind="badge", display=lambda r: r.get_status_display()),
        Column("due", _("Targets"), value=_due_state, export=False),
        Column("response_deadline_at", _("Respond by"), kind="datetime", sort="response_deadline_at"),
        Column("resolution_deadline_at", _("Resolve by"), kind="datetime", sort="resolution_deadline_at"),
        Column("created_at", _("Reported"), kind="datetime", sort="created_at"),
    ]  # fmt: skip
    if handler:
        columns[1:1] = [
            Column(
                "merchant.name", _("Store"), value=lambda r: r.merchant.name if r.merchant else _("Platform")
            ),
            Column("assignee.username", _("Assignee")),
        ]
    table = DataTable(
        request,
        support.tickets_visible(actor=actor),
        columns=columns,
        search=["title", "description"],
        search_placeholder=_("Title or description"),
        filters=[
            Filter("status", _("Status"), SupportStatus.choices),
            Filter("severity", _("Severity"), SupportSeverity.choices),
            Filter("kind", _("Kind"), SupportKind.choices),
        ],
        default_sort="-created_at",
        export_name="support-tickets",
        empty_title=_("No technical-support ticket."),
        empty_hint=_("Report a fault, a question or a feature request to technical operations."),
        empty_action_url=reverse("ops:support_new"),
        empty_action_label=_("Report a problem"),
        testid="support-tickets",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "ops/support_list.html",
        {
            "table": table,
            "notices": support.notices(actor=actor)[:20],
            "active": "ops_support",
        },
    )


@login_required
def support_new(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _guard(request)
    if not support.can_report(actor):
        raise PermissionDenied("support.report")
    form = SupportTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = support.support_ticket_report(actor=actor, **form.cleaned_data)
        except DomainError as error:
            placed = False
            for item in error.errors:
                field = str(item.loc[-1]) if item.loc else ""
                if field in form.fields:
                    form.add_error(field, _("P1 is for faults only.") if field == "severity" else item.msg)
                    placed = True
            if not placed:
                _say(request, error)
        else:
            messages.success(request, _("Reported. Technical operations will answer within the target."))
            return redirect("ops:support_ticket", row.pk)
    return render(request, "ops/support_new.html", {"form": form, "active": "ops_support"})


@login_required
def support_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = request_actor(request)
    _guard(request)
    try:
        ticket = support.ticket_get(actor=actor, ticket_id=ticket_id)
    except DomainError as error:
        raise Http404(error.detail) from error
    handler = support.is_handler(actor)
    allowed = support.TRANSITIONS[ticket.status]
    steps = [
        {"status": status, "label": label, "style": style}
        for status, (label, style) in STEP_BUTTONS.items()
        if status in allowed and (handler or (ticket.status, status) in support.REPORTER_MOVES)
    ]
    reopen = SupportStatus.IN_PROGRESS in allowed and ticket.status == SupportStatus.RESOLVED
    return render(
        request,
        "ops/support_ticket.html",
        {
            "ticket": ticket,
            "timeline": support.timeline(actor=actor, ticket=ticket),
            "handler": handler,
            "steps": [s for s in steps if not (reopen and s["status"] == SupportStatus.IN_PROGRESS)],
            "can_reopen": reopen,
            "can_resolve": handler and SupportStatus.RESOLVED in allowed,
            "can_escalate": handler
            and ticket.incident_id is None
            and ticket.kind == SupportKind.FAULT
            and ticket.severity in support.ESCALATABLE,
            "tech_staff": staff_with_permission(support.HANDLE_PERMISSION) if handler else [],
            "severities": SupportSeverity.choices,
            "due_state": _due_state(ticket),
            "now": timezone.now(),
            "active": "ops_support",
        },
    )


@login_required
@require_POST
def support_act(request: HttpRequest, ticket_id: int) -> HttpResponse:
    _guard(request)
    action, post, actor = request.POST.get("action", ""), request.POST, request_actor(request)
    try:
        if action == "comment":
            support.support_ticket_comment(
                actor=actor,
                ticket_id=ticket_id,
                text=post.get("text", ""),
                internal=post.get("internal") == "1",
            )
        elif action == "status":
            support.support_ticket_transition(
                actor=actor,
                ticket_id=ticket_id,
                status=post.get("status", ""),
                resolution=post.get("resolution", ""),
            )
        elif action == "assign":
            support.support_ticket_assign(
                actor=actor, ticket_id=ticket_id, assignee_id=int(post.get("assignee_id") or 0)
            )
        elif action == "severity":
            support.support_ticket_set_severity(
                actor=actor, ticket_id=ticket_id, severity=post.get("severity", "")
            )
        elif action == "escalate":
            support.support_ticket_escalate(actor=actor, ticket_id=ticket_id)
        elif action == "link":
            support.support_ticket_link(
                actor=actor, ticket_id=ticket_id, incident_id=int(post.get("incident_id") or 0)
            )
        else:
            raise Http404("unknown action")
    except DomainError as error:
        _say(request, error)
    except ValueError:
        messages.error(request, ERRORS["validation_error"])
    else:
        messages.success(request, _("Saved."))
    return redirect("ops:support_ticket", ticket_id)


@login_required
@require_POST
def support_notices_read(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _guard(request)
    support.notices_read(actor=actor)
    return redirect("ops:support")
