"""Reads of product reviews and Q&A, always scoped: public reads show visible rows only, the store reads
its own rows, content operations need ``content.manage``, authors read their own."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.product_reviews.contracts import ProductScore
from mallops.product_reviews.models import (
    NEGATIVE_MAX_RATING,
    ModerationNotice,
    ProductAnswer,
    ProductQuestion,
    ProductReview,
    ReviewFollowUp,
    ReviewPicture,
    ReviewReply,
    Visibility,
)
from mallops.product_reviews.services import KINDS, MODERATE, store_of


def _public_reviews() -> QuerySet[ProductReview]:
    qs: QuerySet[ProductReview] = ProductReview.objects.unscoped(
        reason="public product reviews (visible only)"
    ).filter(status=Visibility.VISIBLE)
    return qs


def visible_review_count(*, product_id: int) -> int:
    """How many visible reviews the product has (the listing quality score's ``reviews`` item)."""
    return int(_public_reviews().filter(product_id=product_id).count())


def product_score(*, product_id: int) -> ProductScore:
    """Mean rating, count and share of negative reviews (rating ≤ 2) of the visible reviews."""
    row = (
        _public_reviews()
        .filter(product_id=product_id)
        .aggregate(
            count=Count("pk"),
            mean=Avg("rating"),
            negative=Count("pk", filter=Q(rating__lte=NEGATIVE_MAX_RATING)),
        )
    )
    count = int(row["count"] or 0)
    negative = int(row["negative"] or 0)
    return ProductScore(
        product_id=product_id,
        count=count,
        mean_rating=round(float(row["mean"]), 2) if count else None,
        negative=negative,
        negative_share=round(negative / count, 4) if count else 0.0,
    )


def _with_parts(qs: QuerySet[ProductReview], *, visible_only: bool) -> QuerySet[ProductReview]:
    parts = Q(status=Visibility.VISIBLE) if visible_only else Q()
    return (
        qs.select_related("author")
        .prefetch_related(
            Prefetch(
                "pictures",
                queryset=ReviewPicture.objects.unscoped(reason="pictures of reviews already scoped").order_by(
                    "position"
                ),
            ),
            Prefetch(
                "follow_up",
                queryset=ReviewFollowUp.objects.unscoped(
                    reason="follow-ups of reviews already scoped"
                ).filter(parts),
            ),
            Prefetch(
                "reply",
                queryset=ReviewReply.objects.unscoped(reason="replies of reviews already scoped").filter(
                    parts
                ),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def product_reviews(*, product_id: int, rating: int | None = None) -> QuerySet[ProductReview]:
    """A product's visible reviews, newest first, with their pictures and visible follow-up and reply."""
    qs = _public_reviews().filter(product_id=product_id)
    if rating is not None:
        qs = qs.filter(rating=rating)
    return _with_parts(qs, visible_only=True)


def public_picture(*, review_id: int, picture_id: int) -> ReviewPicture | None:
    picture: ReviewPicture | None = (
        ReviewPicture.objects.unscoped(reason="a picture of a visible review")
        .filter(pk=picture_id, review_id=review_id, review__status=Visibility.VISIBLE)
        .first()
    )
    return picture


def my_reviews(*, actor: Actor) -> QuerySet[ProductReview]:
    """The buyer's own reviews in every status (hidden ones with their reason)."""
    qs = ProductReview.objects.unscoped(reason="a buyer's own reviews").filter(author_id=actor.pk)
    return _with_parts(qs, visible_only=False)


def store_reviews(*, actor: Actor, status: str = "", replied: str = "") -> QuerySet[ProductReview]:
    """The actor's store's reviews (every status), newest first."""
    qs = ProductReview.objects.for_merchant(store_of(actor))
    if status:
        qs = qs.filter(status=status)
    if replied in ("yes", "no"):
        qs = qs.filter(reply__isnull=replied == "no")
    return _with_parts(qs, visible_only=False)


def product_questions(*, product_id: int) -> QuerySet[ProductQuestion]:
    """A product's visible questions with their visible answers (the store's first)."""
    qs: QuerySet[ProductQuestion] = (
        ProductQuestion.objects.unscoped(reason="public Q&A (visible only)")
        .filter(product_id=product_id, status=Visibility.VISIBLE)
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=ProductAnswer.objects.unscoped(reason="answers of visible questions")
                .filter(status=Visibility.VISIBLE)
                .order_by("-by_merchant", "created_at", "pk"),
            )
        )
        .order_by("-created_at", "-pk")
    )
    return qs


def store_questions(*, actor: Actor) -> QuerySet[ProductQuestion]:
    """The actor's store's questions (every status) with every answer."""
    qs: QuerySet[ProductQuestion] = (
        ProductQuestion.objects.for_merchant(store_of(actor))
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=ProductAnswer.objects.unscoped(reason="answers of the store's questions").order_by(
                    "created_at", "pk"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )
    return qs


def moderation_queue(*, actor: Actor, kind: str = "") -> list[dict[str, Any]]:
    """Every ``pending`` text of every store, oldest first: ``{kind, id, text, merchant, created_at,
    findings, item}`` (needs ``content.manage``)."""
    require_permission(actor, MODERATE)
    rows: list[dict[str, Any]] = []
    for name, model in KINDS.items():
        if kind and kind != name:
            continue
        items = (
            model.objects.for_platform(actor, MODERATE)
            .filter(status=Visibility.PENDING)
            .select_related("merchant")
            .order_by("created_at", "pk")
        )
        rows.extend(
            {
                "kind": name,
                "id": item.pk,
                "text": item.text,
                "merchant_id": item.merchant_id,
                "merchant": item.merchant.name,
                "created_at": item.created_at,
                "findings": item.findings,
                "rating": getattr(item, "rating", None),
            }
            for item in items
        )
    rows.sort(key=lambda row: (row["created_at"], row["kind"], row["id"]))
    return rows


def my_notices(*, actor: Actor) -> QuerySet[ModerationNotice]:
    """The actor's notices of hidden texts, newest first."""
    return ModerationNotice.objects.filter(recipient_id=actor.pk).order_by("-created_at", "-pk")


def pending_items(*, actor: Actor, kind: str) -> QuerySet[Any]:
    """The ``pending`` texts of one kind, for the console's moderation queue (needs ``content.manage``)."""
    model = KINDS.get(kind, ProductReview)
    qs: QuerySet[Any] = (
        model.objects.for_platform(actor, MODERATE)
        .filter(status=Visibility.PENDING)
        .select_related("merchant")
    )
    return qs


def pending_counts(*, actor: Actor) -> dict[str, int]:
    """How many texts of each kind wait for moderation."""
    return {
        name: int(model.objects.for_platform(actor, MODERATE).filter(status=Visibility.PENDING).count())
        for name, model in KINDS.items()
    }


def live_store_replies() -> QuerySet[ReviewReply]:
    """Every store's reply to a review that buyers see now, for the compliance self-inspection (R7.1.2).
    A platform job: it reads every store, so it goes unscoped and says why."""
    rows: QuerySet[ReviewReply] = (
        ReviewReply.objects.unscoped(reason="compliance self-inspection")
        .filter(status=Visibility.VISIBLE)
        .order_by("pk")
    )
    return rows


PUBLISHED = (Visibility.VISIBLE, Visibility.HIDDEN)


def published_items(*, actor: Actor, kind: str, status: str = "") -> QuerySet[Any]:
    """The published texts of one kind (shown to buyers, or hidden after publication), for content
    operations to hide or restore in the console (needs ``content.manage``)."""
    model = KINDS.get(kind, ProductReview)
    statuses = [status] if status in PUBLISHED else list(PUBLISHED)
    qs: QuerySet[Any] = (
        model.objects.for_platform(actor, MODERATE).filter(status__in=statuses).select_related("merchant")
    )
    return qs
