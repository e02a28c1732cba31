"""Posts of the content calendar (内容日历): one row per post on one platform (R4.4.1).

A post moves ``draft -> in_review -> approved -> scheduled -> published`` (``states.TRANSITIONS``). The
platform's content team writes them for the platform's own accounts (微信公众号, 抖音, 小红书, 微博), so the
rows belong to no merchant; every read and write requires ``content.manage``. Times are stored in UTC
and shown in Asia/Shanghai.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.privacy.fields import EncryptedTextField

TITLE_MAX = 64
BODY_MAX = 5000
MEDIA_MAX = 9  # a WeChat/Xiaohongshu post carries at most nine pictures
MEDIA_REF_MAX = 300


class Platform(models.TextChoices):
    WECHAT_MP = "wechat_mp", _("WeChat official account")
    DOUYIN = "douyin", _("Douyin")
    XIAOHONGSHU = "xiaohongshu", _("Xiaohongshu")
    WEIBO = "weibo", _("Weibo")


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class ContentPost(models.Model):
    platform = models.CharField(max_length=16, choices=Platform.choices)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX)
    # references to media in the asset library or an upload path; never fetched by the server
    media_refs = models.JSONField(default=list, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=PostStatus.choices, default=PostStatus.DRAFT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # the compliance engine's findings at submission: field, rule, start, end, text, basis, severity
    findings = models.JSONField(default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # the approver confirmed every ``review`` finding (required when there is one)
    findings_acknowledged = models.BooleanField(default=False)
    review_note = models.CharField(max_length=200, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    published_url = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "title": "marketing text written for the public",
        "body": "marketing text written for the public",
        "media_refs": "references to marketing pictures and videos",
        "owner": "the content team member's work account",
        "submitted_by": "the content team member's work account",
        "approved_by": "the approving content team member's work account",
        "review_note": "the approver's note on the text",
        "published_url": "the public address of the published post",
    }

    class Meta:
        ordering = ["scheduled_at", "pk"]
        indexes = [models.Index(fields=["scheduled_at"], name="content_post_scheduled")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in PostStatus]), name="content_post_status"
            ),
            models.CheckConstraint(
                condition=models.Q(platform__in=[p.value for p in Platform]), name="content_post_platform"
            ),
            # a second person approves: never the one who submitted
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | models.Q(submitted_by__isnull=True)
                | ~models.Q(approved_by=models.F("submitted_by")),
                name="content_post_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"content post {self.pk} ({self.platform}, {self.status})"


class DrawStatus(models.TextChoices):
    DRAFT = "draft", _("Rules being written")
    OPEN = "open", _("Open for entries")
    DRAWN = "drawn", _("Drawn")


class LuckyDraw(models.Model):
    """A lucky draw (抽奖) run with a post. Its rules and prizes are disclosed before it starts and never
    change after (规范促销行为暂行规定 Art. 13). ``commitment`` (SHA-256 of the secret seed) is published at
    the start; ``seed`` is revealed at the draw (``draw.py`` documents the algorithm)."""

    post = models.ForeignKey(ContentPost, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=TITLE_MAX)
    rules = models.TextField(max_length=BODY_MAX)  # conditions, draw time and method, redemption, organiser
    draw_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=DrawStatus.choices, default=DrawStatus.DRAFT)
    commitment = models.CharField(max_length=64, blank=True, default="")
    # secret until drawn: encrypted at rest with the privacy field keys (``mallops keys rotate`` re-encrypts
    # it like any personal field), so a database dump or backup does not let anyone foresee the winners
    seed = EncryptedTextField(blank=True, default="", associated_data="content.luckydraw.seed")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "title": "the draw's public name",
        "rules": "the draw's public rules",
        "created_by": "the content team member's work account",
        "seed": "the draw's random secret (encrypted until and after the draw; says nothing about a person)",
    }

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in DrawStatus]), name="content_draw_status"
            ),
        ]

    def __str__(self) -> str:
        return f"lucky draw {self.pk} ({self.status})"


class LuckyPrize(models.Model):
    draw = models.ForeignKey(LuckyDraw, on_delete=models.CASCADE, related_name="prizes")
    position = models.PositiveSmallIntegerField()  # 1 = first prize, drawn first
    name = models.CharField(max_length=TITLE_MAX)
    value_fen = models.BigIntegerField()  # market value of one prize
    quantity = models.PositiveIntegerField()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"name": "the prize's public name"}

    class Meta:
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="content_prize_position"),
            models.CheckConstraint(condition=models.Q(value_fen__gte=0), name="content_prize_value"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="content_prize_quantity"),
        ]

    def __str__(self) -> str:
        return f"prize {self.position} of draw {self.draw_id}"


class LuckyEntrant(models.Model):
    """One entry. ``code`` is the public entry code (e.g. a comment id or masked account), never a name
    or phone number, so the entrant list can be published for verification."""

    draw = models.ForeignKey(LuckyDraw, on_delete=models.CASCADE, related_name="entrants")
    code = models.CharField(max_length=64)
    entered_at = models.DateTimeField()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"code": "a public entry code that names nobody"}

    class Meta:
        ordering = ["draw", "code"]
        constraints = [models.UniqueConstraint(fields=["draw", "code"], name="content_entrant_once")]

    def __str__(self) -> str:
        return f"entrant {self.code} of draw {self.draw_id}"


class LuckyWinner(models.Model):
    draw = models.ForeignKey(LuckyDraw, on_delete=models.CASCADE, related_name="winners")
    prize = models.ForeignKey(LuckyPrize, on_delete=models.PROTECT, related_name="+")
    entrant = models.ForeignKey(LuckyEntrant, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    notified_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"entrant": "the winning entry (its code names nobody)"}

    class Meta:
        ordering = ["draw", "rank"]
        constraints = [models.UniqueConstraint(fields=["draw", "rank"], name="content_winner_rank")]

    def __str__(self) -> str:
        return f"winner {self.rank} of draw {self.draw_id}"


POLL_OPTIONS_MAX = 10
POLL_TEXT_MAX = 40


class PostInteractions(models.Model):
    """The interactions a published post received on its platform, as the operator read them there (no
    platform API is called): the comment count and, when the post ran a poll, its question and the votes
    per option (``poll_options`` = ``[{"text": str, "votes": int}, ...]`` in the order shown). One row per
    post, replaced by each entry (``content.post.interactions``)."""

    post = models.OneToOneField(ContentPost, on_delete=models.CASCADE, related_name="interactions")
    comment_count = models.BigIntegerField(default=0)
    poll_question = models.CharField(max_length=TITLE_MAX, blank=True, default="")
    poll_options = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "poll_question": "the post's public poll question",
        "poll_options": "the public poll options and their vote counts (no voter)",
        "recorded_by": "the content team member's work account",
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(comment_count__gte=0), name="content_interactions_comments"
            ),
        ]

    def __str__(self) -> str:
        return f"interactions of content post {self.post_id}"
