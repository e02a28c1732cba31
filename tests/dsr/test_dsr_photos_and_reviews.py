"""Data-subject requests cover the buyer's after-sales photos and product reviews (pictures, follow-ups,
Q&A): the export lists them, the erasure deletes the files and rows the law allows (``dsr.sources``,
``dsr.reviews``)."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.aftersales import photos
from mallops.aftersales.models import AfterSalesRequest, RequestPhoto
from mallops.aftersales.services import LineIn, request_create
from mallops.core.uploads import media_storage
from mallops.dsr import requests as dsr
from mallops.orders.models import Order, OrderLine
from mallops.product_reviews.models import (
    ModerationNotice,
    ProductQuestion,
    ProductReview,
    ReviewFollowUp,
    ReviewPicture,
)
from mallops.testing.aftersales import delivered_order
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for

pytestmark = pytest.mark.django_db


def _png(side: int = 200) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * side * 3 for _ in range(side)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _request_with_photo(buyer: Any, merchant: Any, *, completed_days_ago: int) -> tuple[Any, RequestPhoto]:
    order = delivered_order(merchant, buyer=buyer)
    line = order.lines.unscoped(reason="test").order_by("pk").first()
    assert line is not None
    req = request_create(
        actor=actor_of(buyer),
        order_id=order.pk,
        kind="refund",
        classification="product",
        reason="有划痕",
        lines=[LineIn(line.pk, 1)],
    )
    photo = photos.request_photo_add(
        actor=actor_of(buyer),
        request_id=req.pk,
        upload=SimpleUploadedFile("scratch.png", _png(), content_type="image/png"),
    )
    Order.objects.unscoped(reason="test").filter(pk=order.pk).update(
        completed_at=timezone.now() - timedelta(days=completed_days_ago)
    )
    return req, photo


def _review_with_picture(buyer: Any, merchant: Any) -> tuple[ProductReview, ReviewPicture]:
    order = delivered_order(merchant, buyer=buyer, lines=((2900, 1),), off_fen=0)
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    review = ProductReview.objects.create(
        merchant=merchant,
        author=buyer,
        order=order,
        order_line=line,
        sku_code=line.sku_code,
        rating=2,
        text="颜色和图片不一样",
        findings=[{"source": "compliance", "rule": "R", "text": "图片不一样", "severity": "review"}],
    )
    ReviewFollowUp.objects.create(merchant=merchant, author=buyer, review=review, text="用了一周掉色")
    name = media_storage.save(f"review-pictures/{buyer.pk}/a.png", ContentFile(_png()))
    picture = ReviewPicture.objects.create(
        merchant=merchant,
        review=review,
        file=name,
        content_type="image/png",
        width=200,
        height=200,
        size_bytes=media_storage.size(name),
        position=1,
    )
    return review, picture


def _complete(officer: Any, buyer: Any, kind: str) -> Any:
    response = ApiClient(token_for(buyer)).post_json("/api/v1/me/data-requests", {"kind": kind})
    assert response.status_code == 201, response.content
    return dsr.request_complete(actor=actor_of(officer), request_id=int(response.json()["id"]))


@pytest.mark.req("R7.3.3")
def test_export_lists_after_sales_photos_and_review_pictures(buyer: Any, officer: Any) -> None:
    # given an after-sales request with a photo, a review with a picture and a follow-up, a question
    merchant, _ = make_merchant()
    req, photo = _request_with_photo(buyer, merchant, completed_days_ago=10)
    review, picture = _review_with_picture(buyer, merchant)
    ProductQuestion.objects.create(
        merchant=merchant, author=buyer, product=_product(merchant), text="会缩水吗？"
    )

    # when the buyer's access request is completed
    row = _complete(officer, buyer, "access")

    # then the export lists each photo and picture with its file, order, date and a link
    data = json.loads(
        ApiClient(token_for(buyer)).get_json(f"/api/v1/me/data-requests/{row.pk}/export").content
    )
    assert "reviews" in [s["name"] for s in data["sources"]]
    [a] = data["aftersales"]["requests"]
    assert a["order"] == req.order.number
    assert a["photos"] == [
        {
            "file": photo.file.rsplit("/", 1)[-1],
            "content_type": "image/png",
            "size_bytes": photo.size_bytes,
            "added_at": photo.created_at.isoformat(),
            "link": f"/shop/me/aftersales/{req.pk}/photos/{photo.pk}/",
        }
    ]
    [r] = data["reviews"]["reviews"]
    assert (r["order"], r["rating"], r["text"], r["follow_up"]["text"]) == (
        review.order.number,
        2,
        "颜色和图片不一样",
        "用了一周掉色",
    )
    assert r["pictures"] == [
        {
            "file": "a.png",
            "content_type": "image/png",
            "size_bytes": picture.size_bytes,
            "order": review.order.number,
            "added_at": review.created_at.isoformat(),
            "link": f"/api/v1/product-reviews/{review.pk}/pictures/{picture.pk}",
        }
    ]
    assert [q["text"] for q in data["reviews"]["questions"]] == ["会缩水吗？"]


def _product(merchant: Any) -> Any:
    from mallops.catalogue.models import Category, Product

    return Product.objects.create(
        merchant=merchant, category=Category.objects.order_by("pk").first(), title="T恤"
    )


@pytest.mark.req("R7.3.3")
def test_erasure_deletes_photos_and_pictures_and_keeps_what_the_law_holds(
    buyer: Any, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a photo of a request whose order is kept (ECL Art. 31), one of an order past its 3 years,
    # and a review with a picture and a moderation notice
    merchant, _ = make_merchant()
    kept_req, kept_photo = _request_with_photo(buyer, merchant, completed_days_ago=30)
    old_req, old_photo = _request_with_photo(buyer, merchant, completed_days_ago=4 * 365)
    review, picture = _review_with_picture(buyer, merchant)
    ModerationNotice.objects.create(
        recipient=buyer, kind="review", object_id=review.pk, reason="x", excerpt="颜色"
    )

    # when the deletion request is completed (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        row = _complete(officer, buyer, "deletion")

    # then the old request's photo is gone (row and file); the kept one is frozen with its request
    assert list(RequestPhoto.objects.unscoped(reason="t").values_list("pk", flat=True)) == [kept_photo.pk]
    assert not media_storage.exists(old_photo.file) and media_storage.exists(kept_photo.file)
    assert row.result["frozen"]["aftersales"] == [f"AS{kept_req.pk}"]
    # the review keeps its row and rating (ECL Art. 39) and loses its texts and picture
    review.refresh_from_db()
    assert (review.rating, review.text, review.findings[0]["text"]) == (2, "[已删除]", "")
    assert ReviewFollowUp.objects.unscoped(reason="t").get(review=review).text == "[已删除]"
    assert not ReviewPicture.objects.unscoped(reason="t").exists() and not media_storage.exists(picture.file)
    assert not ModerationNotice.objects.filter(recipient=buyer).exists()
    assert "product_reviews.picture: 1" in row.result["erased"]
    assert AfterSalesRequest.objects.unscoped(reason="t").get(pk=old_req.pk).reason == "[已删除]"

    # when the hold ends, the release sweep deletes the kept photo too
    from mallops.core import sweeps
    from mallops.dsr.models import PersonalDataHold

    last = max(h.release_due_at or timezone.now() for h in PersonalDataHold.objects.filter(request=row))
    with django_capture_on_commit_callbacks(execute=True):
        sweeps.run_sweeper(sweeps.registered()["dsr.hold_release"], last + timedelta(days=1))
    assert not RequestPhoto.objects.unscoped(reason="t").exists() and not media_storage.exists(
        kept_photo.file
    )
