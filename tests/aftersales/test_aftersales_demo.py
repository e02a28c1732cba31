"""Demo data: requests and disputes over the demo orders, refunds consistent, loading twice adds nothing."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from mallops.aftersales import demo
from mallops.aftersales.models import AfterSalesRequest, Dispute
from mallops.orders import demo as orders_demo
from mallops.payments import demo as payments_demo
from mallops.payments.models import Refund
from mallops.review import demo as review_demo
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def test_demo_requests_cover_every_step_and_loading_twice_adds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mallops.testing.orders import make_buyer

    for store in list(orders_demo.SKUS)[:2]:
        make_merchant(name=store)
    for n in range(5):
        make_buyer(username=f"buyer{n + 1:05d}")
    make_staff("product_ops", username="product-ops")
    make_staff("cs_supervisor", username="cs-supervisor")
    monkeypatch.setattr(orders_demo, "ORDER_COUNT", 60)
    lines: list[str] = []
    # the review demo approves the demo SKUs' products first (only approved SKUs sell, issue 16)
    review_demo.order_skus(make_staff("listing_reviewer", username="reviewer"), timezone.now())
    orders_demo.load(lines=lines, rng=random.Random(1))
    payments_demo.load(lines=lines, rng=random.Random(1))
    for _ in range(2):
        demo.load(lines=lines, rng=random.Random(2))
    requests = AfterSalesRequest.objects.unscoped(reason="test")
    assert requests.count() == len(demo.PLAN)
    statuses = set(requests.values_list("status", flat=True))
    assert {
        "pending",
        "reviewing",
        "closed",
        "rejected",
        "disputed",
        "awaiting_return",
        "returning",
    } <= statuses
    assert "replacing" in statuses
    assert Dispute.objects.unscoped(reason="test").count() == 3
    refunded = requests.filter(refund_fen__gt=0)
    assert refunded.exists()
    assert sum(Refund.objects.values_list("amount_fen", flat=True)) == sum(r.refund_fen for r in refunded)
    assert lines[-1].startswith(f"After-sales: {len(demo.PLAN)} demo requests (kept)")
