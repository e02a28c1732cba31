"""Issue 20: content operations hide a text that was published straight away (a reason from the list plus
a note, the author told, audited, the row kept) and show it again (audited); the quality score and the
product score read the visible state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from product_reviews_support import reviewable_line

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.product_reviews import selectors, services
from mallops.product_reviews.models import ModerationNotice, ProductReview
from mallops.review.selectors import product_quality
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("events")]  # an analytics store of its own

GOOD = "保温效果不错，包装完整，物流很快"


def _published_review() -> tuple[Any, int, int]:
    merchant, _owner = make_merchant()
    line = reviewable_line(merchant)
    created = ApiClient(token=token_for(line.order.buyer)).post_json(
        "/api/v1/buyer/product-reviews", {"order_line_id": line.pk, "rating": 1, "text": GOOD}
    )
    assert created.status_code == 201, created.content
    body = json.loads(created.content)
    assert body["status"] == "visible"
    line.item.refresh_from_db()
    sku = line.item.catalogue_sku
    assert sku is not None
    return line, int(body["id"]), int(sku.product_id)


def _reviews_missing(merchant_id: int, product_id: int) -> bool:
    missing = product_quality(merchant_id=merchant_id, product_id=product_id)["missing"]
    return "reviews" in [item["code"] for item in missing]


@pytest.mark.req("R4.3.2")
def test_a_published_review_is_hidden_then_shown_again_and_the_scores_follow() -> None:
    line, review_id, product_id = _published_review()
    merchant_id = line.merchant_id
    ops = make_staff("content_ops")
    assert [r.pk for r in selectors.published_items(actor=ops, kind="review")] == [review_id]
    assert selectors.product_score(product_id=product_id).count == 1
    assert not _reviews_missing(merchant_id, product_id)

    services.moderation_hide(
        actor=actor_of(ops), kind="review", object_id=review_id, reason="含有联系方式：微信号"
    )
    row = ProductReview.objects.unscoped(reason="test").get(pk=review_id)
    assert (row.status, row.hidden_reason, row.text, row.moderated_by_id) == (
        "hidden",
        "含有联系方式：微信号",
        GOOD,
        ops.pk,
    )
    notice = ModerationNotice.objects.get()
    assert (notice.recipient_id, notice.kind, notice.object_id, notice.reason) == (
        line.order.buyer_id,
        "review",
        review_id,
        "含有联系方式：微信号",
    )
    assert selectors.product_score(product_id=product_id).count == 0
    assert _reviews_missing(merchant_id, product_id)
    assert [r.pk for r in selectors.published_items(actor=ops, kind="review", status="hidden")] == [review_id]
    assert list(selectors.published_items(actor=ops, kind="review", status="visible")) == []

    services.moderation_restore(actor=actor_of(ops), kind="review", object_id=review_id)
    row.refresh_from_db()
    assert (row.status, row.hidden_reason) == ("visible", "")
    assert selectors.product_score(product_id=product_id).count == 1
    assert not _reviews_missing(merchant_id, product_id)
    restored = AuditEvent.objects.get(action="product_reviews.review_restore")
    assert restored.actor_id == ops.pk and restored.object_id == str(review_id)
    assert AuditEvent.objects.filter(action="product_reviews.review_hide").count() == 1
    # restoring a visible text, or anyone without content.manage, is refused
    with pytest.raises(DomainError) as twice:
        services.moderation_restore(actor=actor_of(ops), kind="review", object_id=review_id)
    assert twice.value.code == "illegal_transition"
    with pytest.raises(DomainError):
        services.moderation_restore(actor=actor_of(line.order.buyer), kind="review", object_id=review_id)


def test_console_hides_a_published_review_with_a_listed_reason_and_restores_it() -> None:
    line, review_id, _product_id = _published_review()
    ops = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    ops.force_login(make_staff("content_ops"))
    page = ops.get("/reviews/published/?kind=review")
    assert page.status_code == 200
    html = page.content.decode()
    assert GOOD in html and "与商品无关" in html and "data-confirm" in html and ">visible<" not in html
    owner_client = Client()
    owner_client.force_login(make_merchant()[1])
    assert owner_client.get("/reviews/published/").status_code == 403
    url = f"/reviews/published/review/{review_id}/hide/"
    # "other" needs a note
    assert ops.post(url, {"reason": "other"}).status_code == 302
    assert ProductReview.objects.unscoped(reason="test").get(pk=review_id).status == "visible"
    assert ops.post(url, {"reason": "advertising", "note": "引流到站外"}).status_code == 302
    row = ProductReview.objects.unscoped(reason="test").get(pk=review_id)
    assert (row.status, row.hidden_reason) == ("hidden", "广告或垃圾信息：引流到站外")
    assert ModerationNotice.objects.get().recipient_id == line.order.buyer_id
    listing = ops.get("/reviews/published/?kind=review&status=hidden").content.decode()
    assert "广告或垃圾信息：引流到站外" in listing and "恢复显示" in listing
    assert ops.post(f"/reviews/published/review/{review_id}/restore/").status_code == 302
    assert ProductReview.objects.unscoped(reason="test").get(pk=review_id).status == "visible"


@pytest.mark.req("R3.2.3")
def test_the_review_report_drops_a_hidden_review_and_counts_it_again_when_shown(
    events: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mallops.analytics import behaviour

    with django_capture_on_commit_callbacks(execute=True):
        _line, review_id, _product_id = _published_review()
    today = timezone.localdate()

    def reviews() -> tuple[int, list[str]]:
        report = behaviour.review_report(start=today - timedelta(days=1), end=today + timedelta(days=1))
        return report["reviews"], [row["content"] for row in report["latest_negative"]]

    assert reviews() == (1, [GOOD])
    ops = make_staff("content_ops")
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_hide(
            actor=actor_of(ops), kind="review", object_id=review_id, reason="含有联系方式"
        )
    assert reviews() == (0, [])
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_restore(actor=actor_of(ops), kind="review", object_id=review_id)
    assert reviews() == (1, [GOOD])
