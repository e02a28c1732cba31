"""The ticket timeline: every step is one TicketEvent row (R5.1.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.service import sla
from mallops.service.models import Ticket, TicketEvent


def record(
    ticket: Ticket,
    at: datetime,
    actor: Actor | None,
    kind: str,
    body: str = "",
    *,
    internal: bool = False,
    **data: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        at=at,
        actor_id=actor.user_id if actor is not None else None,
        kind=kind,
        body=body,
        internal=internal,
        data=data,
    )


def step(
    ticket: Ticket,
    at: datetime,
    actor: Actor | None,
    kind: str,
    body: str,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **data: Any,
) -> TicketEvent:
    """One step of a ticket's life: its timeline row, the SLA timers refreshed, the audit event."""
    event = record(ticket, at, actor, kind, body, **data)
    sla.refresh(ticket)
    audit_record(actor=actor, action=action, obj=ticket, before=before, after=after)
    return event
