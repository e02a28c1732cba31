"""Tenancy fails closed: unscoped queries raise; a merchant never sees another merchant's rows."""

from __future__ import annotations

import json
import re

import pytest

from mallops.accounts.models import MerchantMember
from mallops.tenancy.managers import UnscopedQueryError
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def test_an_unscoped_query_raises_instead_of_returning_all_rows():
    make_merchant()
    with pytest.raises(UnscopedQueryError):
        list(MerchantMember.objects.all())
    with pytest.raises(UnscopedQueryError):
        MerchantMember.objects.filter(role="merchant_owner").count()
    with pytest.raises(UnscopedQueryError):
        MerchantMember.objects.update(is_active=False)


def test_scopes_return_only_what_they_should():
    a, _ = make_merchant()
    b, _ = make_merchant()
    make_member(a)
    assert MerchantMember.objects.for_merchant(a.pk).count() == 2
    assert MerchantMember.objects.for_merchant(b.pk).count() == 1
    assert MerchantMember.objects.for_platform(make_staff("platform_admin"), "merchant.view").count() == 3
    from mallops.core.errors import DomainError

    with pytest.raises(DomainError):
        MerchantMember.objects.for_platform(make_staff("cs_agent"), "merchant.view")


def _merchant_routes() -> list[tuple[str, str]]:
    """Every (method, path) the API serves under /api/v1/merchant/, read from the OpenAPI document."""
    from mallops.urls import api

    schema = api.get_openapi_schema()
    routes = []
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/merchant/"):
            routes.extend((method.upper(), path) for method in operations)
    return routes


def test_the_walk_finds_the_merchant_routes():
    assert ("GET", "/api/v1/merchant/staff/{member_id}") in _merchant_routes()


@pytest.mark.req("R6.2.1")
def test_every_merchant_route_hides_other_merchants_objects():
    # given two merchants, each with staff
    _a, owner_a = make_merchant()
    b, owner_b = make_merchant()
    b_member = make_member(b)
    client_a = ApiClient(token=token_for(owner_a))
    client_b = ApiClient(token=token_for(owner_b))
    b_ids = {"member_id": b_member.pk}
    # pricing: a store promotion and a coupon batch per merchant
    from mallops.testing.pricing import walk_rows

    b_ids.update(walk_rows(_a, b, avoid=b_member.pk))
    # pricing: a paid order of each store that used its own live promotion (the campaign report)
    from mallops.testing.orders import paid_campaign_order

    paid_campaign_order(_a)
    paid_campaign_order(b)
    # orders: one order (and stock row) per merchant so list endpoints have rows on both sides
    from mallops.testing.orders import make_order

    make_order(_a)
    b_order = make_order(b)
    b_ids["order_id"] = b_order.pk
    b_ids["stock_item_id"] = b_order.lines.for_merchant(b.pk).get().item_id
    # flash sales: one per merchant (the store's flash-sale list, change and cancel)
    from mallops.testing.flash import flash_walk_rows

    b_ids.update(flash_walk_rows(_a, b))
    # catalogue and review: a product (with SKUs), a submitted listing, a certificate and a
    # notification per merchant
    from mallops.review.testing import listing_walk_rows

    listing_walk_rows(_a.pk)
    b_ids.update(listing_walk_rows(b.pk))
    # service: one store ticket per merchant (merchant customer service)
    from mallops.service.testing import make_ticket

    make_ticket(_a)
    b_ids["ticket_id"] = make_ticket(b).pk
    # aftersales: one pending request (on a delivered order) per merchant
    from mallops.testing.aftersales import make_request

    make_request(_a)
    b_ids["aftersales_id"] = make_request(b).pk
    # product reviews: one review and one question per merchant
    from mallops.testing.product_reviews import walk_rows as review_walk_rows

    review_walk_rows(_a)
    b_ids.update(review_walk_rows(b))
    # stores: a live store announcement per merchant
    from mallops.stores.testing import walk_rows as store_walk_rows

    store_walk_rows(_a)
    store_walk_rows(b)
    for method, path in _merchant_routes():
        params = re.findall(r"{(\w+)}", path)
        if method == "GET" and not params and "items" not in json.loads(client_a.get_json(path).content):
            # one object of the caller's own store (its shipping rule): each store reads its own
            own = [json.loads(c.get_json(path).content)["merchant_id"] for c in (client_a, client_b)]
            assert own == [_a.pk, b.pk], path
        elif method == "GET" and not params:
            # list endpoints: A and B each see rows, and never one of the other's
            seen_a = {item["id"] for item in json.loads(client_a.get_json(path).content)["items"]}
            seen_b = {item["id"] for item in json.loads(client_b.get_json(path).content)["items"]}
            assert seen_a, f"{path}: A should see its own rows"
            assert seen_b, f"{path}: B should see its own rows"
            assert not seen_a & seen_b, (path, seen_a & seen_b)
        elif params:
            concrete = path
            for name in params:
                assert name in b_ids, (
                    f"{path}: add an object of merchant B for parameter {name!r} to this walk"
                )
                concrete = concrete.replace("{" + name + "}", str(b_ids[name]))
            response = client_a.generic(
                method,
                concrete,
                data="{}",
                content_type="application/json",
                headers={"Authorization": f"Bearer {client_a.token}"},
            )
            assert response.status_code == 404, (method, concrete, response.status_code)
            # and B itself can reach it (the 404 is about tenancy, not a broken route)
            if method == "GET":
                assert client_b.get_json(concrete).status_code == 200, concrete
