"""HTTP API of product reviews and Q&A (mounted at /api/v1 with no prefix).

Buyers review their own delivered order lines, follow up once and add pictures; the public reads visible
reviews, the product score and Q&A; stores reply and answer on their own products; content operations
moderate. Tenancy fails closed: another store's review or question is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, HttpRequest
from ninja import Field, Router, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.core.inputs import Id, MultilineText, Schema, Text, multipart_files
from mallops.core.pagination import Pagination
from mallops.core.uploads import open_stored
from mallops.orders.permissions import require_buyer
from mallops.product_reviews import selectors, services
from mallops.product_reviews.models import MAX_TEXT, ProductReview
from mallops.risk.flows import request_context

router = Router(tags=["product reviews"], auth=api_auth)


class ProductReviewIn(Schema):
    order_line_id: Id
    rating: int = Field(..., ge=1, le=5)
    text: MultilineText = Field(..., min_length=1, max_length=MAX_TEXT)


class ReviewTextIn(Schema):
    # a default, so that another store's review is a 404 before the body is judged (the service says 422)
    text: MultilineText = Field("", max_length=MAX_TEXT)


class ProductQuestionIn(Schema):
    text: MultilineText = Field(..., min_length=1, max_length=MAX_TEXT)


class ModerationHideIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=services.MAX_REASON)


class ReviewPartOut(Schema):
    id: int
    text: str
    status: str
    created_at: datetime


class ReviewPictureOut(Schema):
    id: int
    url: str
    width: int
    height: int


class ProductReviewOut(Schema):
    id: int
    product_id: int | None
    sku_code: str
    rating: int
    text: str
    status: str
    created_at: datetime
    pictures: list[ReviewPictureOut]
    follow_up: ReviewPartOut | None
    reply: ReviewPartOut | None


class MyProductReviewOut(ProductReviewOut):
    order_line_id: int
    hidden_reason: str
    findings: list[dict[str, Any]]


class ProductScoreOut(Schema):
    product_id: int
    count: int
    mean_rating: float | None
    negative: int
    negative_share: float


class ProductAnswerOut(Schema):
    id: int
    text: str
    by_merchant: bool
    status: str
    created_at: datetime


class ProductQuestionOut(Schema):
    id: int
    product_id: int
    text: str
    status: str
    created_at: datetime
    answers: list[ProductAnswerOut]


class ModerationItemOut(Schema):
    kind: str
    id: int
    text: str
    merchant_id: int
    created_at: datetime
    rating: int | None
    findings: list[dict[str, Any]]


class ModerationResultOut(Schema):
    kind: str
    id: int
    status: str
    hidden_reason: str


class ModerationNoticeOut(Schema):
    id: int
    kind: str
    object_id: int
    reason: str
    excerpt: str
    created_at: datetime
    read_at: datetime | None


def _part(review: ProductReview, name: str) -> dict[str, Any] | None:
    try:
        part = getattr(review, name)
    except ObjectDoesNotExist:
        return None
    if part is None:
        return None
    return {"id": part.pk, "text": part.text, "status": part.status, "created_at": part.created_at}


def review_out(review: ProductReview, *, own: bool = False) -> dict[str, Any]:
    out = {
        "id": review.pk,
        "product_id": review.product_id,
        "sku_code": review.sku_code,
        "rating": review.rating,
        "text": review.text,
        "status": review.status,
        "created_at": review.created_at,
        "pictures": [
            {
                "id": p.pk,
                "url": f"/api/v1/product-reviews/{review.pk}/pictures/{p.pk}",
                "width": p.width,
                "height": p.height,
            }
            for p in review.pictures.all()
        ],
        "follow_up": _part(review, "follow_up"),
        "reply": _part(review, "reply"),
    }
    if own:
        out |= {
            "order_line_id": review.order_line_id,
            "hidden_reason": review.hidden_reason,
            "findings": review.findings,
        }
    return out


def _question_out(question: Any, *, new: bool = False) -> dict[str, Any]:
    """A question with its answers (prefetched by the selector; a question just asked has none)."""
    answers = [] if new else question.answers.all()
    return {
        "id": question.pk,
        "product_id": question.product_id,
        "text": question.text,
        "status": question.status,
        "created_at": question.created_at,
        "answers": [
            {
                "id": a.pk,
                "text": a.text,
                "by_merchant": a.by_merchant,
                "status": a.status,
                "created_at": a.created_at,
            }
            for a in answers
        ],
    }


def _reload(review_id: int, *, actor: Actor) -> dict[str, Any]:
    review = selectors.my_reviews(actor=actor).filter(pk=review_id).first()
    if review is None:
        raise not_found("review")
    return review_out(review, own=True)


# ---------------------------------------------------------------- buyers


@router.post(
    "/buyer/product-reviews",
    response={201: MyProductReviewOut},
    summary="Review a delivered order line (verified purchase; one review per line)",
)
def buyer_review_create(request: HttpRequest, payload: ProductReviewIn) -> Any:
    actor = request_actor(request)
    review = services.review_create(
        actor=actor,
        order_line_id=payload.order_line_id,
        rating=payload.rating,
        text=payload.text,
        context=request_context(request),
    )
    return Status(201, _reload(review.pk, actor=actor))


@router.post(
    "/buyer/product-reviews/{review_id}/follow-up",
    response={201: MyProductReviewOut},
    summary="Add the one follow-up review (within 180 days)",
)
def buyer_follow_up(request: HttpRequest, review_id: int, payload: ReviewTextIn) -> Any:
    actor = request_actor(request)
    services.follow_up_create(actor=actor, review_id=review_id, text=payload.text)
    return Status(201, _reload(review_id, actor=actor))


@router.post(
    "/buyer/product-reviews/{review_id}/pictures",
    response={201: MyProductReviewOut},
    summary="Add a picture to my review (multipart field 'file'; at most 6)",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            }
        }
    },
)
def buyer_picture_add(request: HttpRequest, review_id: int) -> Any:
    actor = request_actor(request)
    require_buyer(actor)
    _form, files = multipart_files(request)
    services.picture_add(actor=actor, review_id=review_id, upload=files.get("file"))
    return Status(201, _reload(review_id, actor=actor))


@router.get("/buyer/product-reviews", response=list[MyProductReviewOut], summary="My product reviews")
@paginate(Pagination)
def buyer_reviews(request: HttpRequest, **kwargs: Any) -> Any:
    actor = request_actor(request)
    require_buyer(actor)
    return [review_out(r, own=True) for r in selectors.my_reviews(actor=actor)]


@router.post(
    "/products/{product_id}/questions",
    response={201: ProductQuestionOut},
    summary="Ask a question about a product (问大家)",
)
def buyer_question_create(request: HttpRequest, product_id: int, payload: ProductQuestionIn) -> Any:
    actor = request_actor(request)
    question = services.question_create(actor=actor, product_id=product_id, text=payload.text)
    return Status(201, _question_out(question, new=True))


@router.post(
    "/product-questions/{question_id}/answers",
    response={201: ProductAnswerOut},
    summary="Answer a question (the product's store, or a buyer who bought the product)",
)
def answer_create(request: HttpRequest, question_id: int, payload: ReviewTextIn) -> Any:
    actor = request_actor(request)
    answer = services.answer_create(actor=actor, question_id=question_id, text=payload.text)
    return Status(
        201,
        {
            "id": answer.pk,
            "text": answer.text,
            "by_merchant": answer.by_merchant,
            "status": answer.status,
            "created_at": answer.created_at,
        },
    )


@router.get(
    "/me/moderation-notices",
    response=list[ModerationNoticeOut],
    summary="Notices that content operations hid one of my texts, and why",
)
@paginate(Pagination)
def my_notices(request: HttpRequest, **kwargs: Any) -> Any:
    actor = request_actor(request)
    return selectors.my_notices(actor=actor)


@router.post(
    "/me/moderation-notices/{notice_id}/read",
    response=ModerationNoticeOut,
    summary="Mark a moderation notice read",
)
def my_notice_read(request: HttpRequest, notice_id: int) -> Any:
    actor = request_actor(request)
    return services.notice_read(actor=actor, notice_id=notice_id)


# ---------------------------------------------------------------- public


@router.get(
    "/products/{product_id}/reviews",
    response=list[ProductReviewOut],
    auth=None,
    summary="A product's visible reviews, newest first (optionally one rating)",
)
@paginate(Pagination)
def product_reviews(request: HttpRequest, product_id: int, rating: int | None = None, **kwargs: Any) -> Any:
    return [review_out(r) for r in selectors.product_reviews(product_id=product_id, rating=rating)]


@router.get(
    "/products/{product_id}/review-score",
    response=ProductScoreOut,
    auth=None,
    summary="Mean rating, count and share of negative reviews (rating ≤ 2) of the visible reviews",
)
def product_score(request: HttpRequest, product_id: int) -> Any:
    return selectors.product_score(product_id=product_id)


@router.get(
    "/products/{product_id}/questions",
    response=list[ProductQuestionOut],
    auth=None,
    summary="A product's visible questions and answers (问大家)",
)
@paginate(Pagination)
def product_questions(request: HttpRequest, product_id: int, **kwargs: Any) -> Any:
    return [_question_out(q) for q in selectors.product_questions(product_id=product_id)]


@router.get(
    "/product-reviews/{review_id}/pictures/{picture_id}",
    auth=None,
    summary="A picture of a visible review",
    response={200: None},
)
def review_picture(request: HttpRequest, review_id: int, picture_id: int) -> Any:
    picture = selectors.public_picture(review_id=review_id, picture_id=picture_id)
    if picture is None:
        raise not_found("picture")
    return FileResponse(open_stored(picture.file), content_type=picture.content_type)


# ---------------------------------------------------------------- stores


@router.get(
    "/merchant/product-reviews",
    response=list[ProductReviewOut],
    summary="My store's product reviews (every status; filter by status, replied=yes|no)",
)
@paginate(Pagination)
def merchant_reviews(request: HttpRequest, status: str = "", replied: str = "", **kwargs: Any) -> Any:
    actor = request_actor(request)
    return [review_out(r) for r in selectors.store_reviews(actor=actor, status=status, replied=replied)]


@router.post(
    "/merchant/product-reviews/{review_id}/reply",
    response={201: ReviewPartOut},
    summary="Reply to a review of my store's product (one reply)",
)
def merchant_reply(request: HttpRequest, review_id: int, payload: ReviewTextIn) -> Any:
    actor = request_actor(request)
    reply = services.reply_create(actor=actor, review_id=review_id, text=payload.text)
    return Status(
        201, {"id": reply.pk, "text": reply.text, "status": reply.status, "created_at": reply.created_at}
    )


@router.get(
    "/merchant/product-questions",
    response=list[ProductQuestionOut],
    summary="Questions about my store's products, with every answer",
)
@paginate(Pagination)
def merchant_questions(request: HttpRequest, **kwargs: Any) -> Any:
    actor = request_actor(request)
    return [_question_out(q) for q in selectors.store_questions(actor=actor)]


# ---------------------------------------------------------------- content operations


@router.get(
    "/content/moderation",
    response=list[ModerationItemOut],
    summary="Texts waiting for moderation (kind: review, follow_up, reply, question, answer)",
)
@paginate(Pagination)
def moderation_queue(request: HttpRequest, kind: str = "", **kwargs: Any) -> Any:
    actor = request_actor(request)
    return selectors.moderation_queue(actor=actor, kind=kind)


def _result(kind: str, item: Any) -> dict[str, Any]:
    return {"kind": kind, "id": item.pk, "status": item.status, "hidden_reason": item.hidden_reason}


@router.post(
    "/content/moderation/{kind}/{object_id}/approve",
    response=ModerationResultOut,
    summary="Publish a text waiting for moderation",
)
def moderation_approve(request: HttpRequest, kind: str, object_id: int) -> Any:
    actor = request_actor(request)
    item = services.moderation_approve(actor=actor, kind=kind, object_id=object_id)
    return _result(kind, item)


@router.post(
    "/content/moderation/{kind}/{object_id}/hide",
    response=ModerationResultOut,
    summary="Hide a text with a reason (kept, never deleted; the author is told)",
)
def moderation_hide(request: HttpRequest, kind: str, object_id: int, payload: ModerationHideIn) -> Any:
    actor = request_actor(request)
    item = services.moderation_hide(actor=actor, kind=kind, object_id=object_id, reason=payload.reason)
    return _result(kind, item)
