"""Escalation to the supervisor and, for serious complaints, to management (the role chosen per severity,
``service.complaints``) with the regulator flag (R5.2.4)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from mallops.accounts.models import RoleGrant, User
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.service import complaints, timeline
from mallops.service.models import OPEN_STATUSES, Category, ServiceTask, Ticket

SUPERVISOR = 1
MANAGEMENT = 2


def pick_supervisor() -> User | None:
    """The active CS supervisor with the fewest open escalated tickets."""
    ids = list(
        RoleGrant.objects.filter(role="cs_supervisor", user__is_active=True).values_list("user_id", flat=True)
    )
    if not ids:
        return None
    counts = dict(
        Ticket.objects.unscoped(reason="supervisor load")
        .filter(escalated_to_id__in=ids, status__in=OPEN_STATUSES)
        .values_list("escalated_to_id")
        .annotate(n=Count("id"))
    )
    best = min(ids, key=lambda i: (counts.get(i, 0), i))
    return User.objects.get(pk=best)


def is_serious_complaint(ticket: Ticket) -> bool:
    return ticket.category == Category.COMPLAINT and (ticket.is_serious or ticket.priority == "urgent")


def escalate(ticket: Ticket, *, now: datetime, reason: str, actor: Actor | None = None) -> None:
    """Raise the ticket to the supervisor; a serious complaint also goes to management and is flagged."""
    before = {"escalation_level": ticket.escalation_level, "flagged": ticket.flagged_for_regulators}
    level = MANAGEMENT if is_serious_complaint(ticket) else SUPERVISOR
    changed = False
    if ticket.escalation_level < SUPERVISOR or ticket.escalated_to_id is None:
        supervisor = pick_supervisor()
        ticket.escalated_to = supervisor
        ServiceTask.objects.create(
            kind=ServiceTask.Kind.ESCALATION,
            ticket=ticket,
            title=f"{ticket.number}: {reason}",
            detail=ticket.subject,
            assignee=supervisor,
            created_at=now,
        )
        changed = True
    if level == MANAGEMENT and not ticket.flagged_for_regulators:
        # management, not only the CS supervisor: the role chosen for the complaint's severity
        ticket.flagged_for_regulators = True
        complaints.escalate_to_management(ticket, now=now, reason=reason, actor=actor)
        changed = True
    if not changed and ticket.escalation_level >= level:
        timeline.record(ticket, now, actor, "escalation_noted", reason, internal=True)
        return
    ticket.escalation_level = max(ticket.escalation_level, level)
    ticket.save(
        update_fields=[
            "escalation_level",
            "escalated_to",
            "flagged_for_regulators",
            "management_escalated_to",
        ]
    )
    timeline.record(
        ticket,
        now,
        actor,
        "escalated",
        reason,
        internal=True,
        level=ticket.escalation_level,
        to=ticket.escalated_to_id,
        flagged=ticket.flagged_for_regulators,
    )
    audit_record(
        actor=actor,
        action="service.ticket_escalated",
        obj=ticket,
        before=before,
        after={
            "escalation_level": ticket.escalation_level,
            "flagged": ticket.flagged_for_regulators,
            "management": ticket.management_escalated_to_id,
            "reason": reason,
        },
    )


def escalated_filter() -> Q:
    return Q(escalation_level__gt=0)
