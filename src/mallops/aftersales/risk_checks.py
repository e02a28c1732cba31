"""Risk control on after-sales requests: a ``refund_request`` event, assessed before the request's own
transaction (:func:`mallops.aftersales.services.request_create` is atomic; assessment commits on its own).
"""

from __future__ import annotations

from mallops.accounts.roles import Kind as UserKind
from mallops.core.actors import Actor
from mallops.orders.models import Order, OrderLine
from mallops.orders.risk_checks import risk_order_ref
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
    if getattr(actor, "kind", None) != UserKind.BUYER or kind not in risk_flows.REFUND_KINDS:
        return None
    order = (
        Order.objects.unscoped(reason="risk control reads the buyer's own order")
        .select_related("checkout")
        .filter(pk=order_id, buyer_id=actor.pk)
        .first()
    )
    if order is None:
        return None
    wanted = dict(lines)
    paid = (
        OrderLine.objects.for_merchant(order.merchant_id)
        .filter(order=order, pk__in=list(wanted))
        .values_list("pk", "paid_fen", "qty")
    )
    amount = sum(paid_fen * min(max(wanted[pk], 0), qty) // qty for pk, paid_fen, qty in paid if qty)
    return risk_flows.refund_request_assess(
        buyer_id=order.buyer_id, order=risk_order_ref(order), amount_fen=amount, kind=kind, context=context
    )
