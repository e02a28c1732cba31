"""Tier rules as data, each buyer's member row, its lifecycle events and the notices sent to the buyer."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField


class Tier(models.Model):
    """One platform membership tier: reached at ``min_growth`` growth value; its benefits.

    Member price: ``discount_percent`` off every line (5 = 5 % off), or a fixed price per SKU
    (:class:`TierSkuPrice`), whichever is lower; in the quote it is an item-layer offer (docs/membership.md).
    """

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=30)
    rank = models.PositiveSmallIntegerField(unique=True)
    min_growth = models.PositiveIntegerField()
    discount_percent = models.PositiveSmallIntegerField(default=0)
    free_shipping = models.BooleanField(default=False)
    birthday_gift = models.CharField(max_length=100, blank=True, default="")
    coupon_batch = models.ForeignKey(
        "pricing.CouponBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coupons_per_period = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "birthday_gift": "the gift a tier gives on a member's birthday (a rule; no one's birthday)"
    }

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_percent__lte=99), name="membership_tier_discount_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TierSkuPrice(models.Model):
    """A member price of one SKU (a merchant's SKU code) for one tier, in fen."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="sku_prices")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    price_fen = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tier", "merchant", "sku"], name="membership_tier_sku_once"),
            models.CheckConstraint(condition=models.Q(price_fen__gte=0), name="membership_sku_price_fen"),
        ]

    def __str__(self) -> str:
        return f"{self.sku}: {self.price_fen}"


class Member(models.Model):
    """A buyer's platform membership state: growth value, tier, a downgrade waiting for period end."""

    buyer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    growth = models.PositiveIntegerField(default=0)
    paid_fen = models.BigIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    downgrade_pending = models.BooleanField(default=False)
    pending_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_started_at = models.DateTimeField(null=True, blank=True)
    period_ends_at = models.DateTimeField(null=True, blank=True)
    legacy_level = models.CharField(max_length=20, blank=True, default="")
    joined_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "growth": PersonalField(DataClass.TRANSACTION, purpose="membership tier", mask="redact"),
        "paid_fen": PersonalField(DataClass.TRANSACTION, purpose="membership tier", mask="redact"),
        "orders": PersonalField(DataClass.TRANSACTION, purpose="membership tier", mask="redact"),
    }

    objects: ClassVar[Any] = models.Manager()

    def __str__(self) -> str:
        return f"member {self.buyer_id}"


class MemberEvent(models.Model):
    """Append-only lifecycle of a member: joined, upgraded, downgrade scheduled/cancelled, downgraded."""

    class Kind(models.TextChoices):
        JOINED = "joined", "joined"
        UPGRADED = "upgraded", "upgraded"
        DOWNGRADE_SCHEDULED = "downgrade_scheduled", "downgrade scheduled"
        DOWNGRADE_CANCELLED = "downgrade_cancelled", "downgrade cancelled"
        DOWNGRADED = "downgraded", "downgraded"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_tier = models.CharField(max_length=20, blank=True, default="")
    to_tier = models.CharField(max_length=20, blank=True, default="")
    growth = models.PositiveIntegerField()
    effective_at = models.DateTimeField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.to_tier}"


class MemberNotice(models.Model):
    """A notice to the buyer (upgrade, coming downgrade, downgrade), at most one per event."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField(MemberEvent, on_delete=models.PROTECT, related_name="notice")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title
