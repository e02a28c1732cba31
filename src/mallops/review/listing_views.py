"""Console pages of listings after review: the platform's product list, take-down by staff, delisting by
the merchant, and the parts of the review page that cite rules (manual findings, the take-down form)."""

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
from mallops.catalogue import selectors as catalogue
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.words import field_path_label, label, label_choices
from mallops.review import product_list, services
from mallops.review.checks import rule_ids, text_fields
from mallops.review.contracts import ManualFinding

MANUAL_FINDING_ROWS = 3
# fields a manual finding may cite as a whole (no span)
WHOLE_FIELD_CHOICES = ("attributes", "certificates", "images", "skus", "category")


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def rule_choices() -> list[tuple[str, str]]:
    """Every rule a take-down or finding may cite, by its Chinese name (the id stays the value)."""
    return [(rule_id, label(rule_id, "compliance.rule")) for rule_id in rule_ids()]


def finding_field_choices(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    fields = [path for path, _engine_field, _text in text_fields(snapshot)] + list(WHOLE_FIELD_CHOICES)
    return [(path, field_path_label(path, "review")) for path in fields]


def manual_findings(request: HttpRequest) -> list[ManualFinding]:
    """The reject form's finding rows (``finding-<n>-rule``, ``-field``, ``-text``, ``-article``); rows
    without a rule are skipped."""
    rows: list[ManualFinding] = []
    for index in range(MANUAL_FINDING_ROWS):
        rule = str(request.POST.get(f"finding-{index}-rule", "")).strip()
        if not rule:
            continue
        rows.append(
            ManualFinding(
                rule=rule,
                field=str(request.POST.get(f"finding-{index}-field", "")).strip(),
                text=str(request.POST.get(f"finding-{index}-text", "")).strip(),
                article=str(request.POST.get(f"finding-{index}-article", "")).strip(),
                message=str(request.POST.get(f"finding-{index}-message", "")).strip(),
            )
        )
    return rows


@login_required
def platform_products(request: HttpRequest) -> HttpResponse:
    _require(request, "listing.view")
    products = product_list.platform_products(actor=request_actor(request))
    table = DataTable(
        request,
        products,
        columns=[
            Column(
                "pk",
                _("Product"),
                sort="pk",
                value=lambda p: f"#{p.pk}",
                link=lambda p: reverse("review:detail", args=[p.listing_id]) if p.listing_id else None,
            ),
            Column("title", _("Title"), sort="title"),
            Column("merchant_name", _("Store"), sort="merchant_name"),
            Column("category.name", _("Category")),
            Column(
                "status",
                _("Status"),
                kind="badge",
                sort="status",
                display=lambda p: label(p.status, "review.listing_status"),
            ),
            Column(
                "visible",
                _("On sale"),
                value=lambda p: _("Yes") if p.visible_listing is not None else _("No"),
            ),
            Column("created_at", _("Created"), kind="datetime", sort="created_at"),
            Column("updated_at", _("Updated"), kind="datetime", sort="updated_at"),
        ],
        search=["title"],
        search_placeholder=_("Title"),
        filters=[
            Filter("status", _("Status"), label_choices("review.listing_status", product_list.STATUSES)),
            Filter(
                "category",
                _("Category"),
                [(str(c.pk), "　" * depth + c.name) for c, depth in catalogue.category_tree()],
                lookup="category_id",
            ),
            Filter("merchant", _("Store"), product_list.store_choices(products), lookup="merchant_id"),
        ],
        date_range=DateRange("created_at", _("Created")),
        default_sort="-pk",
        page_size=50,
        export_name="products",
        testid="platform-products",
        empty_title=_("No products match."),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "review/platform_products.html", {"active": "platform_products", "table": table})


@login_required
@require_POST
def take_down(request: HttpRequest, listing_id: int) -> HttpResponse:
    _require(request, "listing.takedown")
    try:
        services.listing_take_down(
            actor=request_actor(request),
            listing_id=listing_id,
            reason=str(request.POST.get("reason", "")),
            rule=str(request.POST.get("rule", "")),
            article=str(request.POST.get("article", "")),
        )
        messages.success(request, _("Taken down; the merchant has been told why."))
    except DomainError as exc:
        messages.error(request, "; ".join([exc.detail, *(e.msg for e in exc.errors)]))
    return redirect("review:detail", listing_id=listing_id)


@login_required
@require_POST
def merchant_delist(request: HttpRequest, listing_id: int) -> HttpResponse:
    from mallops.review.views import _merchant_id

    merchant_id = _merchant_id(request)
    try:
        services.listing_delist(
            actor=request_actor(request),
            merchant_id=merchant_id,
            listing_id=listing_id,
            reason=str(request.POST.get("reason", "")),
        )
        messages.success(request, _("Delisted. Submit the listing again to put it back on sale."))
    except DomainError as exc:
        if exc.status == 404:
            from django.http import Http404

            raise Http404 from exc
        messages.error(request, exc.detail)
    return redirect("review:merchant_listing", listing_id=listing_id)
