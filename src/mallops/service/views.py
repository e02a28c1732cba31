"""Console pages: agent workspace (queue, ticket view with CRM panel and suggested answers) and the
supervisor dashboard with inline SVG charts (R5.4.1, R5.4.2, R8.1.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.inputs import console_int, is_ascii_digits
from mallops.core.words import error_lines, label
from mallops.service import assist, charts, checklist, kpis, selectors, services, training
from mallops.service.models import (
    OPEN_STATUSES,
    Category,
    Priority,
    ServiceTask,
    Status,
    Ticket,
    TicketRating,
)


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _calendar_alert() -> list[int]:
    return selectors.fallback_years_in_use()


def _next_deadline(ticket: Ticket) -> str:
    """The first clock still running: response, else resolution, else follow-up (Beijing time)."""
    from mallops.console import formats

    for due, word in (
        (ticket.first_response_due_at, _("response")),
        (ticket.resolution_due_at, _("resolution")),
        (ticket.followup_due_at, _("follow-up")),
    ):
        if due:
            return f"{word} {formats.local_datetime(due)}"
    return formats.EMPTY


def queue_table(request: HttpRequest, rows: QuerySet[Ticket], *, scope: str, store: bool) -> Any:
    """The platform and the store queue as one ``DataTable``: the open-only default (unless a status is
    picked), search, the status/category/priority (and, on the platform, channel) filters, sort, pages."""
    from django.utils.text import Truncator

    from mallops.console.lists import Column, DataTable, DateRange, Filter
    from mallops.service.models import Channel

    if scope in ("open", "mine") and request.GET.get("status", "") not in Status.values:
        rows = rows.filter(status__in=OPEN_STATUSES)
    filters = [
        Filter("status", _("Status"), Status.choices),
        Filter("category", _("Ticket category"), Category.choices),
        Filter("priority", _("Priority"), Priority.choices),
    ]
    if not store:
        filters.append(Filter("channel", _("Channel"), Channel.choices))
    columns = [
        Column(
            "number",
            _("Ticket"),
            kind="template",
            sort="number",
            template="service/_store_ticket_cell.html" if store else "service/_ticket_cell.html",
        ),
        Column("subject", _("Subject"), value=lambda t: Truncator(t.subject).chars(40)),
    ]
    if not store:
        columns.append(Column("channel", _("Channel"), value=lambda t: t.get_channel_display()))
    columns += [
        Column("category", _("Ticket category"), value=lambda t: t.get_category_display()),
        Column("priority", _("Priority"), value=lambda t: t.get_priority_display()),
        Column("status", _("Status"), kind="badge", display=lambda t: t.get_status_display()),
        Column("assignee", _("Assignee"), kind="template", template="service/_ticket_assignee.html"),
        Column("deadline", _("Next deadline"), value=_next_deadline),
        Column("created_at", _("Created"), kind="datetime", sort="created_at"),
    ]
    return DataTable(
        request,
        rows,
        columns=columns,
        search=["number", "subject", "order_ref"],
        search_placeholder=_("number, subject, order"),
        filters=filters,
        date_range=DateRange("created_at", _("Created")),
        default_sort="-created_at",
        page_size=50,
        keep=["scope"],
        testid="store-ticket-queue" if store else "ticket-queue",
        row_testid="ticket-{key}",
        empty_title=_("No tickets."),
        empty_hint=_("Pick another tab or clear the filters to see more tickets."),
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _need(request, "ticket.handle")
    scope = request.GET.get("scope", "open")
    rows = selectors.ticket_list(
        actor=request_actor(request),
        mine=scope == "mine",
        breached=scope == "breached",
        held=scope == "held",
    )
    if scope == "escalated":
        rows = rows.filter(escalation_level__gt=0, status__in=OPEN_STATUSES)
    if scope in (selectors.SLA_NEAR, selectors.SLA_BREACHED):  # the workbench's to-do links
        rows = selectors.with_sla_state(rows, now=timezone.now()).filter(sla_state=scope)  # type: ignore[misc]
    return render(
        request,
        "service/queue.html",
        {
            "active": "service",
            "table": queue_table(request, rows, scope=scope, store=False),
            "scope": scope,
            "fallback_years": _calendar_alert(),
            "tasks": selectors.task_list().filter(assignee_id=request.user.pk)[:10],
        },
    )


def customer_line(customer: selectors.CustomerView) -> str:
    """The CRM panel's identity line: masked name · masked phone. A name that is nothing but a mask (no
    display name, or a one-character name) is left out; "买家" when nothing readable is left."""
    name = customer.display_name if customer.display_name.strip("*") else ""
    return " · ".join(part for part in (name, customer.phone) if part) or _("Buyer")


@login_required
def ticket_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    _need(request, "ticket.handle")
    try:
        ticket = selectors.ticket_get(actor=request_actor(request), ticket_id=ticket_id)
    except DomainError as error:
        raise PermissionDenied(error.detail) if error.status == 403 else _not_found() from error
    customer = selectors.customer_view(actor=request_actor(request), ticket=ticket)
    return render(
        request,
        "service/ticket.html",
        {
            "active": "service",
            "ticket": ticket,
            "customer": customer,
            "customer_line": customer_line(customer),
            "events": selectors.ticket_events(ticket, include_internal=True),
            "slas": list(ticket.slas.select_related("policy")),
            "rating": TicketRating.objects.filter(ticket_id=ticket.pk).first(),
            "suggestions": assist.suggest_for_ticket(ticket),
            "warnings": selectors.calendar_warnings(ticket),
            "fallback_years": _calendar_alert(),
            "tasks": ServiceTask.objects.filter(ticket=ticket),
            "assignable": training.assignable_agents(ticket)
            if ticket.is_open and request.user.has_perm("ticket.supervise")
            else [],
            **checklist_context(ticket),
        },
    )


def checklist_context(ticket: Any) -> dict[str, Any]:
    """The ticket's procedure checklist for the ticket pages (platform desk and store CS)."""
    rows = checklist.steps_of(ticket)
    return {
        "checklist": rows,
        "open_required": sum(1 for r in rows if r.step.is_required and r.done_at is None),
    }


def _int(value: Any) -> int:
    return int(value) if is_ascii_digits(str(value or "")) else 0


def step_action(actor: Actor, ticket_id: int, post: Any) -> Any:
    return checklist.ticket_step_set(
        actor=actor,
        ticket_id=ticket_id,
        step_id=_int(post.get("step_id")),
        done=post.get("done") != "0",
        note=post.get("note", ""),
    )


def error_message(error: DomainError) -> str:
    """What the console shows for a refused action (translated where the code is known)."""
    if error.code == "procedure_steps_open":
        steps = "; ".join(s["title"] for s in error.extra.get("open_steps", []))
        return _("Required checklist steps are still open: %(steps)s") % {"steps": steps}
    return "; ".join(error_lines(error.errors, "service")) or error.detail


def _not_found() -> Exception:
    from django.http import Http404

    return Http404("ticket")


_ACTIONS: dict[str, Callable[..., Any]] = {
    "reply": lambda actor, tid, p: services.ticket_reply(
        actor=actor, ticket_id=tid, body=p.get("body", ""), complex_issue=p.get("complex_issue") == "on"
    ),
    "note": lambda actor, tid, p: services.ticket_note(actor=actor, ticket_id=tid, body=p.get("body", "")),
    "pause": lambda actor, tid, p: services.ticket_pause(
        actor=actor, ticket_id=tid, reason=p.get("reason", "")
    ),
    "resume": lambda actor, tid, p: services.ticket_resume(actor=actor, ticket_id=tid),
    "extend": lambda actor, tid, p: services.ticket_extend(
        actor=actor, ticket_id=tid, message=p.get("message", "")
    ),
    "resolve": lambda actor, tid, p: services.ticket_resolve(
        actor=actor,
        ticket_id=tid,
        summary=p.get("summary", ""),
        unresolved_reason=p.get("unresolved_reason", ""),
        proposed_solution=p.get("proposed_solution", ""),
    ),
    "followup": lambda actor, tid, p: services.ticket_followup(
        actor=actor, ticket_id=tid, note=p.get("note", "")
    ),
    "escalate": lambda actor, tid, p: services.ticket_escalate(
        actor=actor, ticket_id=tid, reason=p.get("reason", ""), serious=p.get("serious") == "on"
    ),
    "assign": lambda actor, tid, p: services.ticket_assign(
        actor=actor, ticket_id=tid, assignee_id=int(p["assignee_id"]) if p.get("assignee_id") else None
    ),
    "take": lambda actor, tid, p: services.ticket_assign(actor=actor, ticket_id=tid, assignee_id=actor.pk),
    "step": lambda actor, tid, p: step_action(actor, tid, p),
}


@login_required
@require_POST
def ticket_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    _need(request, "ticket.handle")
    handler = _ACTIONS.get(action)
    if handler is None:
        raise _not_found()
    try:
        handler(request_actor(request), ticket_id, request.POST)
    except DomainError as error:
        if error.status == 404:
            raise _not_found() from error
        messages.error(request, error_message(error))
    else:
        messages.success(request, label(action, "service.action_done"))
    return redirect("service:ticket", ticket_id=ticket_id)


# the KPI steps (codes in the API) as the dashboard names them
STEP_LABELS = {
    "assignment": gettext_lazy("assignment"),
    "first response": gettext_lazy("first response"),
    "waiting for customer": gettext_lazy("waiting for customer"),
    "handling": gettext_lazy("handling"),
    "follow-up": gettext_lazy("follow-up"),
}


def _backlog_option(daily: list[dict[str, Any]]) -> dict[str, Any]:
    """The backlog trend as an ECharts option: tooltip per day, legend, zoom over the period."""
    return {
        "xAxis": {"type": "category", "data": [str(d["day"]) for d in daily]},
        "yAxis": {"type": "value", "minInterval": 1},
        "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 0}],
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 48, "containLabel": True},
        "series": [
            {"name": _("created"), "type": "line", "data": [d["created"] for d in daily]},
            {"name": _("resolved"), "type": "line", "data": [d["resolved"] for d in daily]},
        ],
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _need(request, "ticket.supervise")
    days, _bad_days = console_int(request.GET.get("days"), default=30, minimum=1, maximum=365)
    data = kpis.compute(days=max(1, min(days, 365)))
    attainment = charts.bar_chart(
        [(_(p.label), None if p.attainment is None else round(p.attainment * 100, 1)) for p in data.policies],
        maximum=100,
        target=95,
        unit="%",
    )
    csat = charts.bar_chart(
        [
            ("CSAT", data.csat),
            *((label(name, "service.csat_dimension"), value) for name, value in data.csat_dimensions.items()),
        ],
        maximum=5,
        target=data.csat_target,
    )
    steps = charts.bar_chart(
        [(str(STEP_LABELS.get(s.step, s.step)), s.average_hours) for s in data.steps], unit=" h"
    )
    backlog = charts.line_chart(
        [d["day"] for d in data.daily],
        {
            _("created"): [d["created"] for d in data.daily],
            _("resolved"): [d["resolved"] for d in data.daily],
        },
    )
    rated_agents = [(a.username, a.csat) for a in data.agents if a.csat is not None]
    # No ratings: an empty state, not a chart of names without bars (drawn huge when scaled to the card).
    agents_chart = charts.bar_chart(rated_agents, maximum=5, target=data.csat_target) if rated_agents else ""
    return render(
        request,
        "service/dashboard.html",
        {
            "active": "service_dashboard",
            "k": data,
            "days": days,
            "backlog": [(Status(code).label, n) for code, n in data.backlog_by_status.items()],
            "bottleneck": STEP_LABELS.get(data.bottleneck or "", data.bottleneck),
            "chart_attainment": attainment,
            "chart_csat": csat,
            "chart_steps": steps,
            "chart_backlog": backlog,
            "backlog_option": _backlog_option(data.daily),
            "chart_agents": agents_chart,
            "fallback_years": _calendar_alert(),
            "tasks": selectors.task_list()[:20],
        },
    )


@login_required
@require_POST
def detect_problems(request: HttpRequest) -> HttpResponse:
    _need(request, "ticket.supervise")
    from mallops.service.supervision import problems_detect

    tasks = problems_detect(actor=request_actor(request))
    messages.success(request, _("Improvement tasks opened: %(n)d") % {"n": len(tasks)})
    return redirect("service:dashboard")
