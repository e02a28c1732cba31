"""Helpers for tests, the tenancy walk and demo data: a paid, delivered, discounted order through the real
services (checkout, sandbox payment, shipping, delivery) and a request on it."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, User
from mallops.aftersales.models import AfterSalesRequest
from mallops.aftersales.services import LineIn, request_create
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.testing.orders import make_buyer, make_stock
from mallops.testing.pricing import make_promotion

_seq = itertools.count(1)


def delivered_order(
    merchant: Merchant,
    *,
    buyer: User | None = None,
    lines: tuple[tuple[int, int], ...] = ((3333, 2), (1001, 3)),
    off_fen: int = 1001,
    delivered_at: datetime | None = None,
    status: str = "delivered",
    exclusions: dict[int, str] | None = None,
) -> Order:
    """An order of ``merchant`` with one line per (unit price, qty), a store discount of ``off_fen`` spread
    over the lines, paid through the sandbox provider and moved up to ``status`` (paid/shipped/delivered).

    ``exclusions`` maps a line index to a statutory exclusion: that line's SKU gets a catalogue product
    excluded from the 7-day no-reason return before the checkout (so the order line copies the terms)."""
    from mallops.payments.services import payment_open, sandbox_pay

    buyer = buyer or make_buyer()
    n = next(_seq)
    items = [
        make_stock(merchant, sku=f"AS-{merchant.pk}-{n}-{i}", price_fen=p, available=qty + 5)
        for i, (p, qty) in enumerate(lines)
    ]
    for index, exclusion in (exclusions or {}).items():
        excluded_product(merchant, items[index].sku_code, items[index].price_fen, exclusion)
    promotion = (
        make_promotion(merchant, name=f"满减{n}", tiers=[{"min": 1, "off": off_fen}], status="live")
        if off_fen
        else None
    )
    actor = actor_of(buyer)
    checkout, _ = checkout_create(
        actor=actor,
        idempotency_key=f"as-{merchant.pk}-{n}",
        req=CheckoutRequest(
            lines=[CartLine(it.sku_code, qty) for it, (_, qty) in zip(items, lines, strict=True)],
        ),
    )
    if promotion is not None:
        # one order only: the store discount ends with this checkout
        promotion.status = "ended"
        promotion.save(update_fields=["status"])
    payment = payment_open(actor=actor, checkout_id=checkout.pk)
    sandbox_pay(actor=actor, out_trade_no=payment.out_trade_no)
    order: Order = Order.objects.for_merchant(merchant.pk).get(checkout=checkout)
    if status in ("shipped", "delivered"):
        order_transition(
            actor=None, order_id=order.pk, event=Event.SHIP, carrier="SF", tracking_number=f"SF{n:010d}"
        )
    if status == "delivered":
        order_transition(
            actor=None, order_id=order.pk, event=Event.DELIVER, now=delivered_at or timezone.now()
        )
    order.refresh_from_db()
    return order


def make_request(merchant: Merchant, *, kind: str = "refund") -> AfterSalesRequest:
    """A pending request on the first line (one unit) of a new delivered order of ``merchant``."""
    order = delivered_order(merchant)
    line = order.lines.unscoped(reason="test helper").order_by("pk").first()
    assert line is not None
    return request_create(
        actor=actor_of(order.buyer),
        order_id=order.pk,
        kind=kind,
        classification="product",
        reason="尺码不合适",
        lines=[LineIn(line.pk, 1)],
    )


def excluded_product(merchant: Merchant, sku_code: str, price_fen: int, exclusion: str) -> Any:
    """A catalogue product with one SKU ``sku_code``, excluded from the 7-day no-reason return (the
    approved product of ``make_stock``'s row when there is one: only approved SKUs sell, issue 16)."""
    from mallops.catalogue.models import Category, Product, Sku

    sku = Sku.objects.for_merchant(merchant.pk).filter(code=sku_code).select_related("product").first()
    if sku is not None:
        sku.product.return_policy, sku.product.return_exclusion = "excluded", exclusion
        sku.product.save(update_fields=["return_policy", "return_exclusion"])
        return sku.product
    product = Product.objects.create(
        merchant=merchant,
        category=Category.objects.order_by("pk").first(),
        title="不适用七天无理由退货的商品",
        return_policy="excluded",
        return_exclusion=exclusion,
    )
    Sku.objects.create(merchant=merchant, product=product, code=sku_code, price_fen=price_fen)
    return product
