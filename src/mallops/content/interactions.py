"""Interactions per post (issue 21 part 3, slice 2): the comment count and poll results an operator read
on the platform and enters here (no platform API). ``content.manage``; one audited transaction per entry;
only a published post has interactions (409 ``post_not_published``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record, audited
from mallops.content.errors import ContentCode
from mallops.content.models import (
    POLL_OPTIONS_MAX,
    POLL_TEXT_MAX,
    ContentPost,
    PostInteractions,
    PostStatus,
)
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error

PERMISSION = "content.manage"
COUNT_MAX = 10**12


@dataclass(frozen=True)
class PollOption:
    text: str
    votes: int


def _check(*, comment_count: int, poll_question: str, poll_options: Sequence[PollOption]) -> None:
    errors: list[FieldError] = []
    if not 0 <= comment_count <= COUNT_MAX:
        errors.append(FieldError(("body", "comment_count"), "0 or more", "invalid"))
    if poll_question.strip() and not 2 <= len(poll_options) <= POLL_OPTIONS_MAX:
        errors.append(FieldError(("body", "poll_options"), f"2 to {POLL_OPTIONS_MAX} options", "invalid"))
    if not poll_question.strip() and poll_options:
        errors.append(FieldError(("body", "poll_question"), "a poll needs its question", "required"))
    texts = [o.text.strip() for o in poll_options]
    for index, option in enumerate(poll_options):
        if not 1 <= len(texts[index]) <= POLL_TEXT_MAX or texts.count(texts[index]) > 1:
            errors.append(
                FieldError(("body", "poll_options", index, "text"), "1-40 distinct characters", "invalid")
            )
        if not 0 <= option.votes <= COUNT_MAX:
            errors.append(FieldError(("body", "poll_options", index, "votes"), "0 or more", "invalid"))
    if errors:
        raise validation_error(errors)


def post_interactions_record(
    *,
    actor: Actor,
    post_id: int,
    comment_count: int,
    poll_question: str = "",
    poll_options: Sequence[PollOption] = (),
    now: datetime | None = None,
) -> PostInteractions:
    """Replace the post's interactions with these figures. Locks the post row. Errors: 404, 403, 409
    ``post_not_published``, 422 (negative counts; a poll with fewer than two or more than ten options,
    repeated or empty option texts, options without a question)."""
    require_permission(actor, PERMISSION)
    _check(comment_count=comment_count, poll_question=poll_question, poll_options=poll_options)
    options = [{"text": o.text.strip(), "votes": o.votes} for o in poll_options]
    with audited():
        post = ContentPost.objects.select_for_update().filter(pk=post_id).first()
        if post is None:
            raise not_found("content post")
        if post.status != PostStatus.PUBLISHED:
            raise conflict(
                "Interactions are recorded only for a published post.", code=ContentCode.POST_NOT_PUBLISHED
            )
        before = PostInteractions.objects.filter(post=post).values("comment_count", "poll_options").first()
        row, _created = PostInteractions.objects.update_or_create(
            post=post,
            defaults={
                "comment_count": comment_count,
                "poll_question": poll_question.strip(),
                "poll_options": options,
                "recorded_by_id": actor.user_id or 0,
                "recorded_at": now or timezone.now(),
            },
        )
        audit_record(
            actor=actor,
            action="content.post.interactions",
            obj=post,
            before=dict(before) if before else None,
            after={"comment_count": comment_count, "poll_options": options},
        )
    return row


def post_interactions(*, actor: Actor, post_id: int) -> PostInteractions | None:
    """The post's recorded interactions, or None when none were entered yet. Errors: 404, 403."""
    require_permission(actor, PERMISSION)
    if not ContentPost.objects.filter(pk=post_id).exists():
        raise not_found("content post")
    return PostInteractions.objects.filter(post_id=post_id).first()
