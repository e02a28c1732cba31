"""Who may do what in listing review: merchant vs reviewer vs CS agent vs content ops (R2.1.1)."""

from __future__ import annotations

import pytest

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product
from mallops.review import services
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


@pytest.mark.req("R2.1.1")
def test_permission_matrix():
    merchant, owner = make_merchant()
    product = make_product(merchant.pk)
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    clients = {
        "merchant_owner": ApiClient(token=token_for(owner)),
        "merchant_cs": ApiClient(token=token_for(make_member(merchant, "merchant_cs").user)),
        "listing_reviewer": ApiClient(token=token_for(make_staff("listing_reviewer"))),
        "cs_agent": ApiClient(token=token_for(make_staff("cs_agent"))),
        "content_ops": ApiClient(token=token_for(make_staff("content_ops"))),
    }
    routes = {
        ("GET", "/api/v1/merchant/listings"): {"merchant_owner"},
        ("GET", f"/api/v1/merchant/listings/{listing.pk}"): {"merchant_owner"},
        ("GET", "/api/v1/review/queue"): {"listing_reviewer"},
        ("GET", f"/api/v1/review/listings/{listing.pk}"): {"listing_reviewer", "content_ops"},
        ("GET", "/api/v1/review/metrics"): {"listing_reviewer", "content_ops"},
        ("POST", f"/api/v1/review/listings/{listing.pk}/claim"): {"listing_reviewer"},
    }
    for (method, path), allowed in routes.items():
        for role, client in clients.items():
            response = client.get_json(path) if method == "GET" else client.post_json(path, {})
            expected = 200 if role in allowed else 403
            assert response.status_code == expected, (role, method, path, response.status_code)
    # a merchant cannot reach the reviewer's decision endpoints either
    owner_client = clients["merchant_owner"]
    assert owner_client.post_json(f"/api/v1/review/listings/{listing.pk}/approve", {}).status_code == 403
    assert (
        owner_client.post_json(
            f"/api/v1/review/listings/{listing.pk}/reject", {"reason_codes": ["other"]}
        ).status_code
        == 403
    )


def test_another_merchants_listing_is_404_for_submit_and_detail():
    a, owner_a = make_merchant()
    b, _owner_b = make_merchant()
    listing_b = services.listing_create(
        actor=actor_of(None), merchant_id=b.pk, product_id=make_product(b.pk).pk
    )
    client = ApiClient(token=token_for(owner_a))
    assert client.post_json(f"/api/v1/merchant/listings/{listing_b.pk}/submit", {}).status_code == 404
    assert client.get_json(f"/api/v1/merchant/listings/{listing_b.pk}").status_code == 404
    assert (
        client.post_json("/api/v1/merchant/listings", {"product_id": listing_b.product_id}).status_code == 404
    )
    assert a.pk != b.pk


def test_approve_takes_an_empty_body():
    merchant, _ = make_merchant()
    listing = services.listing_create(
        actor=actor_of(None), merchant_id=merchant.pk, product_id=make_product(merchant.pk).pk
    )
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    client = ApiClient(token=token_for(make_staff("listing_reviewer")))
    auth = {"Authorization": f"Bearer {client.token}"}
    assert client.post(f"/api/v1/review/listings/{listing.pk}/claim", headers=auth).status_code == 200
    bad = client.post(
        f"/api/v1/review/listings/{listing.pk}/approve",
        data="{",
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 422
    approved = client.post(f"/api/v1/review/listings/{listing.pk}/approve", headers=auth)
    assert approved.status_code == 200, approved.content
    assert approved.json() == {"listing_id": listing.pk, "version": 1, "status": "approved"}
