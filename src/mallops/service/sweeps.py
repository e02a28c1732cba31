"""SLA timers of tickets (``*_due_at`` columns): breach, warning, overdue follow-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from mallops.core.sweeps import register
from mallops.service import complaints, escalation, notifications, sla, timeline
from mallops.service.models import (
    Notification,
    RegulatorReport,
    ServiceTask,
    Target,
    Ticket,
    TicketSla,
)


def _clock_event(ticket: Ticket, row: TicketSla, kind: str, now: datetime) -> None:
    """The internal timeline row of a warning or a breach of one SLA clock."""
    due = row.due_at.isoformat() if row.due_at is not None else None
    timeline.record(
        ticket, now, None, kind, row.policy.label, internal=True, policy=row.policy.code, due_at=due
    )


def sla_breach_handle(ticket: Ticket, now: datetime) -> None:
    """Sweep: mark every pending clock past due as breached (at its due instant) and escalate."""
    breached = []
    for row in sla.pending(ticket):
        if row.target != Target.FOLLOW_UP and row.due_at is not None and row.due_at <= now:
            row.breached_at = row.due_at
            row.detected_at = now
            row.save(update_fields=["breached_at", "detected_at"])
            breached.append(row)
            _clock_event(ticket, row, "sla_breached", now)
    sla.refresh(ticket)
    for row in breached:
        if row.target == Target.RESOLUTION:
            complaints.deadline_passed(ticket, row, now=now)
    if breached:
        names = ", ".join(r.policy.label for r in breached)
        escalation.escalate(ticket, now=now, reason=f"SLA breached: {names}")
        for row in breached:
            notifications.sla_notify(ticket, row, Notification.Kind.SLA_BREACHED, now=now)


def sla_warn_handle(ticket: Ticket, now: datetime) -> None:
    """Sweep: warn before a clock runs out: timeline entry and a notification to the assignee and the
    supervisor (once per clock; a sweep that runs after the deadline leaves it to the breach sweep)."""
    for row in sla.pending(ticket):
        if row.warn_at is not None and row.warned_at is None and row.warn_at <= now:
            row.warned_at = now
            row.save(update_fields=["warned_at"])
            if row.due_at is not None and row.due_at > now:
                _clock_event(ticket, row, "sla_warning", now)
                supervisor = ticket.escalated_to or escalation.pick_supervisor()
                notifications.sla_notify(
                    ticket, row, Notification.Kind.SLA_WARNING, now=now, supervisor=supervisor
                )
    sla.refresh(ticket)


def followup_due_handle(ticket: Ticket, now: datetime) -> None:
    """Sweep: the follow-up visit is overdue: record the breach, open a task for the supervisor."""
    for row in sla.pending(ticket, Target.FOLLOW_UP):
        if row.due_at is not None and row.due_at <= now:
            row.breached_at = row.due_at
            row.detected_at = now
            row.save(update_fields=["breached_at", "detected_at"])
            ServiceTask.objects.create(
                kind=ServiceTask.Kind.FOLLOWUP_OVERDUE,
                ticket=ticket,
                title=f"{ticket.number}: follow-up visit overdue",
                assignee=ticket.assignee or escalation.pick_supervisor(),
                created_at=now,
            )
            timeline.record(
                ticket, now, None, "followup_overdue", internal=True, due_at=row.due_at.isoformat()
            )
    sla.refresh(ticket)


def _breach_due(now: datetime) -> QuerySet[Any]:
    rows: QuerySet[Any] = Ticket.objects.unscoped(reason="SLA breach sweep").filter(
        Q(first_response_due_at__lte=now) | Q(initial_answer_due_at__lte=now) | Q(resolution_due_at__lte=now)
    )
    return rows


def _warn_due(now: datetime) -> QuerySet[Any]:
    rows: QuerySet[Any] = Ticket.objects.unscoped(reason="SLA warning sweep").filter(warn_due_at__lte=now)
    return rows


def _followup_due(now: datetime) -> QuerySet[Any]:
    rows: QuerySet[Any] = Ticket.objects.unscoped(reason="follow-up sweep").filter(followup_due_at__lte=now)
    return rows


register("service.sla_breach", queryset=_breach_due, handle=sla_breach_handle)
register("service.sla_warn", queryset=_warn_due, handle=sla_warn_handle)
register("service.followup_due", queryset=_followup_due, handle=followup_due_handle)


def _regulator_followup_due(now: datetime) -> QuerySet[Any]:
    rows: QuerySet[Any] = RegulatorReport.objects.filter(
        state=RegulatorReport.State.OPEN, followup_due_at__lte=now
    )
    return rows


register(
    "service.regulator_followup_due",
    queryset=_regulator_followup_due,
    handle=complaints.regulator_followup_remind,
)
