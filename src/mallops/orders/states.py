"""The order state machine, written out as a table: (status, event) -> new status.

    created --pay--> paid --ship--> shipped --deliver--> delivered --complete--> completed
    created --cancel--> cancelled
    paid | shipped | delivered --request_refund--> refunding
    refunding --refund--> refunded
    refunding --reject_refund--> the status the order had before (paid, shipped or delivered)
    paid | shipped --partial_refund--> unchanged (the rest is still to be sent), refunded_fen grows
    delivered | completed | partially_refunded --partial_refund--> partially_refunded
    any of these --partial_refund--> refunded when the refunds reach what was paid
    partially_refunded --complete--> partially_refunded (the buyer confirms receipt of the rest)

Anything else is an illegal move (409 ``illegal_transition``).
"""

from __future__ import annotations

from enum import StrEnum

from mallops.orders.models import OrderStatus as S


class Event(StrEnum):
    PAY = "pay"
    CANCEL = "cancel"
    SHIP = "ship"
    DELIVER = "deliver"
    COMPLETE = "complete"
    REQUEST_REFUND = "request_refund"
    REFUND = "refund"
    REJECT_REFUND = "reject_refund"
    PARTIAL_REFUND = "partial_refund"


# (from, event) -> to; None as "to" means "back to status_before_refund"
TRANSITIONS: dict[tuple[str, Event], str | None] = {
    (S.CREATED, Event.PAY): S.PAID,
    (S.CREATED, Event.CANCEL): S.CANCELLED,
    (S.PAID, Event.SHIP): S.SHIPPED,
    (S.SHIPPED, Event.DELIVER): S.DELIVERED,
    (S.DELIVERED, Event.COMPLETE): S.COMPLETED,
    (S.PAID, Event.REQUEST_REFUND): S.REFUNDING,
    (S.SHIPPED, Event.REQUEST_REFUND): S.REFUNDING,
    (S.DELIVERED, Event.REQUEST_REFUND): S.REFUNDING,
    (S.REFUNDING, Event.REFUND): S.REFUNDED,
    (S.REFUNDING, Event.REJECT_REFUND): None,
    (S.PAID, Event.PARTIAL_REFUND): S.PAID,
    (S.SHIPPED, Event.PARTIAL_REFUND): S.SHIPPED,
    (S.DELIVERED, Event.PARTIAL_REFUND): S.PARTIALLY_REFUNDED,
    (S.COMPLETED, Event.PARTIAL_REFUND): S.PARTIALLY_REFUNDED,
    (S.PARTIALLY_REFUNDED, Event.PARTIAL_REFUND): S.PARTIALLY_REFUNDED,
    (S.PARTIALLY_REFUNDED, Event.COMPLETE): S.PARTIALLY_REFUNDED,
}

TERMINAL = frozenset({S.COMPLETED, S.CANCELLED, S.REFUNDED})
# stock still held in "reserved" by orders in these states (moved to "sold" when paid)
HOLDS_RESERVATION = frozenset({S.CREATED})


def allowed_events(status: str) -> list[Event]:
    return [event for (src, event) in TRANSITIONS if src == status]


def target(status: str, event: Event, before_refund: str = "") -> str | None:
    """The status after ``event``, or None when the move is illegal."""
    if (status, event) not in TRANSITIONS:
        return None
    to = TRANSITIONS[(status, event)]
    return to if to is not None else (before_refund or None)
