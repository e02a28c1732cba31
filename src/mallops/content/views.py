"""Console pages of the content calendar (R4.4.1): the month grid (Asia/Shanghai), the list of posts, a
new post, and a post's page with its findings and the steps its status allows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable
from mallops.content import interactions, selectors, services, states
from mallops.content.errors import ContentCode
from mallops.content.forms import ContentPostForm, PostInteractionsForm
from mallops.content.models import Platform, PostStatus
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.inputs import console_datetime
from mallops.core.words import error_lines, label


def _operator(request: HttpRequest) -> Actor:
    if not request.user.has_perm(services.PERMISSION):
        raise PermissionDenied(services.PERMISSION)
    return request_actor(request)


def _finding_rows(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "field": label(f.get("field", ""), "content.field"),
            "words": f.get("text", ""),
            "rule": label(f.get("rule", ""), "compliance.rule"),
            "article": f.get("basis", ""),
            "severity": label(f.get("severity", ""), "compliance.severity"),
        }
        for f in findings
    ]


def _month(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    actor = _operator(request)
    year, month = _month(request)
    platform = request.GET.get("platform", "")
    platform = platform if platform in Platform.values else ""
    grid = selectors.calendar_month(actor=actor, year=year, month=month, platform=platform)
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    following = (year, month + 1) if month < 12 else (year + 1, 1)
    return render(
        request,
        "content/calendar.html",
        {
            "active": "content_calendar",
            "grid": grid,
            "platform": platform,
            "platforms": Platform.choices,
            "previous": f"{previous[0]}-{previous[1]:02d}",
            "following": f"{following[0]}-{following[1]:02d}",
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    actor = _operator(request)
    table = DataTable(
        request,
        selectors.posts(actor=actor),
        columns=[
            Column("title", _("Title"), link=lambda r: f"/content/posts/{r.pk}/"),
            Column(
                "platform",
                _("Platform"),
                value=lambda r: label(r.platform, "content.platform"),
                sort="platform",
            ),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda r: label(r.status, "content.status"),
                sort="status",
            ),
            Column("scheduled_at", _("Planned time"), kind="datetime", sort="scheduled_at"),
            Column("owner", _("Owner"), value=lambda r: r.owner.username),
        ],
        search=["title", "body"],
        search_placeholder=_("Title or words"),
        default_sort="scheduled_at",
        empty_title=_("No post yet."),
        empty_hint=_("Plan a post for one of the platform's accounts."),
        testid="content-posts",
    )
    return render(request, "content/posts.html", {"active": "content_posts", "table": table})


@login_required
def post_new(request: HttpRequest) -> HttpResponse:
    actor = _operator(request)
    form = ContentPostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.post_create(
                actor=actor,
                platform=form.cleaned_data["platform"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                media_refs=form.media_list(),
                scheduled_at=form.cleaned_data["scheduled_at"],
            )
        except DomainError as error:
            for line in error_lines(error.errors, "content") or [_("The action was refused.")]:
                form.add_error(None, line)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("content:post", post_id=row.pk)
    return render(request, "content/post_new.html", {"active": "content_posts", "form": form})


@login_required
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = _operator(request)
    try:
        row = selectors.post(actor=actor, post_id=post_id)
    except DomainError as error:
        raise Http404 from error
    return render(
        request,
        "content/post_detail.html",
        {
            "active": "content_posts",
            "post": row,
            "findings": _finding_rows(row.findings),
            "moves": states.moves_from(row.status),
            "refused": _finding_rows(request.session.pop("content_refused", [])),
            "interactions": _interaction_rows(actor, row.pk),
            "interactions_form": PostInteractionsForm() if row.status == PostStatus.PUBLISHED else None,
        },
    )


@login_required
@require_POST
def post_act(request: HttpRequest, post_id: int, action: str) -> HttpResponse:
    actor = _operator(request)
    if action not in states.TRANSITIONS:
        raise Http404
    try:
        if action == "submit":
            services.post_submit(actor=actor, post_id=post_id)
        elif action == "approve":
            services.post_approve(
                actor=actor, post_id=post_id, acknowledge_findings=request.POST.get("acknowledge") == "on"
            )
        elif action == "reject":
            services.post_reject(actor=actor, post_id=post_id, note=request.POST.get("note", ""))
        elif action == "schedule":
            moment, problem = console_datetime(request.POST.get("scheduled_at"))
            if moment is None:
                messages.error(request, problem or _("Choose a time."))
                return redirect("content:post", post_id=post_id)
            services.post_schedule(actor=actor, post_id=post_id, scheduled_at=moment)
        else:
            services.post_publish(actor=actor, post_id=post_id, url=request.POST.get("url", ""))
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        if error.code == "compliance_blocked":
            request.session["content_refused"] = error.extra.get("findings", [])
            messages.error(request, _("The post breaks the advertising rules; change it."))
        else:
            known = {code.value: code.zh for code in ContentCode}
            messages.error(request, known.get(str(error.code)) or _("The action was refused."))
            for line in error_lines(error.errors, "content"):
                messages.error(request, line)
    else:
        messages.success(request, _("Done."))
    return redirect("content:post", post_id=post_id)


def _interaction_rows(actor: Actor, post_id: int) -> dict[str, Any] | None:
    row = interactions.post_interactions(actor=actor, post_id=post_id)
    if row is None:
        return None
    total = sum(int(o["votes"]) for o in row.poll_options)
    return {
        "row": row,
        "options": [
            {
                "text": o["text"],
                "votes": o["votes"],
                "share": round(100 * int(o["votes"]) / total) if total else 0,
            }
            for o in row.poll_options
        ],
        "total": total,
    }


@login_required
@require_POST
def post_interactions(request: HttpRequest, post_id: int) -> HttpResponse:
    """Record the interactions read on the platform (replaces the previous figures)."""
    actor = _operator(request)
    form = PostInteractionsForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
        return redirect("content:post", post_id=post_id)
    try:
        interactions.post_interactions_record(
            actor=actor,
            post_id=post_id,
            comment_count=form.cleaned_data["comment_count"],
            poll_question=form.cleaned_data["poll_question"],
            poll_options=[interactions.PollOption(t, v) for t, v in form.cleaned_data["poll_options"]],
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        known = {code.value: code.zh for code in ContentCode}
        messages.error(request, known.get(str(error.code)) or _("The action was refused."))
        for line in error_lines(error.errors, "content"):
            messages.error(request, line)
    else:
        messages.success(request, _("Interactions recorded."))
    return redirect("content:post", post_id=post_id)
