"""Words the console shows for content codes (``{{ value|label:"content.status" }}``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.content.models import DrawStatus, Platform, PostStatus

LABELS: dict[str, Any] = {
    "platform": Platform,
    "status": PostStatus,
    "draw_status": DrawStatus,
    "field": {"title": _("Title"), "body": _("Body")},
}

# audit actions of this app (``core.words.action_label``)
ACTIONS: dict[str, Any] = {
    "content.post.create": _("Content post created"),
    "content.post.update": _("Content post edited"),
    "content.post.submit": _("Content post submitted for approval"),
    "content.post.approve": _("Content post approved"),
    "content.post.reject": _("Content post sent back"),
    "content.post.schedule": _("Content post scheduled"),
    "content.post.publish": _("Content post publication recorded"),
    "content.post.interactions": _("Content post interactions recorded"),
    "content.draw.create": _("Lucky draw created"),
    "content.draw.update": _("Lucky draw rules changed"),
    "content.draw.start": _("Lucky draw started (commitment published)"),
    "content.draw.entrants": _("Lucky draw entries recorded"),
    "content.draw.run": _("Lucky draw drawn (seed revealed)"),
}

FIELDS: dict[str, Any] = {
    "platform": _("Platform"),
    "title": _("Title"),
    "body": _("Body"),
    "media_refs": _("Media"),
    "scheduled_at": _("Planned time"),
    "note": _("Note"),
    "url": _("Post link"),
    "acknowledge_findings": _("Acknowledge findings"),
    "comment_count": _("Comment count"),
    "poll_question": _("Poll question"),
    "poll_options": _("Poll options"),
}
