"""Console pages: the review queue and decision page, the metrics dashboard, the merchant centre."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.accounts.selectors import user_merchant
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.words import label, label_choices
from mallops.review import charts, importing, listing_views, presenters, selectors, services
from mallops.review.checks import text_fields
from mallops.review.models import Listing, ListingStatus, RejectReason


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _merchant_id(request: HttpRequest) -> int:
    _require(request, "store.listing.manage")
    member = user_merchant(request.user)
    if member is None:
        raise PermissionDenied("store.listing.manage")
    return int(member.merchant_id)


def annotated_fields(snapshot: dict[str, Any], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each text field of a snapshot split into segments, findings marked with rule and basis."""
    out = []
    for path, _engine_field, text in text_fields(snapshot):
        spans = [
            (f["start"], f["end"], f["rule"], f["basis"])
            for f in findings
            if f["field"] == path and f["end"] > f["start"]
        ]
        out.append({"field": path, "segments": charts.highlight(text, spans), "flagged": bool(spans)})
    return out


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require(request, "listing.review")
    table = DataTable(
        request,
        selectors.with_claim_state(
            selectors.review_queue(actor=request_actor(request), with_finding_counts=True), now=timezone.now()
        ),
        columns=[
            # the product's title and its store, as a reviewer names a listing (not its row id)
            Column(
                "snapshot.title",
                _("Listing"),
                link=lambda v: reverse("review:detail", args=[v.listing_id]),
            ),
            Column("listing.merchant.name", _("Store")),
            Column("number", _("Version"), value=lambda v: f"v{v.number}"),
            Column(
                "origin",
                _("Source"),
                kind="badge",
                display=lambda v: label(v.origin, "review.version_origin"),
                tone=lambda v: "warning" if v.origin == "recheck" else "neutral",
            ),
            Column("snapshot.category_name", _("Category")),
            Column("submitted_at", _("Submitted"), kind="datetime", sort="submitted_at"),
            Column("findings_count", _("Findings"), kind="number", sort="findings_count"),
            Column("claimed_by", _("Claimed by"), kind="template", template="review/_claimed.html"),
        ],
        search=["snapshot__title", "snapshot__category_name", "listing__merchant__name"],
        search_placeholder=_("Title, category or store"),
        filters=[Filter("claim_state", _("Claim"), [(selectors.CLAIM_EXPIRING, _("Claim about to expire"))])],
        date_range=DateRange("submitted_at", _("Submitted")),
        default_sort="submitted_at",
        page_size=50,
        export_name="review-queue",
        testid="review-queue",
        empty_title=_("Nothing waits for review."),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "review/queue.html", {"active": "review_queue", "table": table})


@login_required
def detail(request: HttpRequest, listing_id: int) -> HttpResponse:
    _require(request, "listing.view")
    try:
        listing = selectors.listing_get_for_platform(
            actor=request_actor(request), permission="listing.view", listing_id=listing_id
        )
    except DomainError as exc:
        raise Http404 from exc
    return render(request, "review/detail.html", _detail_context(request, listing, active="review_queue"))


def _detail_context(request: HttpRequest, listing: Listing, *, active: str) -> dict[str, Any]:
    data = presenters.listing_detail(listing)
    latest = data["versions"][0] if data["versions"] else None
    versions = selectors.listing_versions(listing)
    live = next((v for v in versions if v.pk == listing.live_version_id), None)
    pending = next((v for v in versions if v.pk == listing.pending_version_id), None)
    latest_version = versions[0] if versions else None
    return {
        "active": active,
        "listing": listing,
        "data": data,
        "latest": latest,
        "fields": annotated_fields(latest_version.snapshot, latest["findings"])
        if latest_version and latest
        else [],
        "other_findings": [f for f in latest["findings"] if f["end"] <= f["start"]] if latest else [],
        "diff": selectors.version_diff(live.snapshot, pending.snapshot) if live and pending else [],
        "pending": pending,
        "reasons": RejectReason.choices,
        "takedown": presenters.takedown_view(listing),
        "can_take_down": request.user.has_perm("listing.takedown") and listing.is_visible,
        "rule_choices": listing_views.rule_choices(),
        "finding_rows": range(listing_views.MANUAL_FINDING_ROWS),
        "finding_fields": listing_views.finding_field_choices(pending.snapshot) if pending else [],
        "can_review": request.user.has_perm("listing.review"),
        "holds_claim": bool(pending and pending.claimed_by_id == request.user.pk and pending.claim_due_at),
    }


def _act(request: HttpRequest, listing_id: int, action: str) -> HttpResponse:
    _require(request, "listing.review")
    try:
        if action == "claim":
            services.listing_claim(actor=request_actor(request), listing_id=listing_id)
            messages.success(request, _("Claimed. Decide before the claim expires."))
        elif action == "approve":
            services.listing_approve(
                actor=request_actor(request), listing_id=listing_id, note=request.POST.get("note", "")
            )
            messages.success(request, _("Approved: the version is live."))
            return redirect("review:queue")
        else:
            services.listing_reject(
                actor=request_actor(request),
                listing_id=listing_id,
                reason_codes=request.POST.getlist("reason_codes"),
                note=request.POST.get("note", ""),
                findings=listing_views.manual_findings(request),
            )
            messages.success(request, _("Rejected; the merchant sees the reasons."))
            return redirect("review:queue")
    except DomainError as exc:
        detail = "; ".join([exc.detail, *(e.msg for e in exc.errors)])
        messages.error(request, detail)
    return redirect("review:detail", listing_id=listing_id)


@login_required
@require_POST
def claim(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _act(request, listing_id, "claim")


@login_required
@require_POST
def approve(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _act(request, listing_id, "approve")


@login_required
@require_POST
def reject(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _act(request, listing_id, "reject")


@login_required
def metrics(request: HttpRequest) -> HttpResponse:
    _require(request, "listing.view")
    data = selectors.review_metrics(actor=request_actor(request))
    rules_chart = charts.bar_chart(
        [
            (label(row["rule"], "compliance.rule"), round(row["rate"] * 100, 2))
            for row in data["violations_by_rule"][:15]
        ],
        title=_("Violation rate by rule"),
        unit="%",
    )
    outcome_chart = charts.bar_chart(
        [
            (_("Approved"), data["approved"]),
            (_("Rejected by reviewer"), data["rejected"]),
            (_("Rejected automatically"), data["auto_rejected"]),
        ],
        title=_("Decisions"),
    )
    backlog_chart = charts.bar_chart(list(data["backlog_by_age"].items()), title=_("Backlog by age"))
    return render(
        request,
        "review/metrics.html",
        {
            "active": "review_metrics",
            "m": data,
            "pass_pct": None if data["pass_rate"] is None else round(data["pass_rate"] * 100, 1),
            "rules_chart": rules_chart,
            "outcome_chart": outcome_chart,
            "backlog_chart": backlog_chart,
        },
    )


@login_required
def merchant_listings(request: HttpRequest) -> HttpResponse:
    merchant_id = _merchant_id(request)
    table = DataTable(
        request,
        selectors.listing_list(merchant_id=merchant_id),
        columns=[
            Column(
                "pk",
                _("Listing"),
                sort="pk",
                value=lambda x: f"#{x.pk}",
                link=lambda x: reverse("review:merchant_listing", args=[x.pk]),
            ),
            Column("product.title", _("Title")),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda x: label(x.status, "review.listing_status"),
            ),
            Column(
                "visible",
                _("Visible"),
                kind="template",
                template="review/_listing_visible.html",
                export=False,
            ),
            Column("latest", _("Latest version"), kind="template", template="review/_listing_latest.html"),
            Column("fix", _("What to fix"), kind="template", template="review/_listing_fix.html"),
        ],
        search=["product__title"],
        search_placeholder=_("Title"),
        filters=[Filter("status", _("Status"), label_choices("review.listing_status", ListingStatus.values))],
        default_sort="-pk",
        page_size=30,
        export_name="listings",
        testid="merchant-listings",
        empty_title=_("No listings yet."),
        empty_hint=_("Create a product, then submit it for review."),
        empty_action_url=reverse("review:merchant_product_new"),
        empty_action_label=_("New product"),
    )
    # the latest version and its findings, for the rows on this page only
    listings = [row.obj for row in table.rows]
    versions = {v.listing_id: v for v in _latest_versions(merchant_id, listings)}
    findings = selectors.findings_by_version(list(versions.values()))
    for listing in listings:
        listing.latest = versions.get(listing.pk)
        listing.findings = findings.get(versions[listing.pk].pk, []) if listing.pk in versions else []
    if table.export_format:
        return table.export_response()
    return render(request, "review/merchant_listings.html", {"active": "merchant_listings", "table": table})


def _latest_versions(merchant_id: int, listings: list[Listing]) -> list[Any]:
    from mallops.review.models import ListingVersion

    latest: dict[int, Any] = {}
    for version in (
        ListingVersion.objects.for_merchant(merchant_id)
        .filter(listing_id__in=[x.pk for x in listings])
        .order_by("listing_id", "number")
    ):
        latest[version.listing_id] = version
    return list(latest.values())


@login_required
def merchant_listing(request: HttpRequest, listing_id: int) -> HttpResponse:
    merchant_id = _merchant_id(request)
    try:
        listing = selectors.listing_get(merchant_id=merchant_id, listing_id=listing_id)
    except DomainError as exc:
        raise Http404 from exc
    context = _detail_context(request, listing, active="merchant_listings")
    context["can_review"] = False
    return render(request, "review/merchant_listing.html", context)


@login_required
@require_POST
def merchant_submit(request: HttpRequest, listing_id: int) -> HttpResponse:
    merchant_id = _merchant_id(request)
    try:
        version = services.listing_submit(
            actor=request_actor(request), merchant_id=merchant_id, listing_id=listing_id
        )
        messages.success(
            request,
            _("Submitted version %(n)s: %(status)s")
            % {"n": version.number, "status": version.get_status_display()},
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("review:merchant_listing", listing_id=listing_id)


@login_required
def merchant_import(request: HttpRequest) -> HttpResponse:
    merchant_id = _merchant_id(request)
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV or XLSX file."))
        else:
            confirm = request.POST.get("mode") == "confirm"
            try:
                report = importing.listing_import(
                    actor=request_actor(request),
                    merchant_id=merchant_id,
                    filename=upload.name or "",
                    content=upload.read(),
                    confirm=confirm,
                    accept_valid_subset=request.POST.get("accept_valid_subset") == "on",
                ).as_dict()
                if confirm:
                    messages.success(
                        request, _("Imported %(n)s products.") % {"n": len(report["created_product_ids"])}
                    )
            except DomainError as exc:
                messages.error(request, exc.detail)
                report = {
                    "errors": [
                        {"row": e.loc[1] if len(e.loc) > 1 else "", "column": e.loc[-1], "message": e.msg}
                        for e in exc.errors
                    ]
                }
    return render(request, "review/merchant_import.html", {"active": "merchant_import", "report": report})
