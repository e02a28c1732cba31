"""HTTP API of the content calendar under /api/v1/content/... (R4.4.1). Every route requires
``content.manage``; the server decides status, owner and findings. Times are ISO 8601 with a zone (stored
in UTC). A ``block`` compliance finding refuses a submission (422 ``compliance_blocked`` with the
findings and the cited articles)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.content import interactions, selectors, services
from mallops.content.models import (
    BODY_MAX,
    MEDIA_MAX,
    POLL_OPTIONS_MAX,
    POLL_TEXT_MAX,
    TITLE_MAX,
    ContentPost,
    PostInteractions,
)
from mallops.core.actors import Actor
from mallops.core.inputs import MultilineText, QuerySchema, Schema, Text

router = Router(tags=["content"], auth=api_auth)

PlatformIn = Literal["wechat_mp", "douyin", "xiaohongshu", "weibo"]


class ContentPostIn(Schema):
    platform: PlatformIn
    title: Text = Field(..., min_length=1, max_length=TITLE_MAX)
    body: MultilineText = Field(..., min_length=1, max_length=BODY_MAX)
    media_refs: list[Text] = Field(default_factory=list, max_length=MEDIA_MAX)
    scheduled_at: datetime | None = None


class ContentPostApproveIn(Schema):
    acknowledge_findings: bool = False


class ContentPostRejectIn(Schema):
    note: Text = Field(..., min_length=2, max_length=services.NOTE_MAX)


class ContentPostScheduleIn(Schema):
    scheduled_at: datetime


class ContentPostPublishIn(Schema):
    url: Text = Field("", max_length=services.URL_MAX)


class ContentPostQuery(QuerySchema):
    platform: PlatformIn | None = None
    status: Literal["draft", "in_review", "approved", "scheduled", "published"] | None = None


class ContentPostOut(Schema):
    id: int
    platform: str
    title: str
    body: str
    media_refs: list[str]
    scheduled_at: datetime | None
    status: str
    owner_id: int
    findings: list[dict[str, Any]]
    findings_acknowledged: bool
    submitted_by_id: int | None
    approved_by_id: int | None
    review_note: str
    published_at: datetime | None
    published_url: str


class ContentPostListOut(Schema):
    items: list[ContentPostOut]


def _actor(request: HttpRequest) -> Actor:
    """The caller's ``Actor`` (the router's auth guarantees a signed-in user)."""
    return request_actor(request)


def _out(row: ContentPost) -> ContentPostOut:
    return ContentPostOut(
        id=row.pk,
        platform=row.platform,
        title=row.title,
        body=row.body,
        media_refs=list(row.media_refs),
        scheduled_at=row.scheduled_at,
        status=row.status,
        owner_id=row.owner_id,
        findings=row.findings,
        findings_acknowledged=row.findings_acknowledged,
        submitted_by_id=row.submitted_by_id,
        approved_by_id=row.approved_by_id,
        review_note=row.review_note,
        published_at=row.published_at,
        published_url=row.published_url,
    )


@router.get("/content/posts", response=ContentPostListOut, summary="Content calendar posts")
def content_posts(request: HttpRequest, query: Query[ContentPostQuery]) -> ContentPostListOut:
    """Earliest scheduled first (unscheduled last); at most 500."""
    rows = selectors.posts(actor=_actor(request), platform=query.platform or "", status=query.status or "")
    return ContentPostListOut(items=[_out(r) for r in rows[:500]])


@router.post("/content/posts", response={201: ContentPostOut}, summary="Create a draft post")
def content_post_create(request: HttpRequest, payload: ContentPostIn) -> Status[ContentPostOut]:
    row = services.post_create(
        actor=_actor(request),
        platform=payload.platform,
        title=payload.title,
        body=payload.body,
        media_refs=list(payload.media_refs),
        scheduled_at=payload.scheduled_at,
    )
    return Status(201, _out(row))


@router.get("/content/posts/{post_id}", response=ContentPostOut)
def content_post_detail(request: HttpRequest, post_id: int) -> ContentPostOut:
    return _out(selectors.post(actor=_actor(request), post_id=post_id))


@router.put("/content/posts/{post_id}", response=ContentPostOut, summary="Edit a draft post")
def content_post_update(request: HttpRequest, post_id: int, payload: ContentPostIn) -> ContentPostOut:
    row = services.post_update(
        actor=_actor(request),
        post_id=post_id,
        platform=payload.platform,
        title=payload.title,
        body=payload.body,
        media_refs=list(payload.media_refs),
        scheduled_at=payload.scheduled_at,
    )
    return _out(row)


@router.post("/content/posts/{post_id}/submit", response=ContentPostOut, summary="Submit for approval")
def content_post_submit(request: HttpRequest, post_id: int) -> ContentPostOut:
    return _out(services.post_submit(actor=_actor(request), post_id=post_id))


@router.post("/content/posts/{post_id}/approve", response=ContentPostOut, summary="Approve (second person)")
def content_post_approve(request: HttpRequest, post_id: int, payload: ContentPostApproveIn) -> ContentPostOut:
    return _out(
        services.post_approve(
            actor=_actor(request), post_id=post_id, acknowledge_findings=payload.acknowledge_findings
        )
    )


@router.post("/content/posts/{post_id}/reject", response=ContentPostOut, summary="Send back to draft")
def content_post_reject(request: HttpRequest, post_id: int, payload: ContentPostRejectIn) -> ContentPostOut:
    return _out(services.post_reject(actor=_actor(request), post_id=post_id, note=payload.note))


@router.post("/content/posts/{post_id}/schedule", response=ContentPostOut, summary="Fix the publication time")
def content_post_schedule(
    request: HttpRequest, post_id: int, payload: ContentPostScheduleIn
) -> ContentPostOut:
    return _out(
        services.post_schedule(actor=_actor(request), post_id=post_id, scheduled_at=payload.scheduled_at)
    )


@router.post("/content/posts/{post_id}/publish", response=ContentPostOut, summary="Record the publication")
def content_post_publish(request: HttpRequest, post_id: int, payload: ContentPostPublishIn) -> ContentPostOut:
    return _out(services.post_publish(actor=_actor(request), post_id=post_id, url=payload.url))


class ContentPollOptionIn(Schema):
    text: Text = Field(..., min_length=1, max_length=POLL_TEXT_MAX)
    votes: int = Field(..., ge=0, le=interactions.COUNT_MAX)


class ContentInteractionsIn(Schema):
    comment_count: int = Field(..., ge=0, le=interactions.COUNT_MAX)
    poll_question: Text = Field("", max_length=TITLE_MAX)
    poll_options: list[ContentPollOptionIn] = Field(default_factory=list, max_length=POLL_OPTIONS_MAX)


class ContentPollOptionOut(Schema):
    text: str
    votes: int


class ContentInteractionsOut(Schema):
    post_id: int
    comment_count: int
    poll_question: str
    poll_options: list[ContentPollOptionOut]
    poll_votes: int  # total of the options' votes
    recorded_by_id: int | None
    recorded_at: datetime | None


def _interactions_out(post_id: int, row: PostInteractions | None) -> ContentInteractionsOut:
    options = [
        ContentPollOptionOut(text=o["text"], votes=o["votes"]) for o in (row.poll_options if row else [])
    ]
    return ContentInteractionsOut(
        post_id=post_id,
        comment_count=row.comment_count if row else 0,
        poll_question=row.poll_question if row else "",
        poll_options=options,
        poll_votes=sum(o.votes for o in options),
        recorded_by_id=row.recorded_by_id if row else None,
        recorded_at=row.recorded_at if row else None,
    )


@router.get(
    "/content/posts/{post_id}/interactions", response=ContentInteractionsOut, summary="A post's interactions"
)
def content_post_interactions(request: HttpRequest, post_id: int) -> ContentInteractionsOut:
    return _interactions_out(post_id, interactions.post_interactions(actor=_actor(request), post_id=post_id))


@router.put(
    "/content/posts/{post_id}/interactions",
    response=ContentInteractionsOut,
    summary="Record a post's interactions",
)
def content_post_interactions_record(
    request: HttpRequest, post_id: int, payload: ContentInteractionsIn
) -> ContentInteractionsOut:
    row = interactions.post_interactions_record(
        actor=_actor(request),
        post_id=post_id,
        comment_count=payload.comment_count,
        poll_question=payload.poll_question,
        poll_options=[interactions.PollOption(o.text, o.votes) for o in payload.poll_options],
    )
    return _interactions_out(post_id, row)
