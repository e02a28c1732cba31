"""Demo data of orders and payments: consistent stock, paid orders have payments, idempotent."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from mallops.orders import demo as orders_demo
from mallops.orders.models import Order, StockItem
from mallops.orders.stock import ledger_balance
from mallops.payments import demo as payments_demo
from mallops.payments.models import Payment
from mallops.review import demo as review_demo
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def test_demo_orders_are_consistent_and_loading_twice_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from mallops.testing.orders import make_buyer

    for store in list(orders_demo.SKUS)[:2]:
        make_merchant(name=store)
    for n in range(5):
        make_buyer(username=f"buyer{n + 1:05d}")
    make_staff("product_ops", username="product-ops")
    reviewer = make_staff("listing_reviewer", username="reviewer")
    monkeypatch.setattr(orders_demo, "ORDER_COUNT", 30)
    for _ in range(2):
        lines: list[str] = []
        # the review demo approves the catalogue products of the demo SKUs (only those sell, issue 16)
        review_demo.order_skus(reviewer, timezone.now())
        orders_demo.load(lines=lines, rng=random.Random(1))
        payments_demo.load(lines=lines, rng=random.Random(1))
    orders = Order.objects.unscoped(reason="test")
    assert 30 <= orders.count() <= 60
    assert len(set(orders.values_list("status", flat=True))) >= 5
    for item in StockItem.objects.unscoped(reason="test").all():
        assert ledger_balance(item) == (item.available, item.reserved, item.sold)
    paid_checkouts = set(orders.filter(paid_at__isnull=False).values_list("checkout_id", flat=True))
    assert set(Payment.objects.values_list("checkout_id", flat=True)) == paid_checkouts
