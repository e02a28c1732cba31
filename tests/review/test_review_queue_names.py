"""The 商品审核 queue names a listing as a reviewer does: the product's title (linked) and its store."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product
from mallops.review import services
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def test_the_queue_shows_the_title_and_the_store_not_the_row_id() -> None:
    # given one listing waiting for review
    merchant, _owner = make_merchant()
    listing = services.listing_create(
        actor=actor_of(None),
        merchant_id=merchant.pk,
        product_id=make_product(merchant.pk, title="陶瓷马克杯").pk,
    )
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    client = Client()
    client.force_login(make_staff("listing_reviewer"))

    # when
    html = client.get("/review/").content.decode()

    # then
    assert f'<td data-label="商品"><a href="/review/listings/{listing.pk}/">陶瓷马克杯</a></td>' in html
    assert f'<td data-label="店铺">{merchant.name}</td>' in html
    assert f">#{listing.pk}<" not in html
