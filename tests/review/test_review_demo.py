"""The review demo data: idempotent, and every listing ends where the demo says it does."""

from __future__ import annotations

import random

import pytest

from mallops.accounts.models import Merchant
from mallops.review import demo
from mallops.review.models import Listing, ListingStatus
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def test_demo_catalogue_is_idempotent_and_lands_as_described():
    for store in demo.CATALOGUE:
        make_merchant(store)
    make_staff("listing_reviewer", username="reviewer")
    lines: list[str] = []
    demo.load(lines=lines, rng=random.Random(7))
    demo.load(lines=lines, rng=random.Random(7))
    assert "(40 new)" in lines[0] and "(0 new)" in lines[1]
    expected = {
        "live": ListingStatus.LIVE,
        "queued": ListingStatus.IN_REVIEW,
        "violation": ListingStatus.AUTO_REJECTED,
        "draft": ListingStatus.DRAFT,
    }
    for store, items in demo.CATALOGUE.items():
        merchant = Merchant.objects.get(name=store)
        listings = {
            x.product.external_code: x
            for x in Listing.objects.for_merchant(merchant.pk).select_related("product")
        }
        for code, *_rest, outcome in items:
            assert listings[code].status == expected[outcome], (code, listings[code].status)
