"""Console notifications: SLA warnings and breaches go to the ticket's assignee and its supervisor.

Sent by the SLA sweeps (``service/sweeps.py``), once per recipient, SLA clock and kind: the unique
constraint makes a repeated or late sweep (worker outage) a no-op, not a second message.
A ticket that routing holds for lack of trained agents tells the CS supervisors (and the procedure's
owner) once per ticket; when someone is assigned, those notifications are marked read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.models import RoleGrant
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.service.models import Notification, Ticket, TicketSla

_TITLES = {
    Notification.Kind.SLA_WARNING: "{number}: {policy} runs out at {due}",
    Notification.Kind.SLA_BREACHED: "{number}: {policy} breached at {due}",
}


def sla_notify(
    ticket: Ticket, row: TicketSla, kind: str, *, now: datetime, supervisor: Any = None
) -> list[Notification]:
    """Tell the assignee and the supervisor (``supervisor``, else the ticket's escalation target) about
    one SLA clock. Returns the notifications written now (none when they were sent before)."""
    recipients = {u.pk for u in (ticket.assignee, supervisor or ticket.escalated_to) if u is not None}
    if not recipients:
        return []
    due = (
        row.due_at.astimezone(timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
        if row.due_at
        else ""
    )
    title = _TITLES[Notification.Kind(kind)].format(number=ticket.number, policy=row.policy.label, due=due)
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            ticket=ticket,
            sla=row,
            title=title[:200],
            body=ticket.subject,
            due_at=row.due_at,
            created_at=now,
        )
        for pk in sorted(recipients)
    ]
    return _store(rows, Notification.objects.filter(sla=row, kind=kind, recipient_id__in=recipients))


def _store(rows: list[Notification], existing: QuerySet[Notification]) -> list[Notification]:
    """Write the rows whose recipient has none of ``existing`` yet; returns those written."""
    already = set(existing.values_list("recipient_id", flat=True))
    fresh = [n for n in rows if n.recipient_id not in already]
    # ignore_conflicts: two writers racing on PostgreSQL still write one row per recipient
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return fresh


def hold_notify(ticket: Ticket, reason: str, *, now: datetime) -> list[Notification]:
    """Tell the active CS supervisors and the owner of the ticket's procedure that routing holds the
    ticket (nobody available is trained). Once per recipient and ticket; returns the rows written now."""
    recipients = set(
        RoleGrant.objects.filter(role="cs_supervisor", user__is_active=True).values_list("user_id", flat=True)
    )
    version = ticket.procedure_version
    owner = version.procedure.owner if version is not None else None
    if owner is not None and owner.is_active:
        recipients.add(owner.pk)
    kind = Notification.Kind.ROUTING_HELD
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            ticket=ticket,
            title=f"{ticket.number}: waiting for a trained agent ({reason})"[:200],
            body=ticket.subject,
            created_at=now,
        )
        for pk in sorted(recipients)
    ]
    return _store(rows, Notification.objects.filter(ticket=ticket, kind=kind, recipient_id__in=recipients))


def hold_cleared(ticket: Ticket, *, at: datetime) -> int:
    """The held ticket got an assignee: its unread hold notifications are marked read."""
    return Notification.objects.filter(
        ticket=ticket, kind=Notification.Kind.ROUTING_HELD, read_at=None
    ).update(read_at=at)


def inbox(actor: Actor, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's own notifications, newest first."""
    rows = Notification.objects.filter(recipient_id=actor.pk).select_related(
        "ticket__assignee", "sla__policy"
    )
    return rows.filter(read_at=None) if unread_only else rows


def unread_count(actor: Actor) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at=None).count()


@transaction.atomic
def notification_read(*, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read (404 for anyone else's)."""
    row = Notification.objects.select_for_update().filter(pk=notification_id, recipient_id=actor.pk).first()
    if row is None:
        raise not_found("notification")
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
        audit_record(actor=actor, action="service.notification_read", obj=row, after={"read": True})
    return row


@transaction.atomic
def notifications_read_all(*, actor: Actor) -> int:
    """Mark all of the actor's unread notifications read; returns how many."""
    count = Notification.objects.filter(recipient_id=actor.pk, read_at=None).update(read_at=timezone.now())
    if count:
        audit_record(
            actor=actor,
            action="service.notifications_read_all",
            object_type="accounts.user",
            object_id=str(actor.user_id),
            after={"count": count},
        )
    return count
