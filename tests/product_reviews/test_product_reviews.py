"""Product reviews and Q&A (R4.3.2, R3.2.3): verified purchase, compliance and risk moderation, hiding that
keeps the row and tells the author, the feeds (quality score, review analytics, product score), tenancy."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from product_reviews_support import reviewable_line

from mallops.accounts.actors import actor_of
from mallops.analytics import behaviour
from mallops.audit.models import AuditEvent
from mallops.catalogue.models import Product
from mallops.product_reviews.contracts import ProductScore
from mallops.product_reviews.models import ModerationNotice, ProductReview, ReviewReply
from mallops.product_reviews.selectors import product_score
from mallops.review.selectors import product_quality
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db

GOOD = "保温效果不错，包装完整，物流很快"


def _as(user: Any) -> ApiClient:
    return ApiClient(token=token_for(user))


def _review(line: Any, *, rating: int = 5, text: str = GOOD, buyer: Any = None) -> Any:
    return _as(buyer or line.order.buyer).post_json(
        "/api/v1/buyer/product-reviews", {"order_line_id": line.pk, "rating": rating, "text": text}
    )


def _reviews_of(product_id: int) -> list[dict[str, Any]]:
    response = ApiClient().get_json(f"/api/v1/products/{product_id}/reviews")
    assert response.status_code == 200, response.content
    return list(json.loads(response.content)["items"])


def _product_id(line: Any) -> int:
    line.item.refresh_from_db()
    return int(line.item.catalogue_sku.product_id)


@pytest.mark.req("R4.3.2")
def test_only_the_buyer_of_a_delivered_line_reviews_it_once() -> None:
    merchant, _owner = make_merchant()
    line = reviewable_line(merchant)
    unshipped = reviewable_line(merchant, status="paid")
    # another buyer's line: not revealed
    stranger = _review(line, buyer=make_buyer())
    assert stranger.status_code == 404
    # an order not delivered yet
    early = _review(unshipped)
    assert early.status_code == 409 and json.loads(early.content)["code"] == "not_delivered"
    assert ProductReview.objects.unscoped(reason="test").count() == 0
    # the buyer of the delivered line
    created = _review(line, rating=4)
    assert created.status_code == 201, created.content
    body = json.loads(created.content)
    assert (body["rating"], body["status"], body["order_line_id"], body["text"]) == (
        4,
        "visible",
        line.pk,
        GOOD,
    )
    assert body["product_id"] == _product_id(line)
    again = _review(line)
    assert again.status_code == 409 and json.loads(again.content)["code"] == "already_reviewed"
    assert ProductReview.objects.unscoped(reason="test").count() == 1
    # the follow-up (追评): once, by the author
    first = _as(line.order.buyer).post_json(
        f"/api/v1/buyer/product-reviews/{body['id']}/follow-up", {"text": "用了一个月，依然保温"}
    )
    assert first.status_code == 201, first.content
    assert json.loads(first.content)["follow_up"]["text"] == "用了一个月，依然保温"
    second = _as(line.order.buyer).post_json(
        f"/api/v1/buyer/product-reviews/{body['id']}/follow-up", {"text": "再补充一句"}
    )
    assert second.status_code == 409 and json.loads(second.content)["code"] == "already_followed_up"


@pytest.mark.req("R4.3.2")
def test_compliance_blocked_text_is_refused_and_review_findings_wait_for_moderation() -> None:
    merchant, _owner = make_merchant()
    line = reviewable_line(merchant)
    blocked = _review(line, text="这是全网最好的杯子")
    assert blocked.status_code == 422, blocked.content
    problem = json.loads(blocked.content)
    assert problem["code"] == "compliance_blocked"
    assert [f["rule"] for f in problem["findings"]] == ["AD9-3-SUPERLATIVE-ZUI"]
    assert ProductReview.objects.unscoped(reason="test").count() == 0
    # a review finding: stored, not shown, queued for content operations
    queued = _review(line, text="纯天然无添加，很放心")
    assert queued.status_code == 201, queued.content
    review_id = json.loads(queued.content)["id"]
    assert json.loads(queued.content)["status"] == "pending"
    assert _reviews_of(_product_id(line)) == []
    content_ops = make_staff("content_ops")
    queue = json.loads(_as(content_ops).get_json("/api/v1/content/moderation").content)["items"]
    assert [(row["kind"], row["id"]) for row in queue] == [("review", review_id)]
    assert [f["rule"] for f in queue[0]["findings"]] == ["AD28-NATURAL"]
    approved = _as(content_ops).post_json(f"/api/v1/content/moderation/review/{review_id}/approve", {})
    assert approved.status_code == 200 and json.loads(approved.content)["status"] == "visible"
    assert [r["id"] for r in _reviews_of(_product_id(line))] == [review_id]
    # the merchant cannot moderate
    _merchant, owner = make_merchant()
    denied = _as(owner).post_json(f"/api/v1/content/moderation/review/{review_id}/hide", {"reason": "x"})
    assert denied.status_code == 403


@pytest.mark.req("R4.3.2")
def test_hiding_keeps_the_row_tells_the_author_and_is_audited() -> None:
    merchant, _owner = make_merchant()
    line = reviewable_line(merchant)
    review_id = json.loads(_review(line).content)["id"]
    content_ops = make_staff("content_ops")
    hidden = _as(content_ops).post_json(
        f"/api/v1/content/moderation/review/{review_id}/hide", {"reason": "含有他人联系方式"}
    )
    assert hidden.status_code == 200, hidden.content
    assert json.loads(hidden.content) == {
        "kind": "review",
        "id": review_id,
        "status": "hidden",
        "hidden_reason": "含有他人联系方式",
    }
    row = ProductReview.objects.unscoped(reason="test").get(pk=review_id)
    assert (row.status, row.hidden_reason, row.text) == ("hidden", "含有他人联系方式", GOOD)
    assert _reviews_of(_product_id(line)) == []
    notices = json.loads(_as(line.order.buyer).get_json("/api/v1/me/moderation-notices").content)["items"]
    assert [(n["kind"], n["object_id"], n["reason"], n["read_at"]) for n in notices] == [
        ("review", review_id, "含有他人联系方式", None)
    ]
    # nobody else reads it
    assert json.loads(_as(make_buyer()).get_json("/api/v1/me/moderation-notices").content)["items"] == []
    assert ModerationNotice.objects.count() == 1
    event = AuditEvent.objects.get(action="product_reviews.review_hide")
    assert event.actor_id == content_ops.pk and event.object_id == str(review_id)
    # the author still sees it, with the reason
    mine = json.loads(_as(line.order.buyer).get_json("/api/v1/buyer/product-reviews").content)["items"]
    assert [(r["id"], r["status"], r["hidden_reason"]) for r in mine] == [
        (review_id, "hidden", "含有他人联系方式")
    ]
    twice = _as(content_ops).post_json(
        f"/api/v1/content/moderation/review/{review_id}/hide", {"reason": "再次"}
    )
    assert twice.status_code == 409


def _review_points(merchant_id: int, product_id: int) -> bool:
    missing = product_quality(merchant_id=merchant_id, product_id=product_id)["missing"]
    return "reviews" not in [item["code"] for item in missing]


@pytest.mark.req("R4.3.2")
def test_the_quality_score_counts_visible_reviews_only() -> None:
    merchant, _owner = make_merchant()
    line = reviewable_line(merchant)
    product_id = _product_id(line)
    before = product_quality(merchant_id=merchant.pk, product_id=product_id)["score"]
    assert not _review_points(merchant.pk, product_id)
    review_id = json.loads(_review(line).content)["id"]
    assert _review_points(merchant.pk, product_id)
    assert product_quality(merchant_id=merchant.pk, product_id=product_id)["score"] == before + 6
    _as(make_staff("content_ops")).post_json(
        f"/api/v1/content/moderation/review/{review_id}/hide", {"reason": "与商品无关"}
    )
    assert not _review_points(merchant.pk, product_id)
    assert product_quality(merchant_id=merchant.pk, product_id=product_id)["score"] == before


@pytest.mark.req("R3.2.3")
def test_visible_reviews_feed_the_review_report_and_the_product_score(
    events: Any, django_capture_on_commit_callbacks: Any
) -> None:
    merchant, _owner = make_merchant()
    first = reviewable_line(merchant)
    product_id = _product_id(first)
    product = Product.objects.for_merchant(merchant.pk).get(pk=product_id)
    second = reviewable_line(merchant, product=product)
    third = reviewable_line(merchant, product=product)
    with django_capture_on_commit_callbacks(execute=True):
        assert _review(first, rating=5).status_code == 201
        assert _review(second, rating=1, text="杯盖漏水，很失望").status_code == 201
        # pending: not counted until approved
        assert _review(third, rating=2, text="纯天然无添加？不保温").status_code == 201
    assert product_score(product_id=product_id) == ProductScore(
        product_id=product_id, count=2, mean_rating=3.0, negative=1, negative_share=0.5
    )
    today = timezone.localdate()
    report = behaviour.review_report(start=today - timedelta(days=1), end=today + timedelta(days=1))
    assert report["reviews"] == 2
    assert [row["reviews"] for row in report["histogram"]] == [1, 0, 0, 0, 1]
    assert [(n["spu"], n["content"]) for n in report["latest_negative"]] == [
        (second.sku_code, "杯盖漏水，很失望")
    ]
    score = json.loads(ApiClient().get_json(f"/api/v1/products/{product_id}/review-score").content)
    assert score == {
        "product_id": product_id,
        "count": 2,
        "mean_rating": 3.0,
        "negative": 1,
        "negative_share": 0.5,
    }


@pytest.mark.req("R4.3.2")
def test_a_store_replies_only_to_reviews_of_its_own_products() -> None:
    merchant_a, owner_a = make_merchant()
    _merchant_b, owner_b = make_merchant()
    line = reviewable_line(merchant_a)
    review_id = json.loads(_review(line).content)["id"]
    foreign = _as(owner_b).post_json(
        f"/api/v1/merchant/product-reviews/{review_id}/reply", {"text": "感谢支持"}
    )
    assert foreign.status_code == 404
    assert ReviewReply.objects.unscoped(reason="test").count() == 0
    assert json.loads(_as(owner_b).get_json("/api/v1/merchant/product-reviews").content)["items"] == []
    own = _as(owner_a).post_json(f"/api/v1/merchant/product-reviews/{review_id}/reply", {"text": "感谢支持"})
    assert own.status_code == 201, own.content
    again = _as(owner_a).post_json(f"/api/v1/merchant/product-reviews/{review_id}/reply", {"text": "再谢"})
    assert again.status_code == 409
    public = _reviews_of(_product_id(line))
    assert public[0]["reply"]["text"] == "感谢支持"


@pytest.mark.req("R4.3.2")
def test_questions_are_answered_by_the_store_or_by_buyers_who_bought() -> None:
    merchant, owner = make_merchant()
    line = reviewable_line(merchant)
    product_id = _product_id(line)
    asked = _as(make_buyer()).post_json(f"/api/v1/products/{product_id}/questions", {"text": "能装开水吗？"})
    assert asked.status_code == 201, asked.content
    question_id = json.loads(asked.content)["id"]
    outsider = _as(make_buyer()).post_json(f"/api/v1/product-questions/{question_id}/answers", {"text": "能"})
    assert outsider.status_code == 403 and json.loads(outsider.content)["code"] == "not_a_buyer_of_product"
    _other, other_owner = make_merchant()
    assert (
        _as(other_owner)
        .post_json(f"/api/v1/product-questions/{question_id}/answers", {"text": "能"})
        .status_code
        == 404
    )
    assert (
        _as(line.order.buyer)
        .post_json(f"/api/v1/product-questions/{question_id}/answers", {"text": "可以，我天天装"})
        .status_code
        == 201
    )
    assert (
        _as(owner)
        .post_json(f"/api/v1/product-questions/{question_id}/answers", {"text": "可以装100度开水"})
        .status_code
        == 201
    )
    qa = json.loads(ApiClient().get_json(f"/api/v1/products/{product_id}/questions").content)["items"]
    assert [(a["by_merchant"], a["text"]) for a in qa[0]["answers"]] == [
        (True, "可以装100度开水"),
        (False, "可以，我天天装"),
    ]


def _png(width: int = 240, height: int = 240) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * width * 3 for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_pictures_are_validated_capped_at_six_and_served_for_visible_reviews() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    merchant, _owner = make_merchant()
    line = reviewable_line(merchant)
    review_id = json.loads(_review(line).content)["id"]
    buyer = _as(line.order.buyer)

    def upload(content: bytes) -> Any:
        return buyer.post(
            f"/api/v1/buyer/product-reviews/{review_id}/pictures",
            {"file": SimpleUploadedFile("p.png", content, content_type="image/png")},
            headers={"Authorization": f"Bearer {buyer.token}"},
        )

    small = upload(_png(100, 100))
    assert small.status_code == 422 and json.loads(small.content)["errors"][0]["code"] == "too_small"
    for _ in range(6):
        assert upload(_png()).status_code == 201
    seventh = upload(_png())
    assert seventh.status_code == 422 and json.loads(seventh.content)["errors"][0]["code"] == "too_many"
    pictures = _reviews_of(_product_id(line))[0]["pictures"]
    assert [(p["width"], p["height"]) for p in pictures] == [(240, 240)] * 6
    served = ApiClient().get(pictures[0]["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    # another buyer cannot add to it
    other = _as(make_buyer())
    assert (
        other.post(
            f"/api/v1/buyer/product-reviews/{review_id}/pictures",
            {"file": SimpleUploadedFile("p.png", _png(), content_type="image/png")},
            headers={"Authorization": f"Bearer {other.token}"},
        ).status_code
        == 404
    )


def test_the_follow_up_closes_after_180_days() -> None:
    from mallops.core.errors import DomainError
    from mallops.product_reviews.services import follow_up_create

    merchant, _owner = make_merchant()
    line = reviewable_line(merchant)
    review = ProductReview.objects.unscoped(reason="test").get(pk=json.loads(_review(line).content)["id"])
    with pytest.raises(DomainError) as refused:
        follow_up_create(
            actor=actor_of(line.order.buyer),
            review_id=review.pk,
            text="补充",
            now=review.created_at + timedelta(days=180, seconds=1),
        )
    assert refused.value.code == "follow_up_closed"
