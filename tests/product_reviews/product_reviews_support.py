"""Helpers of the product-review tests: a delivered order whose line is a catalogue product, known to the
risk engine (its checkout's ``order`` event assessed, as the checkout API does)."""

from __future__ import annotations

import itertools

from mallops.accounts.models import Merchant, User
from mallops.catalogue.models import Category, Product, Sku
from mallops.orders.models import OrderLine, StockItem
from mallops.orders.risk_checks import risk_order_ref
from mallops.risk import flows as risk_flows
from mallops.testing.aftersales import delivered_order

_seq = itertools.count(1)


def reviewable_line(
    merchant: Merchant,
    *,
    buyer: User | None = None,
    status: str = "delivered",
    product: Product | None = None,
) -> OrderLine:
    """The one line of a new order of ``merchant`` (moved up to ``status``) of a catalogue product."""
    order = delivered_order(merchant, buyer=buyer, lines=((4900, 1),), off_fen=0, status=status)
    line: OrderLine = OrderLine.objects.for_merchant(merchant.pk).select_related("item").get(order=order)
    if product is None:
        product = Product.objects.create(
            merchant=merchant, category=Category.objects.order_by("pk").first(), title=f"保温杯{next(_seq)}"
        )
    sku = Sku.objects.create(merchant=merchant, product=product, code=line.sku_code, price_fen=4900)
    StockItem.objects.for_merchant(merchant.pk).filter(pk=line.item_id).update(catalogue_sku=sku)
    risk_flows.order_assess(
        buyer_id=order.buyer_id,
        order=risk_order_ref(order),
        merchant_id=merchant.pk,
        amount_fen=order.paid_fen,
        address="上海市浦东新区测试路1号",
    )
    return line
