"""The ticket timeline: every step is one TicketEvent row (R5.1.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mallops.service.models import Ticket, TicketEvent


def record(
    ticket: Ticket,
    at: datetime,
    actor: Any,
    kind: str,
    body: str = "",
    *,
    internal: bool = False,
    **data: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        body=body,
        internal=internal,
        data=data,
    )
