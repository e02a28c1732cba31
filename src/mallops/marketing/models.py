"""Channels and their daily spend (R4.1.1), tier strategies (R4.1.2) and targeted campaigns (R4.2.1).

Touches and orders are read from analytics and orders, not copied here."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField


class Channel(models.Model):
    """A marketing channel; a touch belongs to it when its ``utm_source`` equals the channel's."""

    class Kind(models.TextChoices):
        SEARCH_ADS = "search_ads", "搜索广告"
        SOCIAL = "social", "社交媒体"
        CONTENT = "content", "内容营销"
        LIVE_STREAMING = "live_streaming", "直播"
        PRIVATE_DOMAIN = "private_domain", "私域"

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "code": "channel identifier chosen by staff",
        "name": "channel display name",
        "kind": "channel category",
        "utm_source": "campaign tracking source name, not a person",
    }

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    utm_source = models.CharField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["search_ads", "social", "content", "live_streaming", "private_domain"]
                ),
                name="marketing_channel_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ChannelSpend(models.Model):
    """What was spent on a channel on one (Asia/Shanghai) day; one row per channel and day."""

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "day": "calendar day of the spend",
        "amount_fen": "marketing spend amount",
        "source": "how the amount was entered (console, csv, api)",
    }

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="spends")
    day = models.DateField()
    amount_fen = models.BigIntegerField()
    source = models.CharField(max_length=10, default="console")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("day", "channel_id")
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="marketing_spend_one_per_channel_day"),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=0), name="marketing_spend_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}@{self.day}: {self.amount_fen}"


class BuyerTag(models.Model):
    """A staff-given tag on a buyer (``母婴``, ``夜猫子``...): one of the ways a campaign picks its audience."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "tag": PersonalField(DataClass.BROWSING, purpose="targeted marketing", mask="redact"),
    }

    class Meta:
        ordering = ("tag", "buyer_id")
        constraints = [models.UniqueConstraint(fields=["buyer", "tag"], name="marketing_buyer_tag_once")]

    def __str__(self) -> str:
        return self.tag


class Action(models.TextChoices):
    """What a tier strategy does for the buyers it matches (R4.1.2)."""

    CARE_TASK = "care_task", "私域关怀任务"
    RETARGET_LIST = "retarget_list", "再营销人群包"
    WINBACK_COUPON = "winback_coupon", "召回优惠券"


class Strategy(models.Model):
    """A rule as data: buyers of ``segment`` and/or ``tier_code`` get ``action`` (R4.1.2).

    Runs act as ``owner`` (their permissions bind, also on the schedule). A deterministic holdout of
    ``holdout_percent`` gets nothing, so a run can be measured: conversion within ``measure_days``.
    """

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "name": "strategy name chosen by staff",
        "segment": "RFM segment code",
        "tier_code": "membership tier code",
    }

    name = models.CharField(max_length=80)
    segment = models.CharField(max_length=20, blank=True, default="")
    tier_code = models.CharField(max_length=20, blank=True, default="")
    action = models.CharField(max_length=20, choices=Action.choices)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    coupon_batch = models.ForeignKey(
        "pricing.CouponBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    holdout_percent = models.PositiveSmallIntegerField(default=10)
    measure_days = models.PositiveSmallIntegerField(default=14)
    is_active = models.BooleanField(default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(segment="", tier_code=""), name="marketing_strategy_has_audience"
            ),
            models.CheckConstraint(
                condition=models.Q(holdout_percent__lte=50), name="marketing_strategy_holdout_max"
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=["care_task", "retarget_list", "winback_coupon"]),
                name="marketing_strategy_action_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StrategyRun(models.Model):
    """One run of a strategy with its counts; its targets are the measured buyers."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "定时"
        MANUAL = "manual", "手动"

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"trigger": "what started the run"}

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField()
    matched = models.PositiveIntegerField(default=0)
    no_consent = models.PositiveIntegerField(default=0)
    held_out = models.PositiveIntegerField(default=0)
    acted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"run {self.pk} of {self.strategy_id}"


class StrategyTarget(models.Model):
    """A buyer a run matched (with consent): acted on, held out, or skipped (``outcome`` says why)."""

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "outcome": "what the run did (acted, holdout, or a refusal code)"
    }

    run = models.ForeignKey(StrategyRun, on_delete=models.CASCADE, related_name="targets")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_holdout = models.BooleanField(default=False)
    outcome = models.CharField(max_length=40)

    class Meta:
        ordering = ("pk",)
        constraints = [models.UniqueConstraint(fields=["run", "buyer"], name="marketing_target_once_per_run")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.buyer_id}: {self.outcome}"


class Campaign(models.Model):
    """A targeted campaign (R4.2.1): audience + offer + message + channel + schedule.

    ``draft → approved → scheduled → running → finished`` (transition table in ``campaigns.TRANSITIONS``).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        APPROVED = "approved", "已审批"
        SCHEDULED = "scheduled", "待开始"
        RUNNING = "running", "进行中"
        FINISHED = "finished", "已结束"

    class OfferKind(models.TextChoices):
        COUPON = "coupon", "优惠券"
        PROMOTION = "promotion", "促销活动"

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "name": "campaign name",
        "segment": "RFM segment code",
        "tier_code": "membership tier code",
        "tags": "buyer tag names the audience is chosen by",
        "message": "the campaign's marketing text",
        "findings": "compliance findings on the campaign's texts",
    }

    name = models.CharField(max_length=80)
    segment = models.CharField(max_length=20, blank=True, default="")
    tier_code = models.CharField(max_length=20, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    offer_kind = models.CharField(max_length=10, choices=OfferKind.choices)
    coupon_batch = models.ForeignKey(
        "pricing.CouponBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    promotion = models.ForeignKey(
        "pricing.Promotion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField()
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="campaigns")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    holdout_percent = models.PositiveSmallIntegerField(default=10)
    message_cost_fen = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    findings = models.JSONField(default=list, blank=True)
    findings_acknowledged = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-pk",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(holdout_percent__lte=50), name="marketing_campaign_holdout_max"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="marketing_campaign_ends_after"
            ),
            models.CheckConstraint(
                condition=models.Q(message_cost_fen__gte=0), name="marketing_campaign_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(offer_kind="coupon", coupon_batch__isnull=False, promotion__isnull=True)
                | models.Q(offer_kind="promotion", promotion__isnull=False, coupon_batch__isnull=True),
                name="marketing_campaign_one_offer",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignDelivery(models.Model):
    """The campaign's notification to one buyer (recorded, never sent outside), or a holdout row.

    A holdout row has no ``delivered_at`` and no coupon: the buyer got nothing and is the comparison group.
    """

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "outcome": "delivered, holdout or a refusal code",
        "coupon_id": "the coupon issued with the message (an id)",
    }

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_holdout = models.BooleanField(default=False)
    outcome = models.CharField(max_length=40)
    coupon_id = models.BigIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["campaign", "buyer"], name="marketing_delivery_once"),
            models.CheckConstraint(
                condition=models.Q(is_holdout=False) | models.Q(delivered_at__isnull=True),
                name="marketing_holdout_gets_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.buyer_id}: {self.outcome}"
