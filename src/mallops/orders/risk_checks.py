"""Risk control at checkout: one ``order`` event per merchant order, assessed before the checkout's own
transaction (:func:`mallops.orders.checkout.checkout_create` is atomic; risk assessment commits on its own).

The engine's order id is :func:`mallops.risk.flows.order_ref` of the buyer, the checkout's idempotency key
and the merchant: known before the order rows exist, stable across retries of the same key, and computed
again from a stored order by :func:`risk_order_ref` (reviews, refund requests).
"""

from __future__ import annotations

from mallops.accounts.roles import Kind
from mallops.core.actors import Actor
from mallops.orders.checkout import CheckoutRequest, address_snapshot
from mallops.orders.models import Checkout, Order, StockItem
from mallops.risk import flows as risk_flows
from mallops.risk import services as risk
from mallops.risk.contracts import NO_CONTEXT, Decision, RiskContext

ADDRESS_PARTS = ("ship_province", "ship_city", "ship_district", "ship_detail")


def risk_order_ref(order: Order) -> str:
    """The engine's order id of a stored order (the one its checkout was assessed with)."""
    return risk_flows.order_ref(
        buyer_id=order.buyer_id,
        idempotency_key=order.checkout.idempotency_key,
        merchant_id=order.merchant_id,
    )


def checkout_assess(
    *, actor: Actor, idempotency_key: str, req: CheckoutRequest, context: RiskContext = NO_CONTEXT
) -> list[Decision]:
    """Assess each merchant order the cart would split into; raise ``risk_blocked`` (403) when one is
    blocked (every order is assessed first, so each attempt is counted). ``review`` lets the checkout
    through and queues it.

    Nothing is assessed when the checkout would not run anyway: not a buyer, a replayed idempotency key
    (the first checkout is returned unchanged), or unknown SKUs (the checkout answers 422). The amount is
    the list price of the merchant's lines (before discounts: the quote is priced inside the checkout).
    Costs three queries (replay check, stock prices, address) plus the assessments.
    """
    if getattr(actor, "kind", None) != Kind.BUYER or actor.pk is None or not req.lines:
        return []
    buyer_id: int = actor.pk
    if Checkout.objects.filter(buyer_id=buyer_id, idempotency_key=idempotency_key).exists():
        return []
    prices = {
        sku: (merchant_id, price_fen)
        for sku, merchant_id, price_fen in StockItem.objects.unscoped(
            reason="risk control reads the list prices of a buyer's cart"
        )
        .filter(sku_code__in=[line.sku for line in req.lines])
        .values_list("sku_code", "merchant_id", "price_fen")
    }
    if any(line.sku not in prices for line in req.lines):
        return []
    amounts: dict[int, int] = {}
    for line in req.lines:
        merchant_id, price_fen = prices[line.sku]
        amounts[merchant_id] = amounts.get(merchant_id, 0) + price_fen * max(line.qty, 0)
    ship_to = address_snapshot(buyer_id, req.address_id)
    address = " ".join(ship_to.get(part) or "" for part in ADDRESS_PARTS).strip()
    decisions = [
        risk_flows.order_assess(
            buyer_id=buyer_id,
            order=risk_flows.order_ref(
                buyer_id=buyer_id, idempotency_key=idempotency_key, merchant_id=merchant_id
            ),
            merchant_id=merchant_id,
            amount_fen=amount,
            address=address,
            context=context,
        )
        for merchant_id, amount in sorted(amounts.items())
    ]
    for decision in decisions:
        risk.require_allowed(decision)
    return decisions
