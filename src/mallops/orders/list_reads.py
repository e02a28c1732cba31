"""The API's order and stock lists (merchant's own, buyer's own) read with SQL compiled once per process.

Same rows as ``selectors.order_rows`` over ``selectors.merchant_orders`` / ``buyer_orders`` (the same
filters, ordering and ``OrderOut`` keys; tests/perf compares the two), but the three statements (the page,
its lines, the count) are compiled on first use (``core.fixedsql``) instead of on every request. The
permission checks run first, as in the selectors; the tenant filter is in the builders below.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.core.actors import Actor
from mallops.core.fixedsql import FixedQuery
from mallops.core.pagination import FixedPage
from mallops.orders.models import Order, OrderLine
from mallops.orders.permissions import require_buyer
from mallops.orders.selectors import (
    _REGION,
    LINE_FIELDS,
    ORDER_HEAD,
    ORDER_TAIL,
    STOCK_VALUES,
    merchant_id_of,
    merchant_stock_of,
    order_out_rows,
    stock_row,
)

_ORDERING = ("-created_at", "-pk")


def _merchant_orders(has_status: bool, *, merchant_id: int, status: str = "") -> QuerySet[Any]:
    orders = Order.objects.for_merchant(merchant_id)
    if has_status:
        orders = orders.filter(status=status)
    page: QuerySet[Any] = orders.order_by(*_ORDERING).values(*ORDER_HEAD, *_REGION, *ORDER_TAIL)
    return page


def _buyer_orders(has_status: bool, *, buyer_id: int, status: str = "") -> QuerySet[Any]:
    orders = Order.objects.unscoped(reason="the buyer's own orders").filter(buyer_id=buyer_id)
    if has_status:
        orders = orders.filter(status=status)
    page: QuerySet[Any] = orders.order_by(*_ORDERING).values(*ORDER_HEAD, *_REGION, *ORDER_TAIL)
    return page


def _lines(*, order_ids: list[int]) -> QuerySet[Any]:
    lines = OrderLine.objects.unscoped(reason="lines of orders already scoped").filter(order_id__in=order_ids)
    page: QuerySet[Any] = lines.order_by("pk").values("order_id", *LINE_FIELDS)
    return page


MERCHANT_ORDERS = FixedQuery("orders.merchant_orders", _merchant_orders, json_datetimes=True)
BUYER_ORDERS = FixedQuery("orders.buyer_orders", _buyer_orders, json_datetimes=True)
ORDER_LINES = FixedQuery("orders.order_lines", _lines)


def _with_lines(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``OrderOut`` rows: the page's orders with ``ship_region`` joined and their lines (one statement)."""
    lines: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in found}
    if lines:
        for line in ORDER_LINES.rows(order_ids=list(lines)):
            lines[line.pop("order_id")].append(line)
    return order_out_rows(found, lines)


def merchant_order_page(*, actor: Actor, status: str = "") -> FixedPage:
    """The store's orders, newest first (``store.order.manage``; 404 ``merchant`` without a store)."""
    merchant_id = merchant_id_of(actor)
    values: dict[str, Any] = {"merchant_id": merchant_id, **({"status": status} if status else {})}
    shape = (bool(status),)
    return FixedPage(
        rows=lambda offset, limit: _with_lines(
            MERCHANT_ORDERS.rows(shape=shape, limit=limit, offset=offset, **values)
        ),
        count=lambda: MERCHANT_ORDERS.count(shape=shape, **values),
    )


def buyer_order_page(*, actor: Actor, status: str = "") -> FixedPage:
    """The buyer's own orders, newest first (403 ``buyer_only`` for anyone else)."""
    buyer_id = require_buyer(actor)
    values: dict[str, Any] = {"buyer_id": buyer_id, **({"status": status} if status else {})}
    shape = (bool(status),)
    return FixedPage(
        rows=lambda offset, limit: _with_lines(
            BUYER_ORDERS.rows(shape=shape, limit=limit, offset=offset, **values)
        ),
        count=lambda: BUYER_ORDERS.count(shape=shape, **values),
    )


def _merchant_stock(*, merchant_id: int) -> QuerySet[Any]:
    rows: QuerySet[Any] = merchant_stock_of(merchant_id).values(*STOCK_VALUES)
    return rows


MERCHANT_STOCK = FixedQuery("orders.merchant_stock", _merchant_stock, json_datetimes=True)


def merchant_stock_page(*, actor: Actor) -> FixedPage:
    """The store's stock rows by SKU code (``store.order.manage``; 404 ``merchant`` without a store)."""
    merchant_id = merchant_id_of(actor)
    return FixedPage(
        rows=lambda offset, limit: [
            stock_row(found)
            for found in MERCHANT_STOCK.rows(limit=limit, offset=offset, merchant_id=merchant_id)
        ],
        count=lambda: MERCHANT_STOCK.count(merchant_id=merchant_id),
    )
