"""Console pages: the moderation queue of content operations (审核队列) and the merchant centre's
商品评价 (the store's reviews with a reply form). The same services as the API do the writes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.accounts.roles import Kind
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.words import error_lines, label
from mallops.product_reviews import selectors, services
from mallops.product_reviews.forms import HideForm, PublishedHideForm, ReplyForm
from mallops.product_reviews.labels import KIND, STATUS


def _error(error: DomainError) -> str:
    return "; ".join(error_lines(error.errors, "product_reviews")) or _(error.detail)


def _content_ops(request: HttpRequest) -> Actor:
    if not request.user.has_perm(services.MODERATE):
        raise PermissionDenied(services.MODERATE)
    return request_actor(request)


def _store(request: HttpRequest) -> Actor:
    user = request.user
    if getattr(user, "kind", None) != Kind.MERCHANT or not user.has_perm(services.STORE_REPLY):
        raise PermissionDenied(services.STORE_REPLY)
    return request_actor(request)


def _findings(row: Any) -> str:
    names = [
        f"{label(f.get('source', ''), 'product_reviews.source')}: {f.get('text') or ''}".rstrip(": ")
        for f in row.findings or []
    ]
    return "; ".join(names)


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    actor = _content_ops(request)
    kind = request.GET.get("kind", "review")
    kind = kind if kind in services.KINDS else "review"
    counts = selectors.pending_counts(actor=actor)
    table = DataTable(
        request,
        selectors.pending_items(actor=actor, kind=kind),
        columns=[
            Column("merchant.name", _("Store")),
            *([Column("rating", _("Star rating"), kind="number", sort="rating")] if kind == "review" else []),
            Column("text", _("What was written")),
            Column("findings", _("Why it waits"), value=_findings),
            Column("created_at", _("Written"), kind="datetime", sort="created_at"),
            Column(
                "actions",
                "",
                kind="template",
                template="product_reviews/_moderation_actions.html",
                export=False,
            ),
        ],
        search=["text", "merchant__name"],
        search_placeholder=_("Text or store"),
        default_sort="created_at",
        keep=["kind"],
        empty_title=_("Nothing waits for moderation."),
        empty_hint=_("Texts flagged by the compliance or risk rules appear here."),
        testid="moderation",
        context={"kind": kind},
    )
    tabs = [
        {"kind": name, "label": KIND[name], "count": counts[name], "active": name == kind} for name in KIND
    ]
    return render(
        request,
        "product_reviews/moderation.html",
        {"active": "review_moderation", "table": table, "tabs": tabs, "kind": kind},
    )


@login_required
@require_POST
def moderation_act(request: HttpRequest, kind: str, object_id: int, action: str) -> HttpResponse:
    actor = _content_ops(request)
    back = reverse("product_reviews:moderation") + f"?kind={kind}"
    try:
        if action == "approve":
            services.moderation_approve(actor=actor, kind=kind, object_id=object_id)
            messages.success(request, _("Published."))
        elif action == "hide":
            form = HideForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say why the text is hidden."))
                return redirect(back)
            services.moderation_hide(
                actor=actor,
                kind=kind,
                object_id=object_id,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Hidden; the author has been told why."))
        else:
            raise PermissionDenied(action)
    except DomainError as error:
        messages.error(request, _error(error))
    return redirect(back)


@login_required
def published(request: HttpRequest) -> HttpResponse:
    """已发布内容: the texts buyers see (or that were hidden after publication); hide one with a reason,
    or restore it."""
    actor = _content_ops(request)
    kind = request.GET.get("kind", "review")
    kind = kind if kind in services.KINDS else "review"
    shown = {k: v for k, v in STATUS.items() if k != "pending"}
    table = DataTable(
        request,
        selectors.published_items(actor=actor, kind=kind),
        columns=[
            Column("merchant.name", _("Store")),
            *([Column("rating", _("Star rating"), kind="number", sort="rating")] if kind == "review" else []),
            Column("text", _("What was written")),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda r: STATUS.get(r.status, ""),
                tone=lambda r: "success" if r.status == "visible" else "neutral",
            ),
            Column("hidden_reason", _("Reason for hiding")),
            Column("created_at", _("Written"), kind="datetime", sort="created_at"),
            Column(
                "actions",
                "",
                kind="template",
                template="product_reviews/_published_actions.html",
                export=False,
            ),
        ],
        search=["text", "merchant__name"],
        search_placeholder=_("Text or store"),
        filters=[Filter("status", _("Status"), list(shown.items()))],
        default_sort="-created_at",
        keep=["kind"],
        empty_title=_("Nothing published yet."),
        empty_hint=_("Published reviews, replies and Q&A appear here."),
        testid="published",
        context={"kind": kind, "hide_form": PublishedHideForm()},
    )
    tabs = [{"kind": name, "label": KIND[name], "active": name == kind} for name in KIND]
    return render(
        request,
        "product_reviews/published.html",
        {"active": "review_moderation", "table": table, "tabs": tabs, "kind": kind},
    )


@login_required
@require_POST
def published_act(request: HttpRequest, kind: str, object_id: int, action: str) -> HttpResponse:
    actor = _content_ops(request)
    back = reverse("product_reviews:published") + f"?kind={kind}"
    try:
        if action == "hide":
            form = PublishedHideForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say why the text is hidden."))
                return redirect(back)
            services.moderation_hide(actor=actor, kind=kind, object_id=object_id, reason=form.reason_text())
            messages.success(request, _("Hidden; the author has been told why."))
        elif action == "restore":
            services.moderation_restore(actor=actor, kind=kind, object_id=object_id)
            messages.success(request, _("Shown to buyers again."))
        else:
            raise PermissionDenied(action)
    except DomainError as error:
        messages.error(request, _error(error))
    return redirect(back)


@login_required
def store_reviews(request: HttpRequest) -> HttpResponse:
    actor = _store(request)
    table = DataTable(
        request,
        selectors.store_reviews(actor=actor),
        columns=[
            Column("sku_code", _("SKU")),
            Column("rating", _("Star rating"), kind="number", sort="rating"),
            Column("text", _("Buyer review")),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda r: STATUS.get(r.status, ""),
                tone=lambda r: {"visible": "success", "pending": "warning", "hidden": "neutral"}[r.status],
            ),
            Column("created_at", _("Written"), kind="datetime", sort="created_at"),
            Column(
                "reply",
                _("Reply"),
                kind="template",
                template="product_reviews/_reply_form.html",
                export=False,
            ),
        ],
        search=["text", "sku_code"],
        search_placeholder=_("Text or SKU"),
        filters=[
            Filter("status", _("Status"), list(STATUS.items())),
            Filter("rating", _("Star rating"), [(str(n), str(n)) for n in range(1, 6)]),
        ],
        default_sort="-created_at",
        export_name="product-reviews",
        empty_title=_("No reviews yet."),
        empty_hint=_("Buyers review delivered orders; their reviews appear here."),
        testid="store-reviews",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "product_reviews/store_reviews.html",
        {"active": "store_reviews", "table": table, "reply_form": ReplyForm()},
    )


@login_required
@require_POST
def store_reply(request: HttpRequest, review_id: int) -> HttpResponse:
    actor = _store(request)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply first."))
    else:
        try:
            services.reply_create(actor=actor, review_id=review_id, text=form.cleaned_data["text"])
            messages.success(request, _("Reply published."))
        except DomainError as error:
            messages.error(request, _error(error))
    return redirect("product_reviews:store_reviews")
