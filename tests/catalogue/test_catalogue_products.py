"""Catalogue: category schemas, product validation, price history, certificates (R1.2.1, R1.2.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product, product_input
from mallops.catalogue.models import Category, PriceHistory, Sku
from mallops.catalogue.selectors import lowest_price_since
from mallops.catalogue.services import certificate_create, expiry_instant, sku_price_set
from mallops.core.errors import DomainError
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


@pytest.mark.req("R1.2.1")
@pytest.mark.req("R1.2.2")
def test_seeded_schemas_name_the_category_requirements():
    food = Category.objects.get(code="food")
    attributes, certificates = food.effective_schema()
    assert {"shelf_life", "ingredients", "origin"} <= {a["key"] for a in attributes}
    assert certificates == ["food_business_licence"]
    health = Category.objects.get(code="health_food").effective_schema()
    assert health[1] == ["food_business_licence", "health_food_approval"]  # inherits food's licence
    assert Category.objects.get(code="cosmetics").effective_schema()[1] == ["cosmetics_filing"]
    assert Category.objects.get(code="medical_device").effective_schema()[1] == [
        "medical_device_registration"
    ]
    assert Category.objects.get(code="baby-toys").effective_schema()[1] == ["ccc"]
    codes = set(Category.objects.values_list("code", flat=True))
    assert {
        "food",
        "health_food",
        "cosmetics",
        "medical_device",
        "baby",
        "apparel",
        "electronics",
        "home",
        "general",
    } <= codes


@pytest.mark.req("R1.2.1")
def test_product_api_validates_and_creates_with_skus_and_images():
    _merchant, owner = make_merchant()
    client = ApiClient(token=token_for(owner))
    payload = {
        "category_code": "apparel",
        "title": "纯棉圆领T恤",
        "selling_points": ["透气"],
        "attributes": {"material": "100%棉", "size_chart": "S-XL", "origin": "江苏"},
        "return_policy": "excluded",
        "skus": [{"code": "T-S", "price_fen": 5900, "stock": 5, "spec_values": {"尺码": "S"}}],
        "images": [
            {"url": "https://img.example.cn/1.jpg", "width": 100, "height": 100, "size_bytes": 6_000_000}
        ],
    }
    bad = client.post_json("/api/v1/merchant/products", payload)
    assert bad.status_code == 422
    locs = {tuple(e["loc"]) for e in bad.json()["errors"]}
    assert locs == {
        ("body", "return_exclusion"),
        ("body", "images", 0, "size_bytes"),
        ("body", "images", 0, "width"),
    }
    payload["return_policy"] = "eligible"
    payload["images"] = [
        {"url": "https://img.example.cn/1.jpg", "width": 1000, "height": 1000, "size_bytes": 200_000}
    ]
    created = client.post_json("/api/v1/merchant/products", payload)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["skus"][0]["price_fen"] == 5900 and len(body["images"]) == 1
    listed = client.get_json("/api/v1/merchant/products").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_too_many_images_are_refused():
    from mallops.catalogue.fixtures import images

    merchant, _ = make_merchant()
    from mallops.catalogue.services import validate_product_input

    errors = validate_product_input(product_input("general", images=images(11)))
    assert [e.loc for e in errors] == [("body", "images")]
    assert merchant.pk


def test_every_price_change_writes_history_and_lowest_price_since_reads_it():
    merchant, owner = make_merchant()
    product = make_product(merchant.pk)
    sku = Sku.objects.for_merchant(merchant.pk).get(product=product, code="A-1")
    t0 = PriceHistory.objects.for_merchant(merchant.pk).get(sku=sku).changed_at
    client = ApiClient(token=token_for(owner))
    assert client.post_json(f"/api/v1/merchant/skus/{sku.pk}/price", {"price_fen": 2900}).status_code == 200
    assert client.post_json(f"/api/v1/merchant/skus/{sku.pk}/price", {"price_fen": 2900}).status_code == 200
    sku_price_set(actor=actor_of(None), merchant_id=merchant.pk, sku_id=sku.pk, price_fen=4500)
    prices = list(
        PriceHistory.objects.for_merchant(merchant.pk).filter(sku=sku).values_list("price_fen", flat=True)
    )
    assert prices == [3900, 2900, 4500]  # an unchanged price writes nothing
    assert lowest_price_since(sku.pk, t0 - timedelta(seconds=1)) == 2900
    assert lowest_price_since(sku.pk, timezone.now() + timedelta(seconds=1)) == 4500  # the price in force
    assert lowest_price_since(10**9, t0) is None


def test_certificate_expiry_instant_is_beijing_midnight():
    assert expiry_instant(date(2026, 5, 1)) == datetime(2026, 5, 1, 16, 0, tzinfo=UTC)
    merchant, owner = make_merchant()
    client = ApiClient(token=token_for(owner))
    expired = client.post_json(
        "/api/v1/merchant/certificates", {"kind": "ccc", "number": "X1", "expires_on": "2020-01-01"}
    )
    assert expired.status_code == 422
    ok = client.post_json(
        "/api/v1/merchant/certificates",
        {
            "kind": "ccc",
            "number": "2023010122000001",
            "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        },
    )
    assert ok.status_code == 201, ok.content
    assert client.get_json("/api/v1/merchant/certificates").json()["count"] == 1
    with pytest.raises(DomainError):
        certificate_create(
            actor=actor_of(None), merchant_id=merchant.pk, kind="nope", number="1", expires_on=date.today()
        )


@pytest.mark.req("R1.2.1")
def test_merchant_side_catalogue_permissions():
    merchant, owner = make_merchant()
    cs_member = make_member(merchant, "merchant_cs")
    assert ApiClient(token=token_for(cs_member.user)).get_json("/api/v1/merchant/products").status_code == 403
    assert (
        ApiClient(token=token_for(make_staff("listing_reviewer")))
        .get_json("/api/v1/merchant/products")
        .status_code
        == 403
    )
    assert ApiClient(token=token_for(owner)).get_json("/api/v1/catalogue/categories").status_code == 200
