"""Writes of the buyer's own storefront pages that no other app owns. (The photos of an after-sales request
moved to ``aftersales.photos`` in issue 20: they are the request's evidence, which the staff read.)"""

from __future__ import annotations

from typing import Any


def checkout_risk_assess(
    *, buyer: Any, idempotency_key: str, only_sku: str = "", address_id: int | None, request: Any = None
) -> None:
    """Risk control of a storefront checkout before it is placed, as the checkout API does
    (``orders.risk_checks.checkout_assess``: commits on its own; 403 ``risk_blocked``). The order is then
    in the risk register, where the risk check of a later review finds its purchase."""
    from mallops.orders.checkout import CartLine as OrderCartLine
    from mallops.orders.checkout import CheckoutRequest
    from mallops.orders.risk_checks import checkout_assess
    from mallops.risk.flows import request_context
    from mallops.storefront.models import CartLine

    rows = CartLine.objects.filter(buyer=buyer).order_by("pk")
    if only_sku:
        rows = rows.filter(sku_code=only_sku)
    req = CheckoutRequest(
        lines=[OrderCartLine(sku=row.sku_code, qty=row.qty) for row in rows], address_id=address_id
    )
    checkout_assess(actor=buyer, idempotency_key=idempotency_key, req=req, context=request_context(request))
