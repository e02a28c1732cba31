"""The pricing demo data goes through the services and is idempotent."""

from __future__ import annotations

import random

import pytest

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.dsr.testing import grant_consent
from mallops.pricing import demo
from mallops.pricing.models import Coupon, CouponBatch, Promotion
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_leaves_blocked_drafts():
    for n in (1, 2, 3):
        make_merchant(name=f"演示店铺{n}", owner=f"merchant{n}")
    make_staff("product_ops", username="product-ops")
    buyers = [User.objects.create(username=f"buyer{n:05d}", kind=Kind.BUYER) for n in range(1, 11)]
    grant_consent(
        buyers, ["marketing"]
    )  # the demo issues coupons only to buyers who agreed (dsr demo runs first)
    lines: list[str] = []
    demo.load(lines=lines, rng=random.Random(7))
    promotions = Promotion.objects.unscoped(reason="test")
    counts = (
        promotions.count(),
        CouponBatch.objects.unscoped(reason="test").count(),
        Coupon.objects.unscoped(reason="test").count(),
    )
    assert counts[0] == 3 * 3 + 2 + 1 and counts[1] == 3 + 2 and counts[2] > 0
    by_status = {p.name: p.status for p in promotions.filter(merchant__isnull=True)}
    assert by_status == {"跨店满减 每满300减50": "live"}
    drafts = promotions.filter(status="draft")
    assert drafts.count() == 2 and all(p.name == "双12预热 原价直降" for p in drafts)
    assert promotions.filter(status="scheduled", name="第二件半价").count() == 3
    assert promotions.filter(status="live").count() == 3 * 2 + 1
    demo.load(lines=lines, rng=random.Random(8))
    again = (
        promotions.count(),
        CouponBatch.objects.unscoped(reason="test").count(),
        Coupon.objects.unscoped(reason="test").count(),
    )
    assert again == counts
    assert len(lines) == 2 and lines[1].startswith("Promotions: 0 new")
