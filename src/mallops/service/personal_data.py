"""The buyer's service tickets in data-subject requests and retention (PIPL Art. 45, 47; ECL Art. 31).

Service registers its tickets with dsr when it starts (``connect``, from ``ServiceConfig.ready``): the export
section and the erasure (``dsr.exporters.register``) and the rows of the ``service.ticket_text`` retention
rule (``dsr.hooks.register_row_retention``). A ticket about an order still inside its retention period is
frozen with the order's date; otherwise the subject, the description, the buyer's messages and the rating
comment are erased. dsr keeps the rule, the holds and the audit events; it does not read tickets itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from mallops.dsr.exporters import ECL31, Context, DataHandler, _iso
from mallops.dsr.retention import kept_order_numbers
from mallops.dsr.sources import ERASED, REASON, order_holds
from mallops.service.models import Ticket, TicketEvent, TicketRating

RULE = "service.ticket_text"
WHY = "retention period over (dsr.retention)"


def _tickets(buyer: Any) -> Any:
    return Ticket.objects.unscoped(reason=REASON).filter(buyer=buyer)


def export_tickets(buyer: Any, ctx: Context) -> dict[str, Any]:
    rows = list(_tickets(buyer).order_by("created_at", "pk"))
    ids = [t.pk for t in rows]
    messages: dict[int, list[dict[str, Any]]] = {}
    for event in TicketEvent.objects.filter(ticket__in=ids, actor=buyer, internal=False).order_by("at", "pk"):
        if event.body:
            messages.setdefault(event.ticket_id, []).append(
                {"at": _iso(event.at), "kind": event.kind, "text": event.body}
            )
    ratings = {r.ticket_id: r for r in TicketRating.objects.filter(ticket__in=ids)}
    tickets = []
    for t in rows:
        rating = ratings.get(t.pk)
        tickets.append(
            {
                "number": t.number,
                "channel": t.channel,
                "category": t.category,
                "status": t.status,
                "created_at": _iso(t.created_at),
                "closed_at": _iso(t.closed_at),
                "order": t.order_ref,
                "subject": t.subject,
                "description": t.description,
                "resolution_summary": t.resolution_summary,
                "messages": messages.get(t.pk, []),
                "rating": None
                if rating is None
                else {
                    "score": str(rating.score),
                    "comment": rating.comment,
                    "rated_at": _iso(rating.rated_at),
                },
            }
        )
    return {"tickets": tickets}


def erase_ticket_text(ticket: Any, buyer_id: int) -> None:
    ticket.subject = ERASED
    ticket.description = ERASED
    ticket.save(update_fields=["subject", "description"])
    TicketEvent.objects.filter(ticket=ticket).filter(Q(actor_id=buyer_id) | Q(kind="created")).update(body="")
    TicketRating.objects.filter(ticket=ticket).update(comment="")


def erase_tickets(buyer: Any, ctx: Context) -> dict[str, Any]:
    """A ticket about an order still kept (ECL Art. 31) is frozen with it; the others lose the subject,
    description, the buyer's messages and the rating comment."""
    holds = order_holds(buyer, ctx.now)
    frozen, anonymised = [], []
    for ticket in _tickets(buyer).select_for_update().order_by("pk"):
        until = holds.get(ticket.order_ref) if ticket.order_ref else None
        if until is not None:
            ctx.hold("service.ticket", ticket.pk, ECL31, until)
            frozen.append(ticket.number)
        else:
            erase_ticket_text(ticket, buyer.pk)
            anonymised.append(ticket.number)
    return {"frozen": frozen, "anonymised": anonymised}


def release_ticket(object_type: str, object_id: str) -> None:
    ticket = (
        Ticket.objects.unscoped(reason="end of a retention hold after a deletion request")
        .select_for_update()
        .filter(pk=int(object_id))
        .first()
    )
    if ticket is not None:
        erase_ticket_text(ticket, ticket.buyer_id)


def tickets_due(cutoff: datetime, held: list[int]) -> QuerySet[Ticket]:
    """Tickets closed before ``cutoff``, not erased yet, not about an order still kept, not held."""
    rows: QuerySet[Ticket] = (
        Ticket.objects.unscoped(reason=WHY)
        .filter(closed_at__lt=cutoff)
        .exclude(subject=ERASED)
        .exclude(order_ref__in=kept_order_numbers(cutoff))
        .exclude(pk__in=held)
    )
    return rows


def ticket_erase(ticket: Any) -> None:
    erase_ticket_text(ticket, ticket.buyer_id)


def connect() -> None:
    from mallops.dsr.exporters import register
    from mallops.dsr.hooks import register_row_retention

    register(
        DataHandler(
            "service",
            description="客服工单：主题、描述、您发送的消息和满意度评价",
            export=export_tickets,
            erase=erase_tickets,
            release=release_ticket,
        )
    )
    register_row_retention(RULE, object_type="service.ticket", due=tickets_due, erase=ticket_erase)
