"""Issue 21 part 3, slice 1: the content calendar (R4.4.1). Posts move draft -> in_review -> approved ->
scheduled -> published; each passes the compliance engine on submit (block refuses with the article,
review findings must be acknowledged by a second person who approves); the calendar groups posts by the
Beijing day they are planned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.content import selectors, services
from mallops.content.models import ContentPost
from mallops.core.errors import DomainError
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _draft(
    owner: object, *, body: str = "冬季新品上架，欢迎选购", when: datetime | None = None
) -> ContentPost:
    return services.post_create(
        actor=actor_of(owner),
        platform="xiaohongshu",
        title="冬季好物推荐",
        body=body,
        media_refs=["assets/winter-1.jpg"],
        scheduled_at=when,
    )


@pytest.mark.req("R4.4.1")
def test_a_post_goes_from_draft_to_published_with_a_second_person_acknowledging_findings() -> None:
    # given a writer and an approver of the content team
    writer, approver = make_staff("content_ops"), make_staff("content_ops")
    post = _draft(writer, body="本店茶叶纯天然，欢迎选购")
    # when it is submitted: a review finding is stored with its article
    post = services.post_submit(actor=actor_of(writer), post_id=post.pk, now=NOW)
    assert post.status == "in_review"
    assert [(f["field"], f["rule"], f["text"], f["basis"], f["severity"]) for f in post.findings] == [
        ("body", "AD28-NATURAL", "纯天然", "广告法第二十八条第二款第（二）项", "review")
    ]
    # the writer cannot approve their own post, and the approver must acknowledge the finding
    with pytest.raises(DomainError) as own:
        services.post_approve(actor=actor_of(writer), post_id=post.pk, acknowledge_findings=True)
    assert own.value.code == "four_eyes_required"
    with pytest.raises(DomainError) as unacknowledged:
        services.post_approve(actor=actor_of(approver), post_id=post.pk)
    assert (unacknowledged.value.code, unacknowledged.value.status) == ("findings_not_acknowledged", 422)
    assert ContentPost.objects.get(pk=post.pk).status == "in_review"
    post = services.post_approve(
        actor=actor_of(approver), post_id=post.pk, acknowledge_findings=True, now=NOW
    )
    assert (post.status, post.approved_by_id, post.findings_acknowledged) == ("approved", approver.pk, True)
    # then it is scheduled (a past time is refused) and its publication recorded
    with pytest.raises(DomainError) as past:
        services.post_schedule(
            actor=actor_of(writer), post_id=post.pk, scheduled_at=NOW - timedelta(hours=1), now=NOW
        )
    assert past.value.code == "validation_error"
    when = NOW + timedelta(days=2)
    post = services.post_schedule(actor=actor_of(writer), post_id=post.pk, scheduled_at=when, now=NOW)
    assert (post.status, post.scheduled_at) == ("scheduled", when)
    post = services.post_publish(
        actor=actor_of(writer), post_id=post.pk, url="https://www.xiaohongshu.com/explore/1", now=when
    )
    assert (post.status, post.published_at) == ("published", when)
    # a published post cannot go back to review
    with pytest.raises(DomainError) as again:
        services.post_submit(actor=actor_of(writer), post_id=post.pk)
    assert again.value.code == "post_transition_not_allowed"
    assert list(
        AuditEvent.objects.filter(action__startswith="content.post.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "content.post.create",
        "content.post.submit",
        "content.post.approve",
        "content.post.schedule",
        "content.post.publish",
    ]


@pytest.mark.req("R4.4.1")
def test_a_block_finding_refuses_the_submission_with_the_cited_article_and_nothing_changes() -> None:
    writer = make_staff("content_ops")
    post = _draft(writer, body="喝了能治疗糖尿病")
    with pytest.raises(DomainError) as refused:
        services.post_submit(actor=actor_of(writer), post_id=post.pk)
    assert (refused.value.code, refused.value.status) == ("compliance_blocked", 422)
    blocking = {
        (f["field"], f["text"], f["basis"])
        for f in refused.value.extra["findings"]
        if f["severity"] == "block"
    }
    assert ("body", "治疗糖尿病", "广告法第十七条") in blocking
    row = ContentPost.objects.get(pk=post.pk)
    assert (row.status, row.findings, row.submitted_at) == ("draft", [], None)
    assert not AuditEvent.objects.filter(action="content.post.submit").exists()


def test_a_rejected_post_is_a_draft_again_and_only_drafts_are_edited() -> None:
    writer, approver = make_staff("content_ops"), make_staff("content_ops")
    post = services.post_submit(actor=actor_of(writer), post_id=_draft(writer).pk)
    with pytest.raises(DomainError) as locked:
        services.post_update(actor=actor_of(writer), post_id=post.pk, platform="weibo", title="改", body="改")
    assert locked.value.code == "post_not_editable"
    post = services.post_reject(actor=actor_of(approver), post_id=post.pk, note="标题再短一点")
    assert (post.status, post.review_note) == ("draft", "标题再短一点")
    post = services.post_update(
        actor=actor_of(writer), post_id=post.pk, platform="weibo", title="冬季好物", body="欢迎选购"
    )
    assert (post.platform, post.title) == ("weibo", "冬季好物")


def test_only_the_content_team_reads_and_writes_posts() -> None:
    outsider = make_staff("user_ops")
    with pytest.raises(DomainError) as denied:
        _draft(outsider)
    assert denied.value.code == "permission_denied"
    with pytest.raises(DomainError):
        list(selectors.posts(actor=actor_of(outsider)))
    assert ContentPost.objects.count() == 0


def test_the_calendar_puts_a_post_on_its_beijing_day() -> None:
    writer = make_staff("content_ops")
    # 2026-12-31 17:30 UTC is 2027-01-01 01:30 in Beijing
    late = _draft(writer, when=datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    early = _draft(writer, when=datetime(2026, 12, 31, 1, 0, tzinfo=UTC))
    _draft(writer)  # no time yet
    december = selectors.calendar_month(actor=actor_of(writer), year=2026, month=12)
    days = {cell.day.isoformat(): [p.pk for p in cell.posts] for week in december.weeks for cell in week}
    assert days["2026-12-31"] == [early.pk]
    assert days["2027-01-01"] == [late.pk]  # the grid's trailing days of the next month
    assert december.unscheduled == 1
    assert len(december.weeks) == 5 and december.weeks[0][0].day.isoformat() == "2026-11-30"


def test_api_and_console_pages() -> None:
    writer = make_staff("content_ops")
    api = ApiClient(token=token_for(writer))
    created = api.post_json(
        "/api/v1/content/posts",
        {
            "platform": "douyin",
            "title": "新品预告",
            "body": "本周五上新",
            "scheduled_at": "2026-12-20T12:00:00+08:00",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["owner_id"], body["scheduled_at"]) == (
        "draft",
        writer.pk,
        "2026-12-20T04:00:00Z",
    )
    submitted = api.post_json(f"/api/v1/content/posts/{body['id']}/submit", {})
    assert submitted.json()["status"] == "in_review"
    unknown = api.post_json("/api/v1/content/posts", {"platform": "tiktok", "title": "x", "body": "y"})
    assert unknown.status_code == 422

    client = Client()
    client.force_login(writer)
    for path in (
        "/content/calendar/?month=2026-12",
        "/content/posts/",
        f"/content/posts/{body['id']}/",
        "/content/posts/new/",
    ):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200, path
    calendar = client.get("/content/calendar/?month=2026-12", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "新品预告" in calendar and "抖音" in calendar
