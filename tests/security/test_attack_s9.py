"""The attack of 2026-12-07 (session 9) on the session 8 features: one regression test per finding
(docs/security.md § Attack of 2026-12-07 (session 9)). Each failed on the main of that day."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from mallops.core import fixedsql
from mallops.ops.models import IncidentDrill
from mallops.storefront import search_selectors
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.pricing import make_buyer

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("drill_id", ["²", "9" * 30])
def test_a_hostile_drill_id_on_the_incident_page_is_refused_not_500(drill_id: str) -> None:
    # 记录演练结果 judged drill_id by str.isdigit: int("²") raised (500), 30 digits overflowed the look-up
    client = _client(make_staff("tech_ops"))
    response = client.post(
        "/ops/incidents/drills/", {"op": "record", "drill_id": drill_id, "result": "passed"}
    )
    assert (response.status_code, response["Location"]) == (302, "/ops/incidents/")
    assert not IncidentDrill.objects.exists()


@pytest.mark.parametrize("price", ["NaN", "sNaN", "-nan"])
def test_a_nan_price_filter_on_search_is_ignored_not_500(price: str) -> None:
    # Decimal("NaN") < 0 raises InvalidOperation: /shop/search?min=NaN was a 500 for any visitor
    response = _client().get("/shop/search", {"q": "杯", "min": price, "max": price})
    assert response.status_code == 200


def test_the_signed_in_product_page_and_cart_are_private_to_shared_caches() -> None:
    # the product page carries the buyer's 预估到手价 (and the cart its quote) with no Cache-Control: a
    # shared cache that ignores Vary: Cookie (most CDNs) could serve one buyer's figure to every visitor
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storefront"))
    from storefront_support import live_product

    product, _skus = live_product(make_merchant()[0])
    buyer = _client(make_buyer("s9-private"))
    assert "private" in buyer.get(f"/shop/p/{product.pk}/")["Cache-Control"]
    assert "private" in buyer.get("/shop/cart/")["Cache-Control"]
    assert "private" not in _client().get(f"/shop/p/{product.pk}/").get("Cache-Control", "")


def test_the_compiled_statements_of_a_connection_are_bounded() -> None:
    # search compiles one statement per number of full-text matches (1..500) and filter shape, kept for
    # the connection's life (CONN_MAX_AGE): visitors choosing queries grew it without bound
    connections["default"].__dict__.pop(fixedsql._CACHE_ATTR, None)
    for length in range(1, fixedsql.MAX_COMPILED + 20):
        search_selectors._STAMPS.rows(limit=1, pks=list(range(1, length + 1)))
    kept = connections["default"].__dict__[fixedsql._CACHE_ATTR]
    assert 0 < len(kept) <= fixedsql.MAX_COMPILED


@pytest.mark.parametrize(
    "variant",
    [
        {"key": "a", "weight": 1, "name": {"a": 1}},
        {"key": "a", "weight": 1, "name": ["x"]},
        {"key": "a", "weight": 1, "name": True},
        {"key": {"x": 1}, "weight": 1},
        {"key": 7, "weight": 1},
    ],
)
def test_an_ab_variant_key_or_name_that_is_not_text_is_422(variant: dict[str, Any]) -> None:
    # the API stored str() of whatever came: a name {"a": 1} was shown as "{'a': 1}", a key True as "True"
    from mallops.analytics.models import Experiment
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    response = ApiClient(token=token_for(make_staff("data_ops"))).post_json(
        "/api/v1/analytics/experiments",
        {"key": "s9", "metric_event": "order_paid", "variants": [variant, {"key": "b", "weight": 1}]},
    )
    assert response.status_code == 422, response.content
    assert [(e["loc"], e["code"]) for e in response.json()["errors"]] == [(["body", "variants"], "type")]
    assert not Experiment.objects.exists()


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_controls_are_refused_in_api_text_and_console_forms(control: str) -> None:
    # a store or incident title with U+202E showed another text than it held (Trojan Source)
    from mallops.ops.models import Incident
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    title = f"订单延迟{control}gnp.exe"
    response = ApiClient(token=token_for(make_staff("data_ops"))).post_json(
        "/api/v1/analytics/experiments",
        {"key": "s9", "name": title, "metric_event": "order_paid", "variants": [{"key": "a", "weight": 1}]},
    )
    assert response.status_code == 422, response.content
    assert [e["code"] for e in response.json()["errors"]] == ["invalid_text"]
    form = _client(make_staff("tech_ops")).post("/ops/incidents/", {"title": title})
    assert form.status_code == 400
    assert not Incident.objects.exists()
