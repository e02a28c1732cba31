"""The live flows' calls into risk control: one function per buyer action, called *before* the action's
own transaction (``assess`` commits on its own and refuses to run inside another transaction).

Each function builds the :class:`~mallops.risk.contracts.RiskEvent` of its action from typed arguments
and a :class:`~mallops.risk.contracts.RiskContext` (device and IP, read at the edge by
:func:`request_context`), assesses it and raises ``risk_blocked`` (403) when the decision is ``block``;
``review`` goes through and is queued for the analysts. Registrations, logins and account changes are
never refused by the rules: they only feed the linkage and the account-takeover windows.

**Order references.** Reviews and refund requests name the order of an earlier ``order`` event, so the
reference must be known before the order row exists (checkout assesses first, then creates the orders):
it is derived from the checkout's idempotency key, which the buyer sends and the checkout stores, plus
the merchant of the split (:func:`order_ref`). A retried checkout with the same key gives the same
reference, and later events compute it from the stored order (``order.checkout.idempotency_key``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from mallops.risk import services
from mallops.risk.contracts import NO_CONTEXT, Decision, EventType, RiskContext, RiskEvent

DEVICE_HEADER = "X-Device-Id"
DEVICE_MAX_LENGTH = 128
REFUND_KINDS = {"refund": "refund_only", "return": "return_refund"}


def request_context(request: Any) -> RiskContext:
    """The device (``X-Device-Id`` header, trimmed, at most 128 characters) and IP of an HTTP request.

    Edge code only (API views); services receive the :class:`RiskContext`, never the request.
    """
    if request is None:
        return NO_CONTEXT
    device = (request.headers.get(DEVICE_HEADER) or "").strip()[:DEVICE_MAX_LENGTH] or None
    ip = request.META.get("REMOTE_ADDR") or None
    return RiskContext(device=device, ip=ip)


def order_ref(*, buyer_id: int, idempotency_key: str, merchant_id: int) -> str:
    """The engine's order id of the merchant order a checkout creates (see the module docstring)."""
    digest = hashlib.sha256(f"{buyer_id}:{idempotency_key}".encode()).hexdigest()[:20]
    return f"co{digest}m{merchant_id}"


def _unique(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4().hex[:12]}"


def _event(type_: EventType, event_id: str, buyer_id: int, context: RiskContext, **fields: Any) -> RiskEvent:
    return RiskEvent(
        id=event_id, type=type_, buyer=str(buyer_id), device=context.device, ip=context.ip, **fields
    )


def _decide(event: RiskEvent) -> Decision:
    decision = services.assess(event=event)
    services.require_allowed(decision)
    return decision


def register_assess(*, buyer_id: int, context: RiskContext = NO_CONTEXT) -> Decision:
    """A buyer account was created (makes the account "new" for ``new_account_harvest``)."""
    return _decide(_event(EventType.REGISTER, f"register:{buyer_id}", buyer_id, context))


def login_assess(*, buyer_id: int, context: RiskContext = NO_CONTEXT) -> Decision:
    """A buyer signed in (a new device starts the ``account_takeover`` window)."""
    return _decide(_event(EventType.LOGIN, _unique(f"login:{buyer_id}"), buyer_id, context))


def password_change_assess(*, buyer_id: int, context: RiskContext = NO_CONTEXT) -> Decision:
    """A buyer changed the password."""
    return _decide(_event(EventType.PASSWORD_CHANGE, _unique(f"password:{buyer_id}"), buyer_id, context))


def address_change_assess(*, buyer_id: int, address: str, context: RiskContext = NO_CONTEXT) -> Decision:
    """A buyer added or edited a delivery address (``address``: the full text, normalised by the engine)."""
    event_id = _unique(f"address:{buyer_id}")
    return _decide(_event(EventType.ADDRESS_CHANGE, event_id, buyer_id, context, address=address))


def coupon_claim_assess(*, buyer_id: int, batch_id: int, context: RiskContext = NO_CONTEXT) -> Decision:
    """A buyer claims a coupon of batch ``batch_id``; ``risk_blocked`` for a ring or a confirmed ring."""
    event_id = _unique(f"claim:{buyer_id}:{batch_id}")
    return _decide(_event(EventType.COUPON_CLAIM, event_id, buyer_id, context, batch=str(batch_id)))


def order_assess(
    *,
    buyer_id: int,
    order: str,
    merchant_id: int,
    amount_fen: int,
    address: str,
    context: RiskContext = NO_CONTEXT,
) -> Decision:
    """One merchant order of a checkout (``order``: :func:`order_ref`); refuses brushing and takeovers."""
    fields = {"address": address, "order": order, "merchant": str(merchant_id), "amount_fen": amount_fen}
    return services.assess(event=_event(EventType.ORDER, f"order:{order}", buyer_id, context, **fields))


def review_assess(
    *, buyer_id: int, order: str, merchant_id: int, rating: int, text: str, context: RiskContext = NO_CONTEXT
) -> Decision:
    """A buyer's product review of an order (``order``: :func:`order_ref`); ``risk_blocked`` for a review
    without a purchase, ``review`` queues copied texts."""
    fields = {"order": order, "merchant": str(merchant_id), "rating": rating, "text": text}
    return _decide(_event(EventType.REVIEW, _unique(f"review:{order}"), buyer_id, context, **fields))


def refund_request_assess(
    *, buyer_id: int, order: str, amount_fen: int, kind: str, context: RiskContext = NO_CONTEXT
) -> Decision | None:
    """An after-sales request for money back (``kind`` ``refund`` or ``return``; other kinds are not
    assessed and give ``None``); ``risk_blocked`` for refund abuse."""
    engine_kind = REFUND_KINDS.get(kind)
    if engine_kind is None:
        return None
    fields = {"order": order, "amount_fen": amount_fen, "kind": engine_kind}
    return _decide(_event(EventType.REFUND_REQUEST, _unique(f"refund:{order}"), buyer_id, context, **fields))
