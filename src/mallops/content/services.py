"""Writes of the content calendar (R4.4.1). Every write requires ``content.manage``, runs in one
transaction, locks the post row and records an audit event.

``post_create`` / ``post_update`` keep a draft; ``post_submit`` runs the compliance engine (a ``block``
refuses and nothing changes; ``review`` findings are stored) and moves it to ``in_review``;
``post_approve`` is a second person's (four eyes) and must acknowledge ``review`` findings;
``post_reject`` sends it back to ``draft`` with a note; ``post_schedule`` fixes the time;
``post_publish`` records that the operator published it (no platform API is called).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record, audited
from mallops.content import states
from mallops.content.errors import ContentCode
from mallops.content.models import (
    BODY_MAX,
    MEDIA_MAX,
    MEDIA_REF_MAX,
    TITLE_MAX,
    ContentPost,
    Platform,
    PostStatus,
)
from mallops.content.screening import post_findings, refuse_blocking
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error

PERMISSION = "content.manage"
NOTE_MAX = 200
URL_MAX = 500


def _check_fields(*, platform: str, title: str, body: str, media_refs: list[str]) -> None:
    errors: list[FieldError] = []
    if platform not in Platform.values:
        errors.append(FieldError(("body", "platform"), "unknown platform", "invalid_choice"))
    if not title:
        errors.append(FieldError(("body", "title"), "must not be empty", "required"))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError(("body", "title"), f"at most {TITLE_MAX} characters", "too_long"))
    if not body:
        errors.append(FieldError(("body", "body"), "must not be empty", "required"))
    elif len(body) > BODY_MAX:
        errors.append(FieldError(("body", "body"), f"at most {BODY_MAX} characters", "too_long"))
    if len(media_refs) > MEDIA_MAX:
        errors.append(FieldError(("body", "media_refs"), f"at most {MEDIA_MAX} items", "too_many"))
    for index, ref in enumerate(media_refs):
        if not ref.strip() or len(ref) > MEDIA_REF_MAX:
            errors.append(FieldError(("body", "media_refs", index), "1-300 characters", "invalid"))
    if errors:
        raise validation_error(errors)


def _utc(moment: datetime | None) -> datetime | None:
    """Stored in UTC (the console shows Asia/Shanghai); a time without a zone is refused."""
    if moment is None:
        return None
    if timezone.is_naive(moment):
        raise validation_error([FieldError(("body", "scheduled_at"), "a time with a zone", "invalid")])
    return moment.astimezone(UTC)


def _snapshot(post: ContentPost) -> dict[str, Any]:
    return {
        "platform": post.platform,
        "title": post.title,
        "status": post.status,
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
    }


def _locked(post_id: int) -> ContentPost:
    post = ContentPost.objects.select_for_update().filter(pk=post_id).first()
    if post is None:
        raise not_found("content post")
    return post


def _move(post: ContentPost, move: str) -> None:
    if not states.allowed(move, post.status):
        raise conflict(
            f"A {post.status} post cannot be {move}ed.",
            code=ContentCode.POST_TRANSITION_NOT_ALLOWED,
            current_status=post.status,
        )
    post.status = states.target(move)


def post_create(
    *,
    actor: Actor,
    platform: str,
    title: str,
    body: str,
    media_refs: list[str] | None = None,
    scheduled_at: datetime | None = None,
) -> ContentPost:
    """A draft post owned by ``actor``. Errors: 422 ``validation_error``, 403."""
    require_permission(actor, PERMISSION)
    refs = [r.strip() for r in media_refs or []]
    title, body = title.strip(), body.strip()
    _check_fields(platform=platform, title=title, body=body, media_refs=refs)
    with audited():
        post = ContentPost.objects.create(
            platform=platform,
            title=title,
            body=body,
            media_refs=refs,
            scheduled_at=_utc(scheduled_at),
            owner_id=actor.user_id or 0,
        )
        audit_record(actor=actor, action="content.post.create", obj=post, after=_snapshot(post))
    return post


def post_update(
    *,
    actor: Actor,
    post_id: int,
    platform: str,
    title: str,
    body: str,
    media_refs: list[str] | None = None,
    scheduled_at: datetime | None = None,
) -> ContentPost:
    """Change a draft (a rejected post is a draft again). Errors: 404, 409 ``post_not_editable``, 422, 403."""
    require_permission(actor, PERMISSION)
    refs = [r.strip() for r in media_refs or []]
    title, body = title.strip(), body.strip()
    _check_fields(platform=platform, title=title, body=body, media_refs=refs)
    with audited():
        post = _locked(post_id)
        if post.status != PostStatus.DRAFT:
            raise conflict("Only a draft post can be edited.", code=ContentCode.POST_NOT_EDITABLE)
        before = _snapshot(post)
        post.platform, post.title, post.body = platform, title, body
        post.media_refs, post.scheduled_at = refs, _utc(scheduled_at)
        post.findings = []
        post.save()
        audit_record(
            actor=actor, action="content.post.update", obj=post, before=before, after=_snapshot(post)
        )
    return post


def post_submit(*, actor: Actor, post_id: int, now: datetime | None = None) -> ContentPost:
    """Check the post with the compliance engine and send it for approval. A ``block`` finding refuses
    (422 ``compliance_blocked``, the spans and cited articles in ``errors``/``findings``; the post stays a
    draft). Errors also: 404, 409 ``post_transition_not_allowed``, 403. Locks the post row."""
    require_permission(actor, PERMISSION)
    now = now or timezone.now()
    with audited():
        post = _locked(post_id)
        findings = post_findings(title=post.title, body=post.body)
        refuse_blocking(findings)
        _move(post, "submit")
        post.findings = findings
        post.submitted_by_id, post.submitted_at = actor.user_id, now
        post.approved_by, post.approved_at, post.findings_acknowledged = None, None, False
        post.save()
        audit_record(
            actor=actor,
            action="content.post.submit",
            obj=post,
            before={"status": "draft"},
            after={"status": post.status, "findings": len(findings)},
        )
    return post


def post_approve(
    *, actor: Actor, post_id: int, acknowledge_findings: bool = False, now: datetime | None = None
) -> ContentPost:
    """A second person approves a post in review. Errors: 409 ``four_eyes_required`` (the approver
    submitted it), 422 ``findings_not_acknowledged`` (``review`` findings and no acknowledgement), 404,
    409 ``post_transition_not_allowed``, 403. Locks the post row."""
    require_permission(actor, PERMISSION)
    now = now or timezone.now()
    with audited():
        post = _locked(post_id)
        _move(post, "approve")
        if post.submitted_by_id == actor.pk:
            raise conflict(
                "A second person must approve what one person submitted.", code=ContentCode.FOUR_EYES_REQUIRED
            )
        if post.findings and not acknowledge_findings:
            raise DomainError(
                detail="The approver must acknowledge the compliance findings.",
                code=ContentCode.FINDINGS_NOT_ACKNOWLEDGED,
                status=422,
                title="Validation failed",
                errors=[
                    FieldError(("body", "acknowledge_findings"), "must be true", "findings_not_acknowledged")
                ],
                extra={"findings": post.findings},
            )
        post.approved_by_id, post.approved_at = actor.user_id, now
        post.findings_acknowledged = bool(post.findings)
        post.save()
        audit_record(
            actor=actor,
            action="content.post.approve",
            obj=post,
            before={"status": "in_review"},
            after={"status": post.status, "findings_acknowledged": post.findings_acknowledged},
        )
    return post


def post_reject(*, actor: Actor, post_id: int, note: str) -> ContentPost:
    """Send a post in review back to draft with a note (2-200 characters). Errors: 404, 409, 422, 403."""
    require_permission(actor, PERMISSION)
    note = note.strip()
    if not 2 <= len(note) <= NOTE_MAX:
        raise validation_error([FieldError(("body", "note"), "2-200 characters", "invalid_reason")])
    with audited():
        post = _locked(post_id)
        _move(post, "reject")
        post.review_note = note
        post.save()
        audit_record(
            actor=actor,
            action="content.post.reject",
            obj=post,
            before={"status": "in_review"},
            after={"status": post.status, "note": note},
        )
    return post


def post_schedule(
    *, actor: Actor, post_id: int, scheduled_at: datetime, now: datetime | None = None
) -> ContentPost:
    """Fix the publication time of an approved post (in the future). Errors: 422 ``validation_error``
    (a time in the past or without a time zone), 404, 409, 403. Locks the post row."""
    require_permission(actor, PERMISSION)
    now = now or timezone.now()
    if timezone.is_naive(scheduled_at) or scheduled_at <= now:
        raise validation_error([FieldError(("body", "scheduled_at"), "a future time with a zone", "invalid")])
    with audited():
        post = _locked(post_id)
        before = _snapshot(post)
        _move(post, "schedule")
        post.scheduled_at = _utc(scheduled_at)
        post.save()
        audit_record(
            actor=actor, action="content.post.schedule", obj=post, before=before, after=_snapshot(post)
        )
    return post


def post_publish(*, actor: Actor, post_id: int, url: str = "", now: datetime | None = None) -> ContentPost:
    """Record that the operator published an approved or scheduled post (optionally its public address).
    Errors: 422 (an address over 500 characters or not http(s)), 404, 409, 403. Locks the post row."""
    require_permission(actor, PERMISSION)
    url = url.strip()
    if len(url) > URL_MAX or (url and not url.startswith(("https://", "http://"))):
        raise validation_error(
            [FieldError(("body", "url"), "an http(s) address of 500 characters", "invalid")]
        )
    now = now or timezone.now()
    with audited():
        post = _locked(post_id)
        before = _snapshot(post)
        _move(post, "publish")
        post.published_at, post.published_url = now, url
        post.save()
        audit_record(
            actor=actor,
            action="content.post.publish",
            obj=post,
            before=before,
            after={**_snapshot(post), "url": url},
        )
    return post
