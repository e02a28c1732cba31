"""Writes of product reviews and Q&A: ``<entity>_<verb>(*, actor, ...)``, one audited transaction each.

Buyer reviews are assessed by the risk engine *before* their transaction (the assessment commits on its
own, so a refused attempt is still counted; see :mod:`mallops.risk.flows`). Every text first passes the
compliance engine (:func:`~mallops.product_reviews.moderation.screen_text`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from mallops.accounts.selectors import user_merchant_id
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record, audited
from mallops.catalogue.models import Product
from mallops.core.actors import Actor, ActorKind
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.core.uploads import EXTENSIONS, IMAGE_TYPES, inspect_upload, media_storage
from mallops.orders.models import Order, OrderLine, OrderStatus
from mallops.orders.permissions import require_buyer
from mallops.product_reviews import moderation
from mallops.product_reviews.analytics_feed import tracker
from mallops.product_reviews.errors import ProductReviewsCode
from mallops.product_reviews.models import (
    FOLLOW_UP_DAYS,
    MAX_PICTURES,
    MAX_TEXT,
    RATING_MAX,
    RATING_MIN,
    Moderated,
    ModerationNotice,
    ProductAnswer,
    ProductQuestion,
    ProductReview,
    ReviewFollowUp,
    ReviewPicture,
    ReviewReply,
    Visibility,
)
from mallops.risk.contracts import NO_CONTEXT, RiskContext

REVIEWABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
MODERATE = "content.manage"
STORE_REPLY = "store.service.handle"
MAX_PICTURE_BYTES = 5 * 1024 * 1024
MIN_PICTURE_SIDE = 200
MAX_REASON = 200

# what content operations moderate: the kind in the URL → the model
KINDS: dict[str, type[Moderated]] = {
    "review": ProductReview,
    "follow_up": ReviewFollowUp,
    "reply": ReviewReply,
    "question": ProductQuestion,
    "answer": ProductAnswer,
}


def _check_text(text: str, field: str = "text") -> str:
    cleaned = text.strip()
    if not cleaned:
        raise validation_error([FieldError(("body", field), "write something", "required")])
    if len(cleaned) > MAX_TEXT:
        raise validation_error([FieldError(("body", field), f"at most {MAX_TEXT} characters", "too_long")])
    return cleaned


def store_of(actor: Actor) -> int:
    """The actor's own store (merchant staff allowed to handle customer service); 404 for anyone else."""
    require_permission(actor, STORE_REPLY)
    merchant_id = user_merchant_id(actor)
    if merchant_id is None:
        raise not_found("merchant")
    return int(merchant_id)


def _product_of_line(line: OrderLine) -> int | None:
    sku = getattr(line.item, "catalogue_sku", None)
    return int(sku.product_id) if sku is not None else None


def _track_review(review: ProductReview, *, username: str | None = None) -> None:
    """Feed the review analytics once the review is visible (a stable uuid: counted once)."""
    analytics_track = tracker()

    if username is None:
        username = review.author.get_username()
    properties = {
        "score": review.rating,
        "content": review.text,
        "spu": review.sku_code,
        "product_id": review.product_id,
        "review_id": review.pk,
    }
    at = review.created_at

    transaction.on_commit(
        lambda: analytics_track(
            event="review",
            distinct_id=username,
            properties=properties,
            at=at,
            uuid=f"product_review:{review.pk}",
        )
    )


def _track_review_visibility(review: ProductReview, *, shown: bool) -> None:
    """Tell the review analytics that a review already counted was hidden (or shown again), so its report
    follows what buyers see; each change is its own event (a review can be hidden and shown many times)."""
    analytics_track = tracker()

    username = review.author.get_username()
    event = "review_shown" if shown else "review_hidden"
    at = timezone.now()
    uuid = f"product_review:{review.pk}:{event}:{int(at.timestamp() * 1_000_000)}"
    transaction.on_commit(
        lambda: analytics_track(
            event=event, distinct_id=username, properties={"review_id": review.pk}, at=at, uuid=uuid
        )
    )


# ---------------------------------------------------------------- buyer reviews


@dataclass(frozen=True)
class _Checked:
    line: OrderLine
    order: Order
    text: str
    screened: moderation.Screened


def _reviewable_line(*, actor: Actor, order_line_id: int) -> OrderLine:
    """The actor's own line of a delivered or completed order (404 for another buyer's line: its
    existence is not revealed; 409 ``not_delivered`` before delivery)."""
    require_buyer(actor)
    line: OrderLine | None = (
        OrderLine.objects.unscoped(reason="a buyer reviews a line of their own order")
        .select_related("order__checkout", "item__catalogue_sku")
        .filter(pk=order_line_id, order__buyer_id=actor.pk)
        .first()
    )
    if line is None:
        raise not_found("order line")
    if line.order.status not in REVIEWABLE:
        raise conflict(
            "Only a delivered or completed order can be reviewed.",
            code=ProductReviewsCode.NOT_DELIVERED,
            status=line.order.status,
        )
    return line


def review_create(
    *,
    actor: Actor,
    order_line_id: int,
    rating: int,
    text: str,
    context: RiskContext = NO_CONTEXT,
) -> ProductReview:
    """A verified-purchase review of one order line (one per line).

    Errors: 401/403 ``buyer_only``; 404 for a line that is not the actor's; 409 ``not_delivered``;
    409 ``already_reviewed``; 422 ``validation_error`` / ``compliance_blocked``; 403 ``risk_blocked``.
    The risk assessment runs before the transaction; a ``review`` verdict or compliance ``review``
    findings store the review as ``pending``. A visible review is sent to the analytics as ``review``.
    """
    errors = []
    if not RATING_MIN <= rating <= RATING_MAX:
        errors.append(FieldError(("body", "rating"), "a rating is 1 to 5", "out_of_range"))
    if errors:
        raise validation_error(errors)
    line = _reviewable_line(actor=actor, order_line_id=order_line_id)
    cleaned = _check_text(text)
    screened = moderation.screen_text(cleaned)
    if ProductReview.objects.for_merchant(line.merchant_id).filter(order_line_id=line.pk).exists():
        raise conflict("This order line has already been reviewed.", code=ProductReviewsCode.ALREADY_REVIEWED)
    verdict, reasons = moderation.review_risk(order=line.order, rating=rating, text=cleaned, context=context)
    status = Visibility.PENDING if verdict == "review" else screened.status
    with audited():
        if ProductReview.objects.for_merchant(line.merchant_id).filter(order_line_id=line.pk).exists():
            raise conflict(
                "This order line has already been reviewed.", code=ProductReviewsCode.ALREADY_REVIEWED
            )
        review = ProductReview(
            merchant_id=line.merchant_id,
            author_id=actor.user_id or 0,  # require_buyer: signed in
            order_id=line.order_id,
            order_line=line,
            product_id=_product_of_line(line),
            sku_code=line.sku_code,
            rating=rating,
            text=cleaned,
            status=status,
            findings=screened.findings + reasons,
        )
        review.full_clean(exclude=["author", "merchant", "order", "order_line", "product"])
        review.save()
        audit_record(
            actor=actor,
            action="product_reviews.review_create",
            obj=review,
            merchant_id=review.merchant_id,
            after={"order_line_id": line.pk, "rating": rating, "status": review.status},
        )
        if review.status == Visibility.VISIBLE:
            _track_review(review, username=actor.username)
    return review


def _own_review(*, actor: Actor, review_id: int, lock: bool = False) -> ProductReview:
    qs = ProductReview.objects.unscoped(reason="a buyer acts on their own review").filter(
        pk=review_id, author_id=actor.pk
    )
    if lock:
        qs = qs.select_for_update()
    review: ProductReview | None = qs.first()
    if review is None:
        raise not_found("review")
    return review


def follow_up_create(
    *, actor: Actor, review_id: int, text: str, now: datetime | None = None
) -> ReviewFollowUp:
    """追评: one per review, by its author, within 180 days of the review (409 ``follow_up_closed`` after,
    409 ``already_followed_up`` for a second one)."""
    require_buyer(actor)
    now = now or timezone.now()
    cleaned = _check_text(text)
    screened = moderation.screen_text(cleaned)
    with audited():
        review = _own_review(actor=actor, review_id=review_id, lock=True)
        if now > review.created_at + timedelta(days=FOLLOW_UP_DAYS):
            raise conflict(
                f"A follow-up review is possible within {FOLLOW_UP_DAYS} days.",
                code=ProductReviewsCode.FOLLOW_UP_CLOSED,
            )
        if ReviewFollowUp.objects.for_merchant(review.merchant_id).filter(review=review).exists():
            raise conflict(
                "This review already has a follow-up.", code=ProductReviewsCode.ALREADY_FOLLOWED_UP
            )
        follow_up: ReviewFollowUp = ReviewFollowUp.objects.create(
            merchant_id=review.merchant_id,
            author_id=actor.user_id,
            review=review,
            text=cleaned,
            status=screened.status,
            findings=screened.findings,
        )
        audit_record(
            actor=actor,
            action="product_reviews.follow_up_create",
            obj=follow_up,
            merchant_id=review.merchant_id,
            after={"review_id": review.pk, "status": follow_up.status},
        )
    return follow_up


def picture_add(*, actor: Actor, review_id: int, upload: File[Any] | None) -> ReviewPicture:
    """A picture of the review (JPEG, PNG or WebP judged by content, at most 5 MB, each side at least
    200 px, at most 6 per review); stored with the catalogue's media storage. 422 at ``body.file``."""
    require_buyer(actor)
    inspected, errors = inspect_upload(
        upload, allowed=IMAGE_TYPES, max_bytes=MAX_PICTURE_BYTES, min_side=MIN_PICTURE_SIDE
    )
    with audited():
        review = _own_review(actor=actor, review_id=review_id, lock=True)
        count = ReviewPicture.objects.for_merchant(review.merchant_id).filter(review=review).count()
        if count >= MAX_PICTURES:
            errors.append(
                FieldError(("body", "file"), f"a review has at most {MAX_PICTURES} pictures", "too_many")
            )
        if errors or inspected is None or upload is None:
            raise validation_error(errors)
        name = f"review-pictures/{review.merchant_id}/{uuid.uuid4().hex}.{EXTENSIONS[inspected.content_type]}"
        upload.seek(0)
        stored = str(media_storage.save(name, upload))
        try:
            picture: ReviewPicture = ReviewPicture.objects.create(
                merchant_id=review.merchant_id,
                review=review,
                file=stored,
                content_type=inspected.content_type,
                width=inspected.width,
                height=inspected.height,
                size_bytes=inspected.size_bytes,
                position=count,
            )
        except Exception:
            media_storage.delete(stored)
            raise
        audit_record(
            actor=actor,
            action="product_reviews.picture_add",
            obj=picture,
            merchant_id=review.merchant_id,
            after={"review_id": review.pk, "position": count},
        )
    return picture


# ---------------------------------------------------------------- the store's reply


def reply_create(*, actor: Actor, review_id: int, text: str) -> ReviewReply:
    """The store's one reply to a review of its own products (another store's review is a 404:
    tenancy fails closed); 409 ``already_replied``."""
    merchant_id = store_of(actor)
    if not ProductReview.objects.for_merchant(merchant_id).filter(pk=review_id).exists():
        raise not_found("review")  # another store's review is a 404 before the text is judged
    cleaned = _check_text(text)
    screened = moderation.screen_text(cleaned)
    with audited():
        review: ProductReview | None = (
            ProductReview.objects.for_merchant(merchant_id).select_for_update().filter(pk=review_id).first()
        )
        if review is None:
            raise not_found("review")
        if ReviewReply.objects.for_merchant(merchant_id).filter(review=review).exists():
            raise conflict("This review already has a reply.", code=ProductReviewsCode.ALREADY_REPLIED)
        reply: ReviewReply = ReviewReply.objects.create(
            merchant_id=merchant_id,
            author_id=actor.user_id,
            review=review,
            text=cleaned,
            status=screened.status,
            findings=screened.findings,
        )
        audit_record(
            actor=actor,
            action="product_reviews.reply_create",
            obj=reply,
            merchant_id=merchant_id,
            after={"review_id": review.pk, "status": reply.status},
        )
    return reply


# ---------------------------------------------------------------- Q&A


def _product(product_id: int) -> Product:
    product: Product | None = (
        Product.objects.unscoped(reason="a public product page's questions").filter(pk=product_id).first()
    )
    if product is None:
        raise not_found("product")
    return product


def bought_product(*, buyer_id: int, product_id: int) -> bool:
    """Whether the buyer has a delivered or completed order line of the product."""
    return bool(
        OrderLine.objects.unscoped(reason="did this buyer buy the product (Q&A answers)")
        .filter(
            order__buyer_id=buyer_id,
            order__status__in=REVIEWABLE,
            item__catalogue_sku__product_id=product_id,
        )
        .exists()
    )


def question_create(*, actor: Actor, product_id: int, text: str) -> ProductQuestion:
    """问大家: a signed-in buyer asks about a product."""
    require_buyer(actor)
    product = _product(product_id)
    cleaned = _check_text(text)
    screened = moderation.screen_text(cleaned)
    with audited():
        question: ProductQuestion = ProductQuestion.objects.create(
            merchant_id=product.merchant_id,
            author_id=actor.user_id,
            product=product,
            text=cleaned,
            status=screened.status,
            findings=screened.findings,
        )
        audit_record(
            actor=actor,
            action="product_reviews.question_create",
            obj=question,
            merchant_id=product.merchant_id,
            after={"product_id": product.pk, "status": question.status},
        )
    return question


def answer_create(*, actor: Actor, question_id: int, text: str) -> ProductAnswer:
    """An answer by the product's store (its staff handling customer service) or by a buyer who bought
    the product (403 ``not_a_buyer_of_product`` otherwise). A question of another store, or one not
    visible, is a 404 for the store."""
    by_merchant = actor.kind == ActorKind.MERCHANT
    if by_merchant:
        merchant_id = store_of(actor)
        question: ProductQuestion | None = (
            ProductQuestion.objects.for_merchant(merchant_id).filter(pk=question_id).first()
        )
    else:
        require_buyer(actor)
        question = (
            ProductQuestion.objects.unscoped(reason="buyers answer visible questions")
            .filter(pk=question_id, status=Visibility.VISIBLE)
            .first()
        )
    if question is None:
        raise not_found("question")
    if not by_merchant and not bought_product(buyer_id=actor.user_id or 0, product_id=question.product_id):
        raise DomainError(
            detail="Only buyers who bought the product can answer.",
            code=ProductReviewsCode.NOT_A_BUYER_OF_PRODUCT,
            status=403,
            title="Forbidden",
        )
    cleaned = _check_text(text)
    screened = moderation.screen_text(cleaned)
    with audited():
        answer: ProductAnswer = ProductAnswer.objects.create(
            merchant_id=question.merchant_id,
            author_id=actor.user_id,
            question=question,
            by_merchant=by_merchant,
            text=cleaned,
            status=screened.status,
            findings=screened.findings,
        )
        audit_record(
            actor=actor,
            action="product_reviews.answer_create",
            obj=answer,
            merchant_id=question.merchant_id,
            after={"question_id": question.pk, "by_merchant": by_merchant, "status": answer.status},
        )
    return answer


# ---------------------------------------------------------------- moderation


def _moderated(kind: str, object_id: int) -> Moderated:
    model = KINDS.get(kind)
    if model is None:
        raise not_found("item")
    item: Moderated | None = (
        model.objects.unscoped(reason="content operations moderate every store's texts")
        .select_for_update()
        .filter(pk=object_id)
        .first()
    )
    if item is None:
        raise not_found("item")
    return item


def _after_visible(item: Moderated) -> None:
    if isinstance(item, ProductReview):
        _track_review(item)


def moderation_approve(*, actor: Actor, kind: str, object_id: int) -> Moderated:
    """Content operations publish a ``pending`` text (409 ``illegal_transition`` from another status)."""
    require_permission(actor, MODERATE)
    with audited():
        item = _moderated(kind, object_id)
        if item.status != Visibility.PENDING:
            raise conflict(
                f"A text in status {item.status!r} cannot be approved.",
                code=ProductReviewsCode.ILLEGAL_TRANSITION,
                status=item.status,
            )
        item.status = Visibility.VISIBLE
        item.moderated_by_id, item.moderated_at = actor.user_id, timezone.now()
        item.save(update_fields=["status", "moderated_by", "moderated_at"])
        audit_record(
            actor=actor,
            action=f"product_reviews.{kind}_approve",
            obj=item,
            merchant_id=item.merchant_id,
            before={"status": Visibility.PENDING},
            after={"status": item.status},
        )
        _after_visible(item)
    return item


def moderation_hide(*, actor: Actor, kind: str, object_id: int, reason: str) -> Moderated:
    """Hide a text with a reason (the row stays; 409 ``illegal_transition`` when already hidden) and
    leave the author a :class:`ModerationNotice`."""
    require_permission(actor, MODERATE)
    cleaned = reason.strip()
    if not cleaned:
        raise validation_error([FieldError(("body", "reason"), "say why the text is hidden", "required")])
    if len(cleaned) > MAX_REASON:
        raise validation_error(
            [FieldError(("body", "reason"), f"at most {MAX_REASON} characters", "too_long")]
        )
    with audited():
        item = _moderated(kind, object_id)
        if item.status == Visibility.HIDDEN:
            raise conflict(
                "The text is already hidden.", code=ProductReviewsCode.ILLEGAL_TRANSITION, status=item.status
            )
        before = item.status
        item.status, item.hidden_reason = Visibility.HIDDEN, cleaned
        item.moderated_by_id, item.moderated_at = actor.user_id, timezone.now()
        item.save(update_fields=["status", "hidden_reason", "moderated_by", "moderated_at"])
        ModerationNotice.objects.create(
            recipient_id=item.author_id, kind=kind, object_id=item.pk, reason=cleaned, excerpt=item.text[:60]
        )
        if isinstance(item, ProductReview) and before == Visibility.VISIBLE:
            _track_review_visibility(item, shown=False)
        audit_record(
            actor=actor,
            action=f"product_reviews.{kind}_hide",
            obj=item,
            merchant_id=item.merchant_id,
            before={"status": before},
            after={"status": item.status, "hidden_reason": cleaned},
        )
    return item


def moderation_restore(*, actor: Actor, kind: str, object_id: int) -> Moderated:
    """恢复显示: undo a hiding (``hidden`` → ``visible``; 409 ``illegal_transition`` from another status).
    The author's notice stays; the reason is kept in the audit event, cleared on the row."""
    require_permission(actor, MODERATE)
    with audited():
        item = _moderated(kind, object_id)
        if item.status != Visibility.HIDDEN:
            raise conflict(
                f"A text in status {item.status!r} cannot be restored.",
                code=ProductReviewsCode.ILLEGAL_TRANSITION,
                status=item.status,
            )
        reason = item.hidden_reason
        item.status, item.hidden_reason = Visibility.VISIBLE, ""
        item.moderated_by_id, item.moderated_at = actor.user_id, timezone.now()
        item.save(update_fields=["status", "hidden_reason", "moderated_by", "moderated_at"])
        audit_record(
            actor=actor,
            action=f"product_reviews.{kind}_restore",
            obj=item,
            merchant_id=item.merchant_id,
            before={"status": Visibility.HIDDEN, "hidden_reason": reason},
            after={"status": item.status},
        )
        _after_visible(item)
        if isinstance(item, ProductReview):
            _track_review_visibility(item, shown=True)
    return item


def notice_read(*, actor: Actor, notice_id: int) -> ModerationNotice:
    """Mark one of the actor's own notices read (404 for anyone else's)."""
    with transaction.atomic():
        notice: ModerationNotice | None = (
            ModerationNotice.objects.select_for_update().filter(pk=notice_id, recipient_id=actor.pk).first()
        )
        if notice is None:
            raise not_found("notice")
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
    return notice
