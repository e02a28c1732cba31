"""Review metrics with exact numbers (R2.1.3) and the detail-page quality score (R2.2.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import images, make_product, product_input
from mallops.catalogue.selectors import product_content
from mallops.review import services
from mallops.review.quality import quality_score
from mallops.review.selectors import review_metrics
from mallops.review.snapshots import build_snapshot
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _submitted(merchant_id: int, at: datetime, **overrides: object) -> int:
    product = make_product(merchant_id, **overrides)
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant_id, product_id=product.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant_id, listing_id=listing.pk, now=at)
    return listing.pk


def _decide(reviewer, listing_id: int, at: datetime, approve: bool) -> None:
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing_id, now=at - timedelta(minutes=1))
    if approve:
        services.listing_approve(actor=actor_of(reviewer), listing_id=listing_id, now=at)
    else:
        services.listing_reject(
            actor=actor_of(reviewer), listing_id=listing_id, reason_codes=["image_quality"], now=at
        )


@pytest.mark.req("R2.1.3")
def test_metrics_numbers_are_exact():
    merchant, _ = make_merchant()
    r1, r2 = (
        make_staff("listing_reviewer", username="rev-a"),
        make_staff("listing_reviewer", username="rev-b"),
    )
    l1 = _submitted(merchant.pk, T0)
    l2 = _submitted(merchant.pk, T0)
    _submitted(merchant.pk, T0, title="最好的陶瓷杯")  # auto-rejected
    l4 = _submitted(merchant.pk, T0)
    _submitted(merchant.pk, T0 - timedelta(hours=2))  # waits 5 h at T0+3h
    _submitted(merchant.pk, T0 + timedelta(hours=2, minutes=30))  # waits 30 min
    _decide(r1, l1, T0 + timedelta(minutes=10), approve=True)
    _decide(r2, l2, T0 + timedelta(minutes=30), approve=False)
    _decide(r1, l4, T0 + timedelta(minutes=60), approve=True)

    metrics = review_metrics(actor=r1, since=T0 - timedelta(days=1), now=T0 + timedelta(hours=3))

    assert metrics["decided"] == 4
    assert (metrics["approved"], metrics["rejected"], metrics["auto_rejected"]) == (2, 1, 1)
    assert metrics["pass_rate"] == 0.5 and metrics["violation_rate"] == 0.5
    assert metrics["violations_by_rule"] == [{"rule": "AD9-3-SUPERLATIVE-ZUI", "versions": 1, "rate": 0.25}]
    assert metrics["turnaround_seconds"] == {"p50": 1800.0, "p90": 3600.0, "count": 3}
    assert metrics["backlog_by_age"] == {"<1h": 1, "1-4h": 0, "4-24h": 1, ">24h": 0}
    assert metrics["throughput_by_reviewer"] == [
        {"reviewer": "rev-a", "decisions": 2},
        {"reviewer": "rev-b", "decisions": 1},
    ]
    # the window filters by decision time
    assert review_metrics(actor=r1, since=T0 + timedelta(minutes=45))["decided"] == 1
    api = ApiClient(token=token_for(r1)).get_json("/api/v1/review/metrics").json()
    assert api["decided"] == 4 and api["pass_rate"] == 0.5


@pytest.mark.req("R2.2.1")
def test_quality_score_lists_what_is_missing():
    merchant, owner = make_merchant()
    full = make_product(merchant.pk)
    make_product(merchant.pk)  # a related product in the same category
    snapshot = build_snapshot(product_content(merchant_id=merchant.pk, product_id=full.pk))
    scored = quality_score(snapshot, review_count=2, related_count=1)
    assert scored == {"score": 100, "max": 100, "missing": []}

    thin = product_input(
        "general", images=images(2, side=600), description={"function": "喝水"}, selling_points=[]
    )
    product = make_product(
        merchant.pk, **{k: getattr(thin, k) for k in ("images", "description", "selling_points")}
    )
    result = quality_score(build_snapshot(product_content(merchant_id=merchant.pk, product_id=product.pk)))
    assert {m["code"] for m in result["missing"]} == {
        "selling_points",
        "images_count",
        "images_high_res",
        "section_material",
        "section_specs",
        "section_usage",
        "reviews",
        "related",
    }
    assert result["score"] == 100 - (10 + 15 + 10 + 6 * 3 + 6 + 5)
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    detail = ApiClient(token=token_for(owner)).get_json(f"/api/v1/merchant/listings/{listing.pk}").json()
    # through the API, related products of the store count (there are two others in 'general')
    assert detail["quality"]["score"] == result["score"] + 5
    assert "至少3张商品图片（现有2张）" in {m["message"] for m in detail["quality"]["missing"]}
    current = (
        ApiClient(token=token_for(owner)).get_json(f"/api/v1/merchant/products/{product.pk}/quality").json()
    )
    assert current == detail["quality"]
