"""Tracking from the real pages (issue 20, slice 6): the event script and its settings reach the page only
for a signed-in buyer whose analytics consent stands."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from storefront_support import live_product

from mallops.dsr.testing import grant_consent
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db


def _settings(html: str) -> dict[str, object] | None:
    found = re.search(r'<script id="shop-track" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


def test_events_only_with_analytics_consent() -> None:
    merchant, _owner = make_merchant()
    product, _skus = live_product(merchant)
    consenting, other = make_buyer(), make_buyer()
    grant_consent([consenting], purposes=("analytics",))
    url = f"/shop/p/{product.pk}/"

    def page(user: object | None) -> str:
        client = Client()
        if user is not None:
            client.force_login(user)  # type: ignore[arg-type]
        return client.get(url).content.decode()

    with_consent = page(consenting)
    assert _settings(with_consent) == {
        "endpoint": "/api/v1/events",
        "distinct_id": consenting.username,
        "page": "product",
        "product": product.pk,
    }
    assert "storefront/track.js" in with_consent
    for html in (page(other), page(None)):
        assert _settings(html) is None
        assert "track.js" not in html
