"""Factories for tests, benchmarks and demo data (real rows through the services)."""

from __future__ import annotations

import itertools
from typing import Any

from mallops.accounts.models import Merchant, User
from mallops.accounts.roles import Kind
from mallops.orders import stock
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, StockItem

_seq = itertools.count(1)


def make_buyer(username: str | None = None) -> User:
    from mallops.testing.factories import _password_hash

    return User.objects.create(
        username=username or f"buyer-t{next(_seq)}", kind=Kind.BUYER, password=_password_hash()
    )


def make_stock(
    merchant: Merchant, *, sku: str | None = None, price_fen: int = 1000, available: int = 100
) -> StockItem:
    item: StockItem = StockItem.objects.create(
        merchant=merchant,
        sku_code=sku or f"SKU-{merchant.pk}-{next(_seq)}",
        title="测试商品",
        price_fen=price_fen,
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
        actor=buyer,
        idempotency_key=f"t-{next(_seq)}",
        req=CheckoutRequest(lines=[CartLine(item.sku_code, qty)], **kwargs),
    )
    order: Order = Order.objects.for_merchant(merchant.pk).get(checkout=checkout)
    return order
