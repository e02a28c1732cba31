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
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.roles import Kind
from mallops.core.errors import DomainError
from mallops.core.words import label
from mallops.service import notifications, selectors, services
from mallops.service.views import checklist_context, error_message, queue_context, step_action


def _store_cs(request: HttpRequest) -> Any:
    user = request.user
    if getattr(user, "kind", None) != Kind.MERCHANT or not user.has_perm("store.service.handle"):
        raise PermissionDenied("store.service.handle")
    return user


@login_required
def store_queue(request: HttpRequest) -> HttpResponse:
    actor = _store_cs(request)
    scope = request.GET.get("scope", "open")
    filters = {k: request.GET.get(k, "") for k in ("status", "category", "priority")}
    try:
        rows = selectors.ticket_list(
            actor=actor,
            filters=filters,
            q=request.GET.get("q", "").strip(),
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
        {"active": "store_service", **queue_context(request, rows, scope=scope, filters=filters)},
    )


@login_required
def store_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    actor = _store_cs(request)
    try:
        ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
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
    actor = _store_cs(request)
    handler = _STORE_ACTIONS.get(action)
    if handler is None:
        raise Http404(action)
    try:
        handler(actor, ticket_id, request.POST)
    except DomainError as error:
        if error.status == 404:
            raise Http404("ticket") from error
        messages.error(request, error_message(error))
    else:
        messages.success(request, label(action, "service.action_done"))
    return redirect("service:store_ticket", ticket_id=ticket_id)


def _inbox_owner(request: HttpRequest) -> Any:
    if getattr(request.user, "kind", None) == Kind.BUYER:
        raise PermissionDenied("inbox")
    return request.user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = _inbox_owner(request)
    unread = request.GET.get("unread") == "1"
    page = Paginator(notifications.inbox(actor, unread_only=unread), 30).get_page(request.GET.get("page"))
    ticket_url = "service:store_ticket" if actor.kind == Kind.MERCHANT else "service:ticket"
    return render(
        request,
        "service/inbox.html",
        {"active": "notifications", "page": page, "unread": unread, "ticket_url": ticket_url},
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    actor = _inbox_owner(request)
    try:
        notifications.notification_read(actor=actor, notification_id=notification_id, request=request)
    except DomainError as error:
        raise Http404("notification") from error
    return redirect("service:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.notifications_read_all(actor=_inbox_owner(request), request=request)
    messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return redirect("service:inbox")
