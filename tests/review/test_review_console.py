"""Console pages of listing review: queue, highlighted findings, decisions, metrics, merchant centre."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product
from mallops.review import services
from mallops.review.models import Listing, ListingStatus
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("R2.1.2")
def test_reviewer_sees_findings_marked_with_rule_and_basis_and_decides():
    merchant, owner = make_merchant()
    blocked = services.listing_create(
        actor=actor_of(None),
        merchant_id=merchant.pk,
        product_id=make_product(merchant.pk, title="最好的陶瓷杯").pk,
    )
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=blocked.pk)
    waiting = services.listing_create(
        actor=actor_of(None), merchant_id=merchant.pk, product_id=make_product(merchant.pk).pk
    )
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=waiting.pk)
    reviewer = _client(make_staff("listing_reviewer"))

    queue = reviewer.get("/review/")
    assert queue.status_code == 200
    assert f"/review/listings/{waiting.pk}/" in queue.content.decode()
    assert f"/review/listings/{blocked.pk}/" not in queue.content.decode()

    page = reviewer.get(f"/review/listings/{blocked.pk}/").content.decode()
    assert (
        '<mark class="finding" data-rule="AD9-3-SUPERLATIVE-ZUI" title="AD9-3-SUPERLATIVE-ZUI · 广告法第九条第（三）项">最好</mark>'
        in page
    )

    reviewer.post(f"/review/listings/{waiting.pk}/claim")
    assert 'data-testid="approve"' in reviewer.get(f"/review/listings/{waiting.pk}/").content.decode()
    reviewer.post(f"/review/listings/{waiting.pk}/approve", {"note": "ok"})
    assert Listing.objects.unscoped(reason="test").get(pk=waiting.pk).status == ListingStatus.LIVE

    # the merchant centre lists both with what to fix
    mine = _client(owner).get("/review/mine/").content.decode()
    assert "AD9-3-SUPERLATIVE-ZUI" in mine and "广告法第九条第（三）项" in mine
    detail = _client(owner).get(f"/review/mine/{blocked.pk}/").content.decode()
    assert 'data-rule="AD9-3-SUPERLATIVE-ZUI"' in detail


@pytest.mark.req("R2.1.3")
def test_metrics_dashboard_draws_svg_charts():
    merchant, _ = make_merchant()
    listing = services.listing_create(
        actor=actor_of(None),
        merchant_id=merchant.pk,
        product_id=make_product(merchant.pk, title="最好的陶瓷杯").pk,
    )
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    page = _client(make_staff("content_ops")).get("/review/metrics/").content.decode()
    # the chart names the rule in Chinese (issue 14: no rule id as visible text)
    assert "<svg" in page and "“最”字极限用语" in page and 'data-testid="pass-rate">0.0%' in page


def test_pages_are_shown_by_permission():
    merchant, owner = make_merchant()
    cs = _client(make_staff("cs_agent"))
    assert cs.get("/review/").status_code == 403
    assert cs.get("/review/metrics/").status_code == 403
    assert cs.get("/review/mine/").status_code == 403
    assert _client(make_staff("listing_reviewer")).get("/review/mine/").status_code == 403
    assert _client(owner).get("/review/").status_code == 403
    other, _ = make_merchant()
    foreign = services.listing_create(
        actor=actor_of(None), merchant_id=other.pk, product_id=make_product(other.pk).pk
    )
    assert _client(owner).get(f"/review/mine/{foreign.pk}/").status_code == 404
    assert merchant.pk != other.pk


def test_import_page_runs_a_dry_run():
    _merchant, owner = make_merchant()
    content = "external_code,category_code,title,sku_code,price,stock\nX,general,杯子,X-1,abc,1\n".encode()
    page = _client(owner).post(
        "/review/mine/import/", {"file": SimpleUploadedFile("a.csv", content), "mode": "dry_run"}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "not an amount in yuan" in body and "attr:origin" in body
