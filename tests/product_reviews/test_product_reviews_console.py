"""Console pages of product reviews: the moderation queue (content operations) and the merchant centre's
商品评价 with its reply form, in zh-hans words."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from product_reviews_support import reviewable_line

from mallops.product_reviews.models import ModerationNotice, ProductReview, ReviewReply
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.mark.req("R4.3.2")
def test_content_ops_hide_a_queued_review_in_the_console_and_the_store_replies() -> None:
    merchant, owner = make_merchant()
    line = reviewable_line(merchant)
    created = ApiClient(token=token_for(line.order.buyer)).post_json(
        "/api/v1/buyer/product-reviews",
        {"order_line_id": line.pk, "rating": 3, "text": "纯天然无添加，还行"},
    )
    review_id = json.loads(created.content)["id"]
    ops = _client(make_staff("content_ops"))
    page = ops.get("/reviews/moderation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "纯天然无添加，还行" in html and "内容合规" in html and "pending" not in html
    assert _client(owner).get("/reviews/moderation/").status_code == 403
    hidden = ops.post(f"/reviews/moderation/review/{review_id}/hide/", {"reason": "夸大宣传"})
    assert hidden.status_code == 302
    row = ProductReview.objects.unscoped(reason="test").get(pk=review_id)
    assert (row.status, row.hidden_reason) == ("hidden", "夸大宣传")
    assert ModerationNotice.objects.filter(recipient=line.order.buyer, object_id=review_id).count() == 1
    # the store's page lists it (in words) and takes a reply
    store = _client(owner)
    listing = store.get("/reviews/store/").content.decode()
    assert "纯天然无添加，还行" in listing and "已隐藏" in listing
    assert store.post(f"/reviews/store/{review_id}/reply/", {"text": "感谢反馈"}).status_code == 302
    assert ReviewReply.objects.for_merchant(merchant.pk).get(review_id=review_id).text == "感谢反馈"
    assert _client(make_staff("content_ops")).get("/reviews/store/").status_code == 403
