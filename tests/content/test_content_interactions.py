"""Interactions per post (issue 21 part 3, slice 2): the operator enters the comment count and poll
results read on the platform; only a published post has them; each entry is audited; the API and the
post's page show them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.content import interactions, services
from mallops.content.models import ContentPost, PostInteractions
from mallops.core.errors import DomainError
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _published(writer: object, approver: object) -> ContentPost:
    post = services.post_create(
        actor=actor_of(writer),
        platform="weibo",
        title="冬季颜色投票",
        body="冬季新品上架，欢迎投票",
        media_refs=[],
        scheduled_at=None,
    )
    services.post_submit(actor=actor_of(writer), post_id=post.pk, now=NOW)  # type: ignore[arg-type]
    services.post_approve(actor=actor_of(approver), post_id=post.pk, acknowledge_findings=True, now=NOW)  # type: ignore[arg-type]
    return services.post_publish(actor=actor_of(writer), post_id=post.pk, now=NOW)  # type: ignore[arg-type]


def test_interactions_are_recorded_for_a_published_post_only_and_audited() -> None:
    writer, approver = make_staff("content_ops"), make_staff("content_ops")
    draft = services.post_create(
        actor=actor_of(writer),
        platform="weibo",
        title="草稿",
        body="欢迎选购",
        media_refs=[],
        scheduled_at=None,
    )
    with pytest.raises(DomainError) as refused:
        interactions.post_interactions_record(actor=actor_of(writer), post_id=draft.pk, comment_count=3)
    assert (refused.value.code, refused.value.status) == ("post_not_published", 409)
    post = _published(writer, approver)
    with pytest.raises(DomainError) as one_option:
        interactions.post_interactions_record(
            actor=actor_of(writer),
            post_id=post.pk,
            comment_count=3,
            poll_question="颜色",
            poll_options=[interactions.PollOption("红", 1)],
        )
    assert one_option.value.status == 422
    assert PostInteractions.objects.count() == 0
    # when the API records them
    api = ApiClient(token=token_for(writer))
    answer = api.put(
        f"/api/v1/content/posts/{post.pk}/interactions",
        data=json.dumps(
            {
                "comment_count": 42,
                "poll_question": "你最喜欢哪种颜色",
                "poll_options": [{"text": "红色", "votes": 120}, {"text": "蓝色", "votes": 80}],
            }
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["comment_count"], body["poll_votes"], body["recorded_by_id"]) == (42, 200, writer.pk)
    assert body["poll_options"] == [{"text": "红色", "votes": 120}, {"text": "蓝色", "votes": 80}]
    assert api.get_json(f"/api/v1/content/posts/{post.pk}/interactions").json()["comment_count"] == 42
    assert AuditEvent.objects.filter(action="content.post.interactions").count() == 1
    # then the post's page shows them, and an entry from the page replaces them
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(writer)
    html = client.get(f"/content/posts/{post.pk}/").content.decode()
    assert "互动" in html and "评论数" in html and "红色" in html and "60%" in html and "总票数：200" in html
    client.post(
        f"/content/posts/{post.pk}/interactions",
        {"comment_count": "50", "poll_question": "你最喜欢哪种颜色", "poll_options": "红色 130\n蓝色 90"},
    )
    row = PostInteractions.objects.get(post=post)
    assert (row.comment_count, row.poll_options) == (
        50,
        [{"text": "红色", "votes": 130}, {"text": "蓝色", "votes": 90}],
    )
    assert AuditEvent.objects.filter(action="content.post.interactions").count() == 2
