"""Who may use the buyer side of orders (checkout, the buyer's orders, after-sales and reviews on them).

It lives apart from ``checkout`` so that modules checking the caller do not import the checkout (and,
through it, half of the orders app): ``orders.checkout`` re-exports it for old importers (ADR 0006).
"""

from __future__ import annotations

from typing import Any

from mallops.accounts.roles import Kind
from mallops.core.errors import DomainError


def require_buyer(actor: Any) -> None:
    """Raise 401 ``unauthenticated`` without a signed-in actor, 403 ``buyer_only`` for a non-buyer."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(detail="Authentication required.", code="unauthenticated", status=401)
    if getattr(actor, "kind", None) != Kind.BUYER:
        raise DomainError(
            detail="Only buyer accounts can do this.", code="buyer_only", status=403, title="Forbidden"
        )
