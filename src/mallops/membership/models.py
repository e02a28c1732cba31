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
    # the birthday gift: points and/or one coupon of a platform batch (``membership.birthday``); the text
    # only describes it to the buyer
    birthday_gift = models.CharField(max_length=100, blank=True, default="")
    gift_points = models.PositiveIntegerField(default=0)
    gift_coupon_batch = models.ForeignKey(
        "pricing.CouponBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coupon_batch = models.ForeignKey(
        "pricing.CouponBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coupons_per_period = models.PositiveSmallIntegerField(default=0)
    # points earned per whole 元 paid in cash (R2.3.1); buyers without a tier earn POINTS_PER_YUAN
    points_per_yuan = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "birthday_gift": "the gift a tier gives on a member's birthday (a rule; no one's birthday)",
        "gift_points": "points the tier gives on a member's birthday (a rule)",
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
    # the birthday the member gave (month and day only, optional) and when it was last set: it may change
    # once per 365 days, so the birthday gift cannot be farmed (``membership.birthday``)
    birthday_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birthday_day = models.PositiveSmallIntegerField(null=True, blank=True)
    birthday_set_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "growth": PersonalField(DataClass.TRANSACTION, purpose="membership tier", mask="redact"),
        "paid_fen": PersonalField(DataClass.TRANSACTION, purpose="membership tier", mask="redact"),
        "orders": PersonalField(DataClass.TRANSACTION, purpose="membership tier", mask="redact"),
        "birthday_month": PersonalField(DataClass.IDENTITY, purpose="membership benefits", mask="redact"),
        "birthday_day": PersonalField(DataClass.IDENTITY, purpose="membership benefits", mask="redact"),
        "birthday_set_at": PersonalField(DataClass.IDENTITY, purpose="membership benefits", mask="redact"),
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(birthday_month__isnull=True, birthday_day__isnull=True)
                    | models.Q(
                        birthday_month__gte=1,
                        birthday_month__lte=12,
                        birthday_day__gte=1,
                        birthday_day__lte=31,
                    )
                ),
                name="membership_member_birthday",
            ),
        ]

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


# --- points (R2.3.1): an append-only ledger, a balance row per buyer, the points of each order ---------


class PointsAccount(models.Model):
    """A buyer's points balance: ``available`` to spend, ``frozen`` (earned, waiting for the return window).

    Changed only by ``membership.points`` under ``select_for_update``, in the transaction that appends
    the ledger entry: ``available`` = sum of the entries' ``delta``, ``frozen`` = sum of their
    ``frozen_delta`` (docs/membership.md, reconciliation query)."""

    buyer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    available = models.BigIntegerField(default=0)
    frozen = models.BigIntegerField(default=0)
    # timers (sweeps): the next time earned points expire, and when to tell the buyer about it
    expiry_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    notice_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "available": PersonalField(DataClass.TRANSACTION, purpose="points balance", mask="redact"),
        "frozen": PersonalField(DataClass.TRANSACTION, purpose="points balance", mask="redact"),
    }

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(available__gte=0), name="membership_points_available"),
            models.CheckConstraint(condition=models.Q(frozen__gte=0), name="membership_points_frozen"),
        ]

    def __str__(self) -> str:
        return f"points {self.buyer_id}"


class PointsEntry(models.Model):
    """One change of a buyer's points, never updated or deleted (the ledger).

    ``delta`` changes ``available``, ``frozen_delta`` changes ``frozen``: an earn adds frozen points, an
    unfreeze moves them to available, a redeem spends available ones, a return gives redeemed points back
    on a refund, a reverse takes earned points back on a refund, an expire removes expired ones and an
    adjust is a staff correction with a reason."""

    class Kind(models.TextChoices):
        EARN = "earn", "earn"
        UNFREEZE = "unfreeze", "unfreeze"
        REDEEM = "redeem", "redeem"
        RETURN = "return", "return"
        REVERSE = "reverse", "reverse"
        EXPIRE = "expire", "expire"
        ADJUST = "adjust", "adjust"
        GIFT = "gift", "gift"

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    delta = models.BigIntegerField(default=0)
    frozen_delta = models.BigIntegerField(default=0)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # points earned by this entry expire then (earn entries only)
    expires_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, default="")
    reference = models.CharField(max_length=64, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "delta": PersonalField(DataClass.TRANSACTION, purpose="points ledger", mask="redact"),
        "frozen_delta": PersonalField(DataClass.TRANSACTION, purpose="points ledger", mask="redact"),
    }
    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "reason": "why staff adjusted points (an operational note about the correction)"
    }

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["buyer", "created_at"], name="membership_points_buyer_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d}/{self.frozen_delta:+d}"


class PointsCampaign(models.Model):
    """Earn more points on orders paid in a window: ``multiplier_percent`` 200 = double points."""

    name = models.CharField(max_length=60)
    multiplier_percent = models.PositiveIntegerField(default=100)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(multiplier_percent__gte=100, multiplier_percent__lte=1000),
                name="membership_points_campaign_multiplier",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointsOrder(models.Model):
    """The points of one order: redeemed at checkout (per line in :class:`PointsLine`), earned when paid
    (frozen until ``unfreeze_due_at``), and what refunds gave back (``returned``) or took back
    (``reversed``). ``refunded_seen_fen`` is the order's refunded amount the last settlement saw."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    redeemed = models.BigIntegerField(default=0)
    redeemed_fen = models.BigIntegerField(default=0)
    returned = models.BigIntegerField(default=0)
    earned = models.BigIntegerField(default=0)
    points_per_yuan = models.PositiveIntegerField(default=0)
    multiplier_percent = models.PositiveIntegerField(default=100)
    reversed = models.BigIntegerField(default=0)
    # earned points a refund should have taken back but the buyer had already spent
    reverse_shortfall = models.BigIntegerField(default=0)
    earned_at = models.DateTimeField(null=True, blank=True)
    unfreeze_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unfrozen_at = models.DateTimeField(null=True, blank=True)
    refunded_seen_fen = models.BigIntegerField(default=0)
    settled_status = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(returned__gte=0, returned__lte=models.F("redeemed")),
                name="membership_points_returned_le_redeemed",
            ),
            models.CheckConstraint(
                condition=models.Q(reversed__gte=0, reversed__lte=models.F("earned")),
                name="membership_points_reversed_le_earned",
            ),
        ]

    def __str__(self) -> str:
        return f"points of order {self.order_id}"


class PointsLine(models.Model):
    """The points that paid part of one order line (and their fen value), apportioned like a discount;
    a refund of some units gives back exactly their share (``returned``)."""

    points_order = models.ForeignKey(PointsOrder, on_delete=models.PROTECT, related_name="lines")
    order_line = models.OneToOneField("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    points = models.BigIntegerField()
    points_fen = models.BigIntegerField()
    returned = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    points__gte=0, points_fen__gte=0, returned__gte=0, returned__lte=models.F("points")
                ),
                name="membership_points_line_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points} points on line {self.order_line_id}"


class PointsNotice(models.Model):
    """A notice to the buyer that ``points`` expire at ``expires_at`` (sent N days before)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    points = models.BigIntegerField()
    expires_at = models.DateTimeField()
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "points": PersonalField(DataClass.TRANSACTION, purpose="points expiry notice", mask="redact"),
    }

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class PointsCouponOffer(models.Model):
    """A coupon of an existing batch that buyers may take for ``points`` points."""

    batch = models.OneToOneField("pricing.CouponBatch", on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gte=1), name="membership_points_offer_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points} points: batch {self.batch_id}"


class MemberDay(models.Model):
    """A member day: the members-only platform promotion of one Beijing ``day`` for one tier's members.

    The quote asks the membership app (pricing's tier gate) whether the buyer's tier is ``tier``; members
    of other tiers do not get the promotion.
    """

    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="member_days")
    day = models.DateField()
    promotion = models.OneToOneField("pricing.Promotion", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-pk"]

    def __str__(self) -> str:
        return f"{self.tier_id} {self.day.isoformat()}"


class BirthdayGift(models.Model):
    """The birthday gift a member received in one ``year`` (at most one: a unique row), and its notice.

    ``year`` is the year of the birthday it celebrates (Asia/Shanghai); ``points`` and ``coupon_id`` are
    what was handed over (the tier's gift then). ``title`` and ``read_at`` make it the buyer's notice.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="birthday_gifts")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    birthday = models.DateField()
    tier_code = models.CharField(max_length=20)
    points = models.PositiveIntegerField(default=0)
    coupon_id = models.BigIntegerField(null=True, blank=True)
    # the batch the tier's gift drew its coupon from, and how that went (``CouponStatus``): a batch that
    # refuses (ended, used up) is tried again by the sweep until the catch-up window closes
    coupon_batch_id = models.BigIntegerField(null=True, blank=True)
    coupon_status = models.CharField(max_length=10, default="none")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class CouponStatus(models.TextChoices):
        NONE = "none", "the gift has no coupon"
        ISSUED = "issued", "issued"
        RETRYING = "retrying", "refused by the batch; tried again within the catch-up window"
        FAILED = "failed", "refused until the catch-up window closed; not given"

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "birthday": PersonalField(DataClass.IDENTITY, purpose="membership benefits", mask="redact"),
    }
    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "points": "points the tier's gift gave (the tier's rule)",
        "coupon_id": "the coupon handed over with the gift (an id)",
        "coupon_batch_id": "the platform coupon batch the gift's coupon comes from (an id)",
        "coupon_status": "whether the gift's coupon was issued, is retried or failed",
    }

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="membership_birthday_gift_once_a_year"),
            models.CheckConstraint(
                condition=models.Q(coupon_status__in=["none", "issued", "retrying", "failed"]),
                name="membership_birthday_gift_coupon_status",
            ),
        ]
        indexes = [models.Index(fields=["coupon_status"], name="membership_bgift_coupon_st")]

    def __str__(self) -> str:
        return f"birthday gift {self.member_id}/{self.year}"
