"""The membership demo shows the shipping and inbox features: two stores charge shipping with a 满额包邮
threshold, buyer00001's inbox holds a tier notice and a birthday gift; loading twice adds nothing."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from mallops.accounts.models import User
from mallops.membership import demo as membership_demo
from mallops.membership.models import BirthdayGift
from mallops.membership.notices import buyer_notices
from mallops.orders import demo as orders_demo
from mallops.orders.models import ShippingRule
from mallops.review import demo as review_demo
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def test_demo_stores_charge_shipping_and_the_first_buyer_has_an_inbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mallops.testing.orders import make_buyer

    # given the first two demo stores (owners merchant1, merchant2) with their SKUs, and demo buyers
    stores = [
        make_merchant(name=store, owner=f"merchant{n}")[0]
        for n, store in enumerate(list(orders_demo.SKUS)[:2], 1)
    ]
    for n in range(3):
        make_buyer(username=f"buyer{n + 1:05d}")
    make_staff("product_ops", username="product-ops")
    reviewer = make_staff("listing_reviewer", username="reviewer")
    monkeypatch.setattr(orders_demo, "ORDER_COUNT", 0)
    review_demo.order_skus(reviewer, timezone.now())
    orders_demo.load(lines=[], rng=random.Random(1))

    # when the membership demo loads, twice
    for _ in range(2):
        membership_demo.load(lines=[], rng=random.Random(1))

    # then store 1 charges ¥12 with 满 ¥99 包邮 and store 2 ships free (no rule; merchant4 does not exist here)
    rules = {r.merchant_id: (r.fee_fen, r.free_over_fen) for r in ShippingRule.objects.unscoped(reason="t")}
    assert rules == {stores[0].pk: (1_200, 9_900)}
    # and buyer00001 is a 黄金会员 with the tier notice and one birthday gift in the inbox
    buyer = User.objects.get(username="buyer00001")
    notices = buyer_notices(buyer=buyer)
    assert sorted(n.kind for n in notices) == ["birthday", "tier"]
    assert [n.title for n in notices if n.kind == "tier"] == ["您已成为黄金会员"]
    assert BirthdayGift.objects.get(buyer=buyer).points == 200
