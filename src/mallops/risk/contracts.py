"""What other apps hand to and get from risk control (frozen dataclasses; import these, not models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mallops.risk.engine import Decision, EventType, Reason, Rule, Verdict

__all__ = ["NO_CONTEXT", "Decision", "EventType", "Reason", "RiskContext", "RiskEvent", "Rule", "Verdict"]


@dataclass(frozen=True)
class RiskEvent:
    """One buyer action to assess (the fields of the ``mallops risk score`` line, ``at`` aware).

    ``buyer`` is the buyer's stable reference (the user id as a string in the live flows); ``id`` is
    the caller's reference for the event (e.g. ``order:123``, ``claim:45``). ``at`` defaults to now.
    """

    id: str
    type: EventType
    buyer: str
    at: datetime | None = None
    device: str | None = None
    ip: str | None = None
    address: str | None = None
    batch: str | None = None
    order: str | None = None
    merchant: str | None = None
    amount_fen: int | None = None
    rating: int | None = None
    text: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class RiskContext:
    """Where a buyer's action came from, read at the edge (API view) and handed to the services.

    ``device`` is the client's ``X-Device-Id`` header (an app install or browser fingerprint id, compared
    as given), ``ip`` the peer address. Both optional: without a device the action links nobody.
    """

    device: str | None = None
    ip: str | None = None


NO_CONTEXT = RiskContext()
