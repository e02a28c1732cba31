"""Listing review flow: automated checks, claim locks, approve/reject, live version kept (R2.1, R1.2)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import certify, make_product, product_input
from mallops.catalogue.services import product_update
from mallops.core.errors import DomainError
from mallops.core.sweeps import registered, run_sweeper
from mallops.review import services
from mallops.review.models import Listing, ListingStatus, ListingVersion, VersionStatus
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _listing(merchant_id: int, category: str = "general", **overrides: object) -> Listing:
    product = make_product(merchant_id, category, **overrides)
    return services.listing_create(actor=actor_of(None), merchant_id=merchant_id, product_id=product.pk)


@pytest.mark.req("R2.1.1")
@pytest.mark.req("R2.1.2")
def test_a_blocked_claim_rejects_automatically_with_exact_findings():
    merchant, owner = make_merchant()
    listing = _listing(merchant.pk, title="最好的陶瓷杯 办公室水杯", selling_points=["治疗失眠", "手工上釉"])
    client = ApiClient(token=token_for(owner))

    response = client.post_json(f"/api/v1/merchant/listings/{listing.pk}/submit", {})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "auto_rejected"
    spans = {
        (f["rule"], f["field"], f["start"], f["end"], f["text"], f["severity"]) for f in body["findings"]
    }
    assert ("AD9-3-SUPERLATIVE-ZUI", "title", 0, 2, "最好", "block") in spans
    assert ("AD17-DISEASE", "selling_points[0]", 0, 2, "治疗", "block") in spans
    assert all(f["basis"] for f in body["findings"])
    assert {f["basis"] for f in body["findings"] if f["rule"] == "AD9-3-SUPERLATIVE-ZUI"} == {
        "广告法第九条第（三）项"
    }
    # the merchant sees the same findings on the listing, and it is not in the review queue
    detail = client.get_json(f"/api/v1/merchant/listings/{listing.pk}").json()
    assert detail["status"] == "auto_rejected"
    assert detail["versions"][0]["findings"] == body["findings"]
    reviewer = ApiClient(token=token_for(make_staff("listing_reviewer")))
    assert reviewer.get_json("/api/v1/review/queue").json()["count"] == 0


@pytest.mark.req("R1.2.1")
@pytest.mark.req("R1.2.2")
def test_missing_category_attributes_and_certificates_block_submission():
    merchant, _owner = make_merchant()
    data = product_input("health_food")
    attributes = {k: v for k, v in data.attributes.items() if k not in {"shelf_life", "approval_number"}}
    listing = _listing(merchant.pk, "health_food", attributes=attributes)

    version = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)

    findings = {(f.rule, f.field) for f in version_findings(version)}
    assert findings == {
        ("COMPLETENESS-ATTRIBUTE", "attributes.shelf_life"),
        ("COMPLETENESS-ATTRIBUTE", "attributes.approval_number"),
        ("COMPLETENESS-CERTIFICATE", "certificates.food_business_licence"),
        ("COMPLETENESS-CERTIFICATE", "certificates.health_food_approval"),
    }
    assert version.status == VersionStatus.AUTO_REJECTED
    # with the attributes and certificates in place it passes into the queue
    certify(merchant.pk, "health_food")
    product_update(
        actor=actor_of(None),
        merchant_id=merchant.pk,
        product_id=listing.product_id,
        data=product_input("health_food"),
    )
    again = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    assert again.number == 2
    assert again.status == VersionStatus.QUEUED, [(f.rule, f.field, f.text) for f in version_findings(again)]


def version_findings(version: ListingVersion) -> list:
    from mallops.review.selectors import version_findings as select

    return select(version)


@pytest.mark.req("R2.1.1")
def test_data_accuracy_checks_price_spec_consistency_stock_claims_and_reference_price():
    from mallops.catalogue.contracts import SkuInput

    merchant, _ = make_merchant()
    listing = _listing(
        merchant.pk,
        selling_points=["仅剩3件"],
        skus=[
            SkuInput(code="A", price_fen=0, stock=10, spec_values={"颜色": "白"}),
            SkuInput(code="B", price_fen=100, stock=10, spec_values={"尺寸": "大"}),
            SkuInput(code="C", price_fen=100, stock=0, spec_values={"颜色": "白"}, reference_price_fen=200),
        ],
    )
    version = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    found = {(f.rule, f.field, f.text) for f in version_findings(version)}
    assert ("ACCURACY-PRICE", "skus[0].price_fen", "0") in found
    assert ("ACCURACY-SPEC-KEYS", "skus", "") in found
    assert ("ACCURACY-SPEC-DUPLICATE", "skus[2].spec_values", "") in found
    assert ("PROMO32-5-STOCK-CLAIM", "selling_points[0]", "仅剩3件") in found
    assert ("PRICE56-16-REFERENCE-HISTORY", "skus[2].reference_price_fen", "200") in found
    assert version.status == VersionStatus.AUTO_REJECTED


@pytest.mark.req("R2.1.1")
def test_claim_lock_keeps_two_reviewers_apart_and_expires_by_sweep():
    merchant, _ = make_merchant()
    listing = _listing(merchant.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    first, second = make_staff("listing_reviewer"), make_staff("listing_reviewer")
    c1, c2 = ApiClient(token=token_for(first)), ApiClient(token=token_for(second))

    assert c1.post_json(f"/api/v1/review/listings/{listing.pk}/claim", {}).status_code == 200
    refused = c2.post_json(f"/api/v1/review/listings/{listing.pk}/claim", {})
    assert refused.status_code == 409
    assert refused.json()["code"] == "claimed_by_other"
    # deciding without the claim is refused too
    assert (
        c2.post_json(f"/api/v1/review/listings/{listing.pk}/approve", {}).json()["code"] == "claim_required"
    )

    # the claim expires; the sweep returns it to the open queue and the second reviewer takes it
    later = timezone.now() + timedelta(minutes=16)
    assert run_sweeper(registered()["review.claim_expiry"], later) == 1
    version = ListingVersion.objects.unscoped(reason="test").get(listing_id=listing.pk)
    assert version.claimed_by_id is None and version.claim_due_at is None
    assert run_sweeper(registered()["review.claim_expiry"], later) == 0
    services.listing_claim(actor=actor_of(second), listing_id=listing.pk, now=later)
    with pytest.raises(DomainError) as exc:
        services.listing_claim(actor=actor_of(first), listing_id=listing.pk, now=later)
    assert exc.value.code == "claimed_by_other"
    services.listing_approve(actor=actor_of(second), listing_id=listing.pk, now=later + timedelta(minutes=1))
    assert Listing.objects.unscoped(reason="test").get(pk=listing.pk).status == ListingStatus.LIVE


@pytest.mark.req("R1.2.3")
@pytest.mark.req("R2.1.2")
def test_live_version_stays_live_during_re_review_and_rejection_reasons_reach_the_merchant():
    merchant, owner = make_merchant()
    listing = _listing(merchant.pk)
    reviewer = make_staff("listing_reviewer")
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    v1 = services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk)

    # the merchant edits the product: the listing keeps showing version 1 while version 2 waits
    data = product_input("general")
    product_update(
        actor=actor_of(None),
        merchant_id=merchant.pk,
        product_id=listing.product_id,
        data=replace(data, title="手工陶瓷马克杯 新款大容量水杯"),
    )
    v2 = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    listing.refresh_from_db()
    assert listing.live_version_id == v1.pk and listing.is_visible and listing.pending_version_id == v2.pk

    client = ApiClient(token=token_for(reviewer))
    client.post_json(f"/api/v1/review/listings/{listing.pk}/claim", {})
    bad = client.post_json(f"/api/v1/review/listings/{listing.pk}/reject", {"reason_codes": ["other"]})
    assert bad.status_code == 422  # 'other' needs a note
    rejected = client.post_json(
        f"/api/v1/review/listings/{listing.pk}/reject",
        {"reason_codes": ["image_quality", "incomplete_information"], "note": "主图模糊，请补充细节图"},
    )
    assert rejected.status_code == 200, rejected.content
    listing.refresh_from_db()
    assert listing.live_version_id == v1.pk and listing.is_visible  # still live after the rejection

    merchant_view = (
        ApiClient(token=token_for(owner)).get_json(f"/api/v1/merchant/listings/{listing.pk}").json()
    )
    latest = merchant_view["versions"][0]
    assert latest["number"] == 2 and latest["status"] == "rejected"
    assert latest["reason_codes"] == ["image_quality", "incomplete_information"]
    assert latest["note"] == "主图模糊，请补充细节图"
    assert merchant_view["live_version"] == 1
    notes = ApiClient(token=token_for(owner)).get_json("/api/v1/merchant/notifications").json()["items"]
    assert [(n["kind"], n["data"]["version"], n["data"]["reason_codes"]) for n in notes] == [
        ("listing_rejected", 2, ["image_quality", "incomplete_information"])
    ]
    assert [v["number"] for v in merchant_view["versions"]] == [2, 1]  # history kept

    diff = ApiClient(token=token_for(owner)).get_json(
        f"/api/v1/merchant/listings/{listing.pk}/diff?from_version=1&to_version=2"
    )
    assert diff.json() == [
        {
            "field": "title",
            "before": "手工陶瓷马克杯 大容量办公室水杯",
            "after": "手工陶瓷马克杯 新款大容量水杯",
        }
    ]

    # a third version approved replaces the live one
    v3 = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk)
    listing.refresh_from_db()
    assert listing.live_version_id == v3.pk and listing.status == ListingStatus.LIVE


def test_a_version_snapshot_is_immutable():
    merchant, _ = make_merchant()
    listing = _listing(merchant.pk)
    version = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    version.snapshot = {**version.snapshot, "title": "changed"}
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_resubmitting_supersedes_the_waiting_version():
    merchant, _ = make_merchant()
    listing = _listing(merchant.pk)
    first = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    second = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    first.refresh_from_db()
    assert first.status == VersionStatus.SUPERSEDED
    reviewer = make_staff("listing_reviewer")
    queue = ApiClient(token=token_for(reviewer)).get_json("/api/v1/review/queue").json()
    assert [(item["listing_id"], item["version"], item["findings"]) for item in queue["items"]] == [
        (listing.pk, second.number, 0)
    ]


def test_review_severity_findings_go_to_the_queue_with_their_count():
    merchant, _ = make_merchant()
    listing = _listing(merchant.pk, title="原价手工陶瓷马克杯 大容量")
    version = services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    assert version.status == VersionStatus.QUEUED
    assert [(f.rule, f.severity, f.text) for f in version_findings(version)] == [
        ("PRICE56-16-REFERENCE", "review", "原价")
    ]
    reviewer = make_staff("listing_reviewer")
    item = ApiClient(token=token_for(reviewer)).get_json("/api/v1/review/queue").json()["items"][0]
    assert (item["listing_id"], item["title"], item["category"], item["findings"]) == (
        listing.pk,
        "原价手工陶瓷马克杯 大容量",
        "general",
        1,
    )


@pytest.mark.req("R1.2.2")
@pytest.mark.req("R1.2.3")
def test_an_expired_certificate_takes_the_live_listing_down_and_tells_the_merchant():
    merchant, owner = make_merchant()
    certificates = certify(merchant.pk, "cosmetics", days=3)
    listing = _listing(merchant.pk, "cosmetics")
    other = _listing(merchant.pk, "general")  # needs no certificate: stays live
    reviewer = make_staff("listing_reviewer")
    for item in (listing, other):
        services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=item.pk)
        services.listing_claim(actor=actor_of(reviewer), listing_id=item.pk)
        services.listing_approve(actor=actor_of(reviewer), listing_id=item.pk)
    sweeper = registered()["catalogue.certificate_expiry"]
    assert run_sweeper(sweeper, timezone.now()) == 0  # not due yet

    assert run_sweeper(sweeper, certificates[0].expiry_due_at) == 1
    listing.refresh_from_db()
    other.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN and not listing.is_visible
    assert listing.takedown_reason.startswith("certificate_expired:cosmetics_filing")
    assert other.is_visible
    assert run_sweeper(sweeper, certificates[0].expiry_due_at + timedelta(days=1)) == 0
    notes = ApiClient(token=token_for(owner)).get_json("/api/v1/merchant/notifications").json()
    assert notes["count"] == 1
    assert notes["items"][0]["kind"] == "certificate_expired"
    assert notes["items"][0]["data"]["listings_taken_down"] == [listing.pk]
    # resubmitting without a valid certificate is blocked
    version = services.listing_submit(
        actor=actor_of(None),
        merchant_id=merchant.pk,
        listing_id=listing.pk,
        now=certificates[0].expiry_due_at,
    )
    assert ("COMPLETENESS-CERTIFICATE", "certificates.cosmetics_filing") in {
        (f.rule, f.field) for f in version_findings(version)
    }


def test_reviewer_detail_shows_the_diff_against_the_live_version():
    merchant, _ = make_merchant()
    listing = _listing(merchant.pk)
    reviewer = make_staff("listing_reviewer")
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk)
    from mallops.catalogue.models import Sku
    from mallops.catalogue.services import sku_price_set

    sku = Sku.objects.for_merchant(merchant.pk).get(product_id=listing.product_id, code="A-1")
    sku_price_set(actor=actor_of(None), merchant_id=merchant.pk, sku_id=sku.pk, price_fen=3500)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    body = ApiClient(token=token_for(reviewer)).get_json(f"/api/v1/review/listings/{listing.pk}").json()
    assert body["diff_from_live"] == [{"field": "skus[A-1].price_fen", "before": 3900, "after": 3500}]
    assert json.dumps(body, default=str)
