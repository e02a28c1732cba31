"""Factories for tests, benchmarks and demo data (real rows through the services)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, User
from mallops.accounts.roles import Kind
from mallops.orders import stock
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, StockItem

if TYPE_CHECKING:
    from mallops.pricing.models import Promotion

_seq = itertools.count(1)


def make_buyer(username: str | None = None) -> User:
    from mallops.testing.factories import _password_hash

    return User.objects.create(
        username=username or f"buyer-t{next(_seq)}", kind=Kind.BUYER, password=_password_hash()
    )


def make_stock(
    merchant: Merchant,
    *,
    sku: str | None = None,
    price_fen: int = 1000,
    available: int = 100,
    approved: bool = True,
) -> StockItem:
    """A stock row of ``merchant`` with ``available`` units. ``approved``: linked to a catalogue SKU of a
    live listing (what checkout sells); otherwise a bare row as the stock API made before issue 16."""
    from mallops.testing.factories import approved_sku

    code = sku or f"SKU-{merchant.pk}-{next(_seq)}"
    item: StockItem = StockItem.objects.create(
        merchant=merchant,
        sku_code=code,
        title="测试商品",
        price_fen=price_fen,
        catalogue_sku=approved_sku(merchant, code=code, price_fen=price_fen) if approved else None,
    )
    if available:
        stock.receive(item, available)
        item.refresh_from_db()
    return item


def make_order(merchant: Merchant, *, buyer: User | None = None, qty: int = 1, **kwargs: Any) -> Order:
    """One unpaid order of ``merchant`` (creates a stock item for it)."""
    item = make_stock(merchant, available=max(qty, 10))
    buyer = buyer or make_buyer()
    checkout, _ = checkout_create(
        actor=actor_of(buyer),
        idempotency_key=f"t-{next(_seq)}",
        req=CheckoutRequest(lines=[CartLine(item.sku_code, qty)], **kwargs),
    )
    order: Order = Order.objects.for_merchant(merchant.pk).get(checkout=checkout)
    return order


def paid_campaign_order(merchant: Merchant) -> Promotion:
    """A live store 满10减1 of ``merchant`` and one paid order of the store that used it (so the merchant
    campaign report has a row); returns the promotion."""
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition
    from mallops.testing import pricing as pricing_testing

    promotion = pricing_testing.make_promotion(
        merchant, name="满10减1", tiers=[{"min": 1000, "off": 100}], status="live"
    )
    item = make_stock(merchant, price_fen=1500)
    buyer = pricing_testing.make_buyer(f"walk-campaign-{merchant.pk}-{promotion.pk}")
    checkout, _ = checkout_create(
        actor=actor_of(buyer),
        idempotency_key=f"walk-campaign-{promotion.pk}",
        req=CheckoutRequest(lines=[CartLine(item.sku_code, 1)]),
    )
    order = Order.objects.for_merchant(merchant.pk).get(checkout=checkout)
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    return promotion
