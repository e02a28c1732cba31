"""What other apps hand the orders app, and what the orders app hands them (frozen rows, no models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models


class OrderStatus(models.TextChoices):
    """The states of an order (the transition table: ``orders.states``); other apps compare with these."""

    CREATED = "created", "created"
    PAID = "paid", "paid"
    SHIPPED = "shipped", "shipped"
    DELIVERED = "delivered", "delivered"
    COMPLETED = "completed", "completed"
    CANCELLED = "cancelled", "cancelled"
    REFUNDING = "refunding", "refunding"
    REFUNDED = "refunded", "refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "partially refunded"


@dataclass(frozen=True)
class PaymentRow:
    """One payment of a checkout, as the payments app holds it (it may cover several orders)."""

    out_trade_no: str
    provider: str
    status: str
    order_ids: tuple[int, ...]  # empty: the whole checkout
    amount_fen: int
    refunded_fen: int
    created_at: datetime
    paid_at: datetime | None


@dataclass(frozen=True)
class RefundRow:
    """One provider refund of an order, as the payments app holds it."""

    out_refund_no: str
    amount_fen: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class OrderLineRow:
    """One order line as other apps read it (``orders.selectors.order_line_rows``)."""

    id: int
    order_id: int
    sku_code: str
    title: str
    qty: int
    amount_fen: int
    discount_fen: int
    paid_fen: int


@dataclass(frozen=True)
class OrderMoney:
    """An order's state and money as after-sales reads it (``orders.selectors.order_money``)."""

    id: int
    merchant_id: int
    buyer_id: int
    status: str
    paid_fen: int
    shipping_fen: int


@dataclass(frozen=True)
class PaidOrderRow:
    """A paid order of a checkout, as the payments app records its payment."""

    id: int
    paid_fen: int
    refunded_fen: int
    paid_at: datetime


@dataclass(frozen=True)
class PaidCheckoutRow:
    """A checkout with its paid orders (``orders.selectors.demo_paid_checkouts``)."""

    id: int
    created_at: datetime
    orders: tuple[PaidOrderRow, ...]
