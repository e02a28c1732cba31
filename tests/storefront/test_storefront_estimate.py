"""预估到手价 on the product page: the checkout quote's figure for one unit, labelled an estimate with the
offers it assumes; nothing for a visitor who is not signed in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from storefront_support import live_product

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.pricing.models import Promotion
from mallops.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def _buyer() -> User:
    # made here (not with a shared factory) so that this module depends on nothing but the models
    buyer = User(username="estimate_buyer", kind=Kind.BUYER)
    buyer.set_unusable_password()
    buyer.save()
    return buyer


def _store_promotion(merchant: Any, name: str, min_fen: int, off_fen: int) -> None:
    now = timezone.now()
    creator = User.objects.create(username="estimate_staff", kind=Kind.STAFF)
    Promotion.objects.create(
        merchant=merchant,
        name=name,
        kind="threshold",
        layer="store",
        status="live",
        tiers=[{"min": min_fen, "off": off_fen}],
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=7),
        created_by=creator,
    )


def test_a_signed_in_buyer_sees_the_quotes_price_after_offers_and_a_visitor_sees_none() -> None:
    # given a store 满50减8 that one unit of 99.00 meets
    merchant, _owner = make_merchant()
    product, _skus = live_product(merchant)
    _store_promotion(merchant, "满50减8", 5000, 800)
    buyer = _buyer()
    client = Client()
    client.force_login(buyer)

    # when
    html = client.get(f"/shop/p/{product.pk}/").content.decode()
    anonymous = Client().get(f"/shop/p/{product.pk}/").content.decode()

    # then 99.00 - 8.00, named as an estimate with its offer; the list price stays the marked price
    assert '<span class="est-label">预估到手价</span> <strong class="est-price">¥91.00</strong>' in html
    assert "买 1 件，已按活动“满50减8”减 ¥8.00计算" in html and "实际以结算页为准" in html
    assert '<span class="price">¥99.00</span>' in html
    assert 'data-testid="estimate"' not in anonymous
