"""Export and erasure of the buyer's product reviews (商品评价), follow-ups (追评), review pictures (晒图) and
Q&A (问大家) texts, and the moderation notices sent to the buyer.

What an erasure does, and why:

* The **texts** the buyer published (review, follow-up, question, answer) are replaced by ``[已删除]`` and the
  matched spans in their stored findings are blanked; the **pictures** are deleted (rows and files, the files
  once the transaction commits); the moderation notices to the buyer are deleted. PIPL Art. 47(1)/(3): the
  purpose (publishing the buyer's opinion) ends with the buyer's request and the consent behind it.
* The **row and its rating** stay, tied to the anonymised account: ECL Art. 39 forbids the platform to delete
  consumers' reviews of goods (the credit evaluation must stay whole), and a rating without text or account
  identifies nobody. No hold is recorded: ECL Art. 31 keeps the goods and transaction information, which the
  order rows hold (frozen by the ``orders`` handler); a review is the buyer's opinion, not that record.

Product reviews registers this handler with dsr when it starts (``connect``, from
``ProductReviewsConfig.ready``); dsr, below it in the app graph, reads no review (moved from ``dsr.reviews``).
"""

from __future__ import annotations

from typing import Any

from mallops.dsr.exporters import Context, DataHandler, _iso
from mallops.dsr.sources import ERASED, delete_media_on_commit
from mallops.product_reviews.models import (
    ModerationNotice,
    ProductAnswer,
    ProductQuestion,
    ProductReview,
    ReviewFollowUp,
    ReviewPicture,
    Visibility,
)

REASON = "data-subject request of the buyer"


def _picture_entry(picture: Any, review: Any) -> dict[str, Any]:
    """A review picture: its file name, type, size, order and date, and the public link while the review is
    shown (a hidden or pending review's picture has no public link; the staff hand it over on request)."""
    visible = review.status == Visibility.VISIBLE
    return {
        "file": picture.file.rsplit("/", 1)[-1],
        "content_type": picture.content_type,
        "size_bytes": picture.size_bytes,
        "order": review.order.number,
        "added_at": _iso(review.created_at),
        "link": f"/api/v1/product-reviews/{review.pk}/pictures/{picture.pk}" if visible else None,
    }


def export_reviews(buyer: Any, ctx: Context) -> dict[str, Any]:
    reviews = list(
        ProductReview.objects.unscoped(reason=REASON)
        .filter(author=buyer)
        .select_related("order")
        .order_by("created_at", "pk")
    )
    ids = [r.pk for r in reviews]
    follow_ups = {
        f.review_id: f
        for f in ReviewFollowUp.objects.unscoped(reason=REASON).filter(review__in=ids, author=buyer)
    }
    pictures: dict[int, list[Any]] = {}
    for picture in (
        ReviewPicture.objects.unscoped(reason=REASON).filter(review__in=ids).order_by("position", "pk")
    ):
        pictures.setdefault(picture.review_id, []).append(picture)
    out = []
    for review in reviews:
        follow_up = follow_ups.get(review.pk)
        out.append(
            {
                "id": review.pk,
                "order": review.order.number,
                "sku": review.sku_code,
                "rating": review.rating,
                "text": review.text,
                "status": review.status,
                "created_at": _iso(review.created_at),
                "follow_up": None
                if follow_up is None
                else {
                    "text": follow_up.text,
                    "status": follow_up.status,
                    "created_at": _iso(follow_up.created_at),
                },
                "pictures": [_picture_entry(p, review) for p in pictures.get(review.pk, [])],
            }
        )
    questions = [
        {
            "id": q.pk,
            "product": q.product_id,
            "text": q.text,
            "status": q.status,
            "created_at": _iso(q.created_at),
        }
        for q in ProductQuestion.objects.unscoped(reason=REASON)
        .filter(author=buyer)
        .order_by("created_at", "pk")
    ]
    answers = [
        {
            "id": a.pk,
            "question": a.question_id,
            "text": a.text,
            "status": a.status,
            "created_at": _iso(a.created_at),
        }
        for a in ProductAnswer.objects.unscoped(reason=REASON)
        .filter(author=buyer, by_merchant=False)
        .order_by("created_at", "pk")
    ]
    return {"reviews": out, "questions": questions, "answers": answers}


def _blank_findings(findings: Any) -> list[Any]:
    return [{**f, "text": ""} if isinstance(f, dict) and "text" in f else f for f in findings or []]


def erase_reviews(buyer: Any, ctx: Context) -> dict[str, Any]:
    """Erase the buyer's published texts and pictures; keep each review's row and rating (module doc)."""
    erased: list[str] = []
    for model, label in (
        (ProductReview, "product_reviews.review"),
        (ReviewFollowUp, "product_reviews.follow_up"),
        (ProductQuestion, "product_reviews.question"),
        (ProductAnswer, "product_reviews.answer"),
    ):
        rows = list(
            model.objects.unscoped(reason=REASON).select_for_update().filter(author=buyer).order_by("pk")
        )
        for row in rows:
            row.text = ERASED
            row.findings = _blank_findings(row.findings)
        model.objects.unscoped(reason=REASON).bulk_update(rows, ["text", "findings"])
        if rows:
            erased.append(f"{label}: {len(rows)} texts")
    pictures = ReviewPicture.objects.unscoped(reason=REASON).filter(review__author=buyer)
    delete_media_on_commit(list(pictures.values_list("file", flat=True)))
    count, _ = pictures.delete()
    if count:
        erased.append(f"product_reviews.picture: {count}")
    notices, _ = ModerationNotice.objects.filter(recipient=buyer).delete()
    if notices:
        erased.append(f"product_reviews.notice: {notices}")
    return {"erased": erased}


def connect() -> None:
    from mallops.dsr.exporters import register

    register(
        DataHandler(
            "reviews",
            description="商品评价和问大家：评分、评价和追评文字、晒图、您的提问和回答",
            export=export_reviews,
            erase=erase_reviews,
        )
    )
