"""Risk control on after-sales requests: a ``refund_request`` event, assessed before the request's own
transaction (:func:`mallops.aftersales.services.request_create` is atomic; assessment commits on its own).
"""

from __future__ import annotations

from mallops.accounts.roles import Kind as UserKind
from mallops.core.actors import Actor
from mallops.orders import selectors as orders_selectors
from mallops.risk import flows as risk_flows
from mallops.risk.contracts import NO_CONTEXT, Decision, RiskContext


def refund_request_assess(
    *,
    actor: Actor,
    order_id: int,
    kind: str,
    lines: list[tuple[int, int]],
    context: RiskContext = NO_CONTEXT,
) -> Decision | None:
    """Assess a buyer's request for money back (kinds ``refund`` and ``return``; exchanges and repairs
    are not assessed); raise ``risk_blocked`` (403) for refund abuse, queue a ``review``.

    ``lines`` are ``(order_line_id, qty)``. Nothing is assessed when the request would not run anyway
    (not a buyer, not the buyer's order, no valid line); the amount is the lines' paid share by quantity
    (the request's exact refund is apportioned inside its transaction). Two queries plus the assessment.
    """
    buyer_id = actor.pk
    if (
        getattr(actor, "kind", None) != UserKind.BUYER
        or kind not in risk_flows.REFUND_KINDS
        or buyer_id is None
    ):
        return None
    facts = orders_selectors.refund_request_risk_facts(
        buyer_id=buyer_id, order_id=order_id, wanted=dict(lines)
    )
    if facts is None:
        return None
    order_ref, amount = facts
    return risk_flows.refund_request_assess(
        buyer_id=buyer_id, order=order_ref, amount_fen=amount, kind=kind, context=context
    )
