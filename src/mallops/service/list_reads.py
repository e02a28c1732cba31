"""The platform desk's ticket list, unfiltered, read with SQL compiled once per process (``core.fixedsql``).

``GET /api/v1/service/tickets`` without filters is the desk's queue and the hot read; it answers the same
rows as ``selectors.ticket_rows(selectors.ticket_list(actor=…))`` (the same order and ``TicketOut`` keys;
tests/perf compares them). ``ticket.handle`` is checked on every call before anything is read, as
``for_platform`` does in the selector. A filtered list (status, search, mine, breached, held…) goes
through the selector.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.fixedsql import FixedQuery
from mallops.core.pagination import FixedPage
from mallops.service.models import Ticket
from mallops.service.selectors import TICKET_ORDER, TICKET_VALUES, ticket_row


def _desk() -> QuerySet[Any]:
    tickets = Ticket.objects.unscoped(reason="the platform desk: ticket.handle checked per call")
    rows: QuerySet[Any] = tickets.order_by(*TICKET_ORDER).values(*TICKET_VALUES)
    return rows


DESK_TICKETS = FixedQuery("service.desk_tickets", _desk, json_datetimes=True)


def desk_ticket_page(*, actor: Actor) -> FixedPage:
    """Every ticket, newest first (403 without ``ticket.handle``)."""
    require_permission(actor, "ticket.handle")
    return FixedPage(
        rows=lambda offset, limit: [ticket_row(row) for row in DESK_TICKETS.rows(limit=limit, offset=offset)],
        count=DESK_TICKETS.count,
    )
