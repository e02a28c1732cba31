"""Channels and their daily spend (R4.1.1). Touches and orders are read from analytics, not copied here."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


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
