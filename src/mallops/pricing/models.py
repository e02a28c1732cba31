"""Promotions, coupon batches, coupons and observed prices.

Tenancy: a promotion or coupon batch belongs to a merchant (store and item layer) or to the platform
(``merchant`` NULL). Both use ``MerchantScopedManager`` with a nullable merchant: ``for_merchant(id)``
never returns platform rows, ``for_platform(actor, "promotion.view")`` returns every row to staff, and
the querysets below add two explicit scopes of their own — ``for_buyer(user)`` (a buyer's own coupons)
and ``live_public(now)`` (live promotions, which are published to every buyer anyway).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self

from django.db import models

from mallops.tenancy.managers import MerchantScopedManager, MerchantScopedQuerySet

KIND_CHOICES = [
    ("percent_off", "percent_off"),
    ("amount_off", "amount_off"),
    ("nth_item", "nth_item"),
    ("threshold", "threshold"),
    ("multi_buy", "multi_buy"),
]
LAYER_CHOICES = [("item", "item"), ("store", "store"), ("platform", "platform")]


class PromotionStatus(models.TextChoices):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


# Every allowed status change: (from, to) → what causes it
PROMOTION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "scheduled"): "launch before the start",
    ("draft", "live"): "launch after the start",
    ("scheduled", "live"): "sweep at starts_at",
    ("scheduled", "ended"): "sweep past ends_at",
    ("scheduled", "cancelled"): "cancel",
    ("live", "ended"): "sweep at ends_at, or total limit or budget used up",
    ("live", "cancelled"): "cancel",
    ("draft", "cancelled"): "cancel",
}


class PromotionQuerySet(MerchantScopedQuerySet):
    def live_public(self, now: datetime) -> Self:
        """Promotions live at ``now`` (public: shown to every buyer); used by the cart quote."""
        return self._scoped("public:live").filter(
            status=PromotionStatus.LIVE, starts_at__lte=now, ends_at__gt=now
        )


class PromotionManager(models.Manager.from_queryset(PromotionQuerySet)):  # type: ignore[misc]
    use_in_migrations = False


class Promotion(models.Model):
    merchant = models.ForeignKey(
        "accounts.Merchant", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=KIND_CHOICES)
    layer = models.CharField(max_length=8, choices=LAYER_CHOICES)
    percent = models.PositiveSmallIntegerField(default=0)
    amount_fen = models.BigIntegerField(default=0)
    n = models.PositiveSmallIntegerField(default=0)
    tiers = models.JSONField(default=list, blank=True)  # [{"min": fen, "off": fen}]
    repeat = models.BooleanField(default=False)
    cap_fen = models.BigIntegerField(null=True, blank=True)
    min_qty = models.PositiveIntegerField(default=0)
    with_coupons = models.BooleanField(default=True)
    members_only = models.BooleanField(default=False)
    time_limited = models.BooleanField(default=False)  # 限时价 / flash sale
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    skus = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    merchants = models.JSONField(default=list, blank=True)  # platform: participating merchant ids
    sku_prices = models.JSONField(default=list, blank=True)  # [{"sku", "price_fen", "reference_price_fen"}]
    per_buyer_limit = models.PositiveIntegerField(null=True, blank=True)
    total_limit = models.PositiveIntegerField(null=True, blank=True)
    used_count = models.PositiveIntegerField(default=0)
    budget_fen = models.BigIntegerField(null=True, blank=True)
    spent_fen = models.BigIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True, default="")
    rules_text = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=PromotionStatus.choices, default=PromotionStatus.DRAFT)
    status_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    findings = models.JSONField(default=list, blank=True)  # the last pre-launch check
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[Any] = PromotionManager()

    class Meta:
        indexes = [models.Index(fields=["status", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="promo_window"
            ),
            models.CheckConstraint(
                condition=~models.Q(layer="platform") | models.Q(merchant__isnull=True),
                name="promo_platform_no_merchant",
            ),
            models.CheckConstraint(
                condition=~models.Q(layer="store") | models.Q(merchant__isnull=False),
                name="promo_store_has_merchant",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def engine_id(self) -> str:
        return f"P{self.pk}"


class CouponBatchQuerySet(MerchantScopedQuerySet):
    def claimable_by_code(self, code: str) -> Self:
        """The batch a buyer claims with ``code`` (the code is what the buyer was given)."""
        return self._scoped("public:code").filter(claim_code=code, status=CouponBatch.Status.ACTIVE)


class CouponBatchManager(models.Manager.from_queryset(CouponBatchQuerySet)):  # type: ignore[misc]
    use_in_migrations = False


class CouponBatch(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        CANCELLED = "cancelled"

    class Style(models.TextChoices):
        VOUCHER = "voucher"  # 优惠券 (threshold or none)
        RED_PACKET = "red_packet"  # 红包: platform, no threshold

    merchant = models.ForeignKey(
        "accounts.Merchant", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    name = models.CharField(max_length=80)
    style = models.CharField(max_length=12, choices=Style.choices, default=Style.VOUCHER)
    layer = models.CharField(max_length=8, choices=LAYER_CHOICES[1:])
    min_fen = models.BigIntegerField(default=0)
    off_fen = models.BigIntegerField(null=True, blank=True)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    max_off_fen = models.BigIntegerField(null=True, blank=True)
    skus = models.JSONField(default=list, blank=True)
    members_only = models.BooleanField(default=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    valid_days = models.PositiveIntegerField(null=True, blank=True)  # after claiming; else until ends_at
    total_quantity = models.PositiveIntegerField()
    issued_count = models.PositiveIntegerField(default=0)
    per_buyer_limit = models.PositiveIntegerField(default=1)
    claim_code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[Any] = CouponBatchManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(issued_count__lte=models.F("total_quantity")), name="coupon_batch_quantity"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="coupon_window"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CouponQuerySet(MerchantScopedQuerySet):
    def for_buyer(self, buyer_id: int | None) -> Self:
        """A buyer's own coupons (store and platform ones)."""
        if buyer_id is None:
            from mallops.tenancy.managers import UnscopedQueryError

            raise UnscopedQueryError("for_buyer() needs a buyer id")
        return self._scoped(f"buyer:{buyer_id}").filter(buyer_id=buyer_id)


class CouponManager(models.Manager.from_queryset(CouponQuerySet)):  # type: ignore[misc]
    use_in_migrations = False


class Coupon(models.Model):
    """One coupon held by one buyer. ``merchant`` copies the batch's (NULL: platform coupon)."""

    class Status(models.TextChoices):
        UNUSED = "unused"
        USED = "used"
        EXPIRED = "expired"
        REVOKED = "revoked"

    batch = models.ForeignKey(CouponBatch, on_delete=models.PROTECT, related_name="coupons")
    merchant = models.ForeignKey(
        "accounts.Merchant", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    buyer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.UNUSED)
    claimed_at = models.DateTimeField()
    valid_from = models.DateTimeField()
    expires_at = models.DateTimeField()
    expires_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    order_ref = models.CharField(max_length=64, blank=True, default="")

    objects: ClassVar[Any] = CouponManager()

    class Meta:
        indexes = [models.Index(fields=["buyer", "status"])]

    def __str__(self) -> str:
        return f"{self.engine_id} ({self.status})"

    @property
    def engine_id(self) -> str:
        return f"C{self.pk}"


class PromotionUse(models.Model):
    """One use of a promotion by a buyer's order (per-buyer and total limits, budget)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="uses")
    merchant = models.ForeignKey(
        "accounts.Merchant", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    buyer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    order_ref = models.CharField(max_length=64)
    discount_fen = models.BigIntegerField()
    used_at = models.DateTimeField()

    objects = MerchantScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["promotion", "order_ref"], name="promotion_use_once_per_order")
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id}:{self.order_ref}"


class PriceObservation(models.Model):
    """A price a SKU sold or was listed at, from ``observed_at`` on: the price history the pre-launch
    checks read until the catalogue records deal prices itself (``mallops.pricing.adapters.ObservationHistory``)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    price_fen = models.BigIntegerField()
    observed_at = models.DateTimeField()
    source = models.CharField(max_length=16, default="listing")  # listing, promotion, order, import

    objects = MerchantScopedManager()

    class Meta:
        indexes = [models.Index(fields=["merchant", "sku", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.sku}@{self.observed_at:%Y-%m-%d}: {self.price_fen}"


class MembershipQuerySet(MerchantScopedQuerySet):
    def for_buyer(self, buyer_id: int | None) -> Self:
        """A buyer's own memberships (the platform's and every store's)."""
        if buyer_id is None:
            from mallops.tenancy.managers import UnscopedQueryError

            raise UnscopedQueryError("for_buyer() needs a buyer id")
        return self._scoped(f"buyer:{buyer_id}").filter(buyer_id=buyer_id)

    def valid_at(self, now: datetime) -> Self:
        return self.filter(status=Membership.Status.ACTIVE, valid_from__lte=now).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=now)
        )


class MembershipManager(models.Manager.from_queryset(MembershipQuerySet)):  # type: ignore[misc]
    use_in_migrations = False


class Membership(models.Model):
    """A buyer's membership of the platform (``merchant`` NULL) or of one store: members-only prices and
    coupons of that organiser apply to the buyer while it is valid (``valid_to`` NULL: open-ended)."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        REVOKED = "revoked"

    merchant = models.ForeignKey(
        "accounts.Merchant", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    buyer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=20)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    granted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = MembershipManager()

    class Meta:
        indexes = [models.Index(fields=["buyer", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="membership_window",
            ),
            # one active membership per buyer and organiser (NULLs are distinct in a unique index)
            models.UniqueConstraint(
                fields=["buyer", "merchant"],
                condition=models.Q(status="active", merchant__isnull=False),
                name="membership_store_once",
            ),
            models.UniqueConstraint(
                fields=["buyer"],
                condition=models.Q(status="active", merchant__isnull=True),
                name="membership_platform_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id}@{self.merchant_id or 'platform'}: {self.level}"
