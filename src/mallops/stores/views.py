"""Console pages of store texts: the merchant centre's 店铺公告 (edit; the check runs on save and shows each
finding with its words, rule and article) and content operations' review queue of announcements and of
store names with findings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.accounts.roles import Kind
from mallops.console.lists import Column, DataTable
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.words import error_lines, label
from mallops.stores import selectors, services
from mallops.stores.forms import StoreNoticeForm


def _store(request: HttpRequest) -> Actor:
    user = request.user
    if getattr(user, "kind", None) != Kind.MERCHANT or not user.has_perm(services.EDIT_PERMISSION):
        raise PermissionDenied(services.EDIT_PERMISSION)
    return request_actor(request)


def _reviewer(request: HttpRequest) -> Actor:
    if not request.user.has_perm(services.REVIEW_PERMISSION):
        raise PermissionDenied(services.REVIEW_PERMISSION)
    return request_actor(request)


def _finding_rows(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "words": f.get("text", ""),
            "rule": label(f.get("rule", ""), "compliance.rule"),
            "article": f.get("basis", ""),
            "severity": label(f.get("severity", ""), "compliance.severity"),
            "is_block": f.get("severity") == "block",
            "start": f.get("start", 0),
            "end": f.get("end", 0),
        }
        for f in findings
    ]


@login_required
def notice(request: HttpRequest) -> HttpResponse:
    actor = _store(request)
    refused: list[dict[str, Any]] = []
    if request.method == "POST":
        form = StoreNoticeForm(request.POST)
        if form.is_valid():
            try:
                row = services.store_notice_submit(actor=actor, text=form.cleaned_data["text"])
            except DomainError as error:
                if error.code == "compliance_blocked":
                    refused = _finding_rows(error.extra.get("findings", []))
                    form.add_error("text", _("The announcement breaks the advertising rules; change it."))
                else:
                    for line in error_lines(error.errors, "stores") or [_("The action was refused.")]:
                        form.add_error(None, line)
            else:
                if row.status == "live":
                    messages.success(request, _("The announcement is live."))
                else:
                    messages.success(request, _("Saved. Content operations check it before it goes live."))
                return redirect("stores:notice")
    else:
        form = StoreNoticeForm()
    rows = list(selectors.my_notices(actor=actor).filter(status__in=["live", "pending"]))
    live = next((r for r in rows if r.status == "live"), None)
    pending = next((r for r in rows if r.status == "pending"), None)
    if request.method != "POST" and live is not None and pending is None:
        form = StoreNoticeForm(initial={"text": live.text})
    return render(
        request,
        "stores/notice.html",
        {
            "active": "store_notice",
            "form": form,
            "live": live,
            "pending": pending,
            "pending_findings": _finding_rows(pending.findings) if pending else [],
            "refused": refused,
        },
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    actor = _reviewer(request)
    table = DataTable(
        request,
        selectors.pending_notices(actor=actor),
        columns=[
            Column("merchant", _("Store"), value=lambda r: r.merchant.name),
            Column("text", _("Announcement")),
            Column(
                "findings",
                _("Findings"),
                value=lambda r: "; ".join(
                    f"{f['text']}（{label(f['rule'], 'compliance.rule')}，{f['basis']}）" for f in r.findings
                ),
            ),
            Column("submitted_at", _("Submitted"), kind="datetime", sort="submitted_at"),
            Column("actions", "", kind="template", template="stores/_review_actions.html", export=False),
        ],
        search=["merchant__name", "text"],
        search_placeholder=_("Store or words"),
        default_sort="submitted_at",
        empty_title=_("No announcement is waiting."),
        empty_hint=_("Announcements with words to check appear here."),
        testid="store-notices",
    )
    names = [
        {"merchant_id": row.merchant_id, "name": row.name, "findings": _finding_rows(row.findings)}
        for row in selectors.pending_store_names(actor=actor)
    ]
    return render(
        request,
        "stores/review_queue.html",
        {"active": "store_notice_review", "table": table, "names": names},
    )


@login_required
@require_POST
def review_act(request: HttpRequest, notice_id: int, action: str) -> HttpResponse:
    actor = _reviewer(request)
    if action not in ("approve", "reject"):
        raise Http404
    try:
        services.store_notice_decide(
            actor=actor,
            notice_id=notice_id,
            approve=action == "approve",
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        for line in error_lines(error.errors, "stores") or [_("The action was refused.")]:
            messages.error(request, line)
    else:
        messages.success(
            request, _("Announcement approved.") if action == "approve" else _("Announcement rejected.")
        )
    return redirect(reverse("stores:review_queue"))


@login_required
@require_POST
def name_act(request: HttpRequest, merchant_id: int, action: str) -> HttpResponse:
    actor = _reviewer(request)
    if action not in ("approve", "reject"):
        raise Http404
    try:
        services.store_name_decide(
            actor=actor,
            merchant_id=merchant_id,
            name=request.POST.get("name", ""),
            approve=action == "approve",
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        for line in error_lines(error.errors, "stores") or [_("The action was refused.")]:
            messages.error(request, line)
    else:
        messages.success(
            request, _("Store name approved.") if action == "approve" else _("Store name rejected.")
        )
    return redirect(reverse("stores:review_queue"))
