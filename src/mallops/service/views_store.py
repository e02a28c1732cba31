"""Console pages for store customer service in the merchant centre (queue, ticket, reply, internal note,
wait/resume, resolve; own store only) and everyone's notification inbox.

Store CS sees what ``GET /merchant/tickets/{id}`` shows: customer-facing steps and the store's own notes;
another store's ticket is a 404. The same services as the API do the writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.accounts.roles import Kind
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.words import label
from mallops.service import notifications, selectors, services
from mallops.service.views import checklist_context, error_message, queue_table, step_action


def _store_cs(request: HttpRequest) -> Actor:
    """The store CS member's ``Actor`` (403 for anyone else)."""
    user = request.user
    if getattr(user, "kind", None) != Kind.MERCHANT or not user.has_perm("store.service.handle"):
        raise PermissionDenied("store.service.handle")
    return request_actor(request)


@login_required
def store_queue(request: HttpRequest) -> HttpResponse:
    actor = _store_cs(request)
    scope = request.GET.get("scope", "open")
    try:
        rows = selectors.ticket_list(
            actor=actor,
            mine=scope == "mine",
            breached=scope == "breached",
        )
    except DomainError as error:
        raise PermissionDenied(error.detail) from error
    if scope in (selectors.SLA_NEAR, selectors.SLA_BREACHED):  # the workbench's to-do links
        rows = selectors.with_sla_state(rows, now=timezone.now()).filter(sla_state=scope)  # type: ignore[misc]
    return render(
        request,
        "service/store_queue.html",
        {
            "active": "store_service",
            "table": queue_table(request, rows, scope=scope, store=True),
            "scope": scope,
        },
    )


@login_required
def store_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    _store_cs(request)
    try:
        ticket = selectors.ticket_get(actor=request_actor(request), ticket_id=ticket_id)
    except DomainError as error:
        raise Http404("ticket") from error
    return render(
        request,
        "service/store_ticket.html",
        {
            "active": "store_service",
            "ticket": ticket,
            "events": selectors.ticket_events_for_store(ticket),
            "slas": list(ticket.slas.select_related("policy")),
            **checklist_context(ticket),
        },
    )


_STORE_ACTIONS: dict[str, Callable[..., Any]] = {
    "reply": lambda actor, tid, p: services.ticket_reply(actor=actor, ticket_id=tid, body=p.get("body", "")),
    "note": lambda actor, tid, p: services.ticket_note(actor=actor, ticket_id=tid, body=p.get("body", "")),
    "pause": lambda actor, tid, p: services.ticket_pause(
        actor=actor, ticket_id=tid, reason=p.get("reason", "")
    ),
    "resume": lambda actor, tid, p: services.ticket_resume(actor=actor, ticket_id=tid),
    "step": lambda actor, tid, p: step_action(actor, tid, p),
    "resolve": lambda actor, tid, p: services.ticket_resolve(
        actor=actor,
        ticket_id=tid,
        summary=p.get("summary", ""),
        unresolved_reason=p.get("unresolved_reason", ""),
        proposed_solution=p.get("proposed_solution", ""),
    ),
}


@login_required
@require_POST
def store_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    _store_cs(request)
    handler = _STORE_ACTIONS.get(action)
    if handler is None:
        raise Http404(action)
    try:
        handler(request_actor(request), ticket_id, request.POST)
    except DomainError as error:
        if error.status == 404:
            raise Http404("ticket") from error
        messages.error(request, error_message(error))
    else:
        messages.success(request, label(action, "service.action_done"))
    return redirect("service:store_ticket", ticket_id=ticket_id)


_INBOX_KINDS = {
    "sla_warning": gettext_lazy("SLA about to run out"),
    "sla_breached": gettext_lazy("SLA breached"),
    "routing_held": gettext_lazy("Waiting for the supervisor to assign"),
    "complaint_explain": gettext_lazy("Complaint past its deadline: reason and proposed solution needed"),
    "management_escalation": gettext_lazy("Serious complaint escalated to management"),
    "regulator_followup_due": gettext_lazy("Regulator report follow-up due"),
}


def _inbox_owner(request: HttpRequest) -> Any:
    if getattr(request.user, "kind", None) == Kind.BUYER:
        raise PermissionDenied("inbox")
    return request.user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = _inbox_owner(request)
    from mallops.console.lists import Column, DataTable, DateRange, Filter
    from mallops.service.models import Notification

    unread = request.GET.get("unread") == "1"
    ticket_url = "service:store_ticket" if actor.kind == Kind.MERCHANT else "service:ticket"
    kinds = [(kind, _INBOX_KINDS[kind]) for kind in Notification.Kind.values]
    table = DataTable(
        request,
        notifications.inbox(actor, unread_only=unread),
        columns=[
            Column("created_at", _("Time"), kind="datetime", sort="created_at"),
            Column(
                "read_at",
                _("State"),
                kind="badge",
                value=lambda n: "read" if n.read_at else "unread",
                display=lambda n: _("Read") if n.read_at else _("Unread"),
                tone=lambda n: "neutral" if n.read_at else "info",
            ),
            Column("kind", _("Kind"), kind="badge", display=lambda n: _INBOX_KINDS.get(n.kind, n.kind)),
            Column("message", _("Message"), kind="template", template="service/_inbox_message.html"),
            Column("actions", "", kind="template", template="service/_inbox_actions.html"),
        ],
        search=["ticket__number", "ticket__subject"],
        search_placeholder=_("Ticket number or subject"),
        filters=[Filter("kind", _("Kind"), kinds)],
        date_range=DateRange("created_at", _("Time")),
        default_sort="-created_at",
        page_size=50,
        keep=["unread"],
        testid="inbox",
        row_testid="notification-{key}",
        empty_title=_("No notifications."),
        empty_hint=_("SLA warnings and escalations of your tickets arrive here."),
        context={"ticket_url": ticket_url},
    )
    return render(
        request,
        "service/inbox.html",
        {"active": "notifications", "table": table, "unread": unread},
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    _inbox_owner(request)
    try:
        notifications.notification_read(actor=request_actor(request), notification_id=notification_id)
    except DomainError as error:
        raise Http404("notification") from error
    return redirect("service:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    _inbox_owner(request)
    count = notifications.notifications_read_all(actor=request_actor(request))
    messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return redirect("service:inbox")
