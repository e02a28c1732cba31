"""Who may use the buyer side of orders (checkout, the buyer's orders, after-sales and reviews on them).

It lives apart from ``checkout`` so that modules checking the caller do not import the checkout (and,
through it, half of the orders app): ``orders.checkout`` re-exports it for old importers (ADR 0006).
"""

from __future__ import annotations

from mallops.accounts import roles
from mallops.core.actors import Actor


def require_buyer(actor: Actor) -> int:
    """The buyer's user id; 401 ``unauthenticated`` without a signed-in actor, 403 ``buyer_only`` for a
    non-buyer (the one check, ``accounts.roles.require_buyer``; issue 16)."""
    roles.require_buyer(actor)
    buyer_id: int = actor.pk  # type: ignore[assignment]  # signed in: require_buyer refused None
    return buyer_id
