"""Product reviews (商品评价) and Q&A (问大家): buyer and merchant texts, each moderated.

Every text is a row of a :class:`Moderated` model: its own visibility (``pending`` until content operations
approve an item the compliance or risk engine flagged for review, ``visible``, ``hidden`` with a reason),
the findings that decided it, and who moderated it. Nothing is ever deleted: hiding keeps the row and
leaves a :class:`ModerationNotice` for the author.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField
from mallops.tenancy.managers import MerchantScopedManager

MAX_TEXT = 500
MAX_PICTURES = 6
FOLLOW_UP_DAYS = 180
RATING_MIN, RATING_MAX = 1, 5
NEGATIVE_MAX_RATING = 2


class Visibility(models.TextChoices):
    PENDING = "pending", "awaiting moderation"
    VISIBLE = "visible", "visible"
    HIDDEN = "hidden", "hidden"


class Moderated(models.Model):
    """A text somebody published: shown only while ``visible``."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=MAX_TEXT)
    status = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    findings = models.JSONField(default=list, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True, default="")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedManager()

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "author": PersonalField(
            DataClass.IDENTITY, purpose="who wrote the text (told when it is hidden)", mask="redact"
        ),
        "text": PersonalField(
            DataClass.TRANSACTION, purpose="the published review, question or answer", mask="redact"
        ),
    }
    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "moderated_by": "the content-operations work account that approved or hid the text"
    }

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Visibility.values), name="%(app_label)s_%(class)s_status"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Visibility.HIDDEN) | ~models.Q(hidden_reason=""),
                name="%(app_label)s_%(class)s_hidden_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ProductReview(Moderated):
    """One review per order line of a delivered or completed order, by that order's buyer."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    order_line = models.OneToOneField("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "catalogue.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sku_code = models.CharField(max_length=64)
    rating = models.PositiveSmallIntegerField()

    class Meta(Moderated.Meta):
        constraints = [
            *Moderated.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="product_reviews_rating_1_5",
            ),
        ]
        indexes = [models.Index(fields=["product", "status"], name="product_rev_product_st")]


class ReviewPicture(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(ProductReview, on_delete=models.PROTECT, related_name="pictures")
    file = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField()

    objects = MerchantScopedManager()

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "file": PersonalField(
            DataClass.TRANSACTION, purpose="the buyer's picture of the goods", mask="redact"
        )
    }

    def __str__(self) -> str:
        return f"picture {self.position} of review {self.review_id}"


class ReviewFollowUp(Moderated):
    """追评: one per review, by its author, within 180 days of the review."""

    review = models.OneToOneField(ProductReview, on_delete=models.PROTECT, related_name="follow_up")


class ReviewReply(Moderated):
    """The store's one reply to a review."""

    review = models.OneToOneField(ProductReview, on_delete=models.PROTECT, related_name="reply")


class ProductQuestion(Moderated):
    """问大家: a question about a product, answered by the store or by buyers who bought it."""

    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")


class ProductAnswer(Moderated):
    question = models.ForeignKey(ProductQuestion, on_delete=models.PROTECT, related_name="answers")
    by_merchant = models.BooleanField(default=False)


class ModerationNotice(models.Model):
    """Tells an author that content operations hid their text, and why (read through the API)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    excerpt = models.CharField(max_length=60, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "recipient": PersonalField(
            DataClass.IDENTITY, purpose="the author told of the hiding", mask="redact"
        ),
        "excerpt": PersonalField(DataClass.TRANSACTION, purpose="which text was hidden", mask="redact"),
    }

    def __str__(self) -> str:
        return f"notice {self.kind} {self.object_id}"
