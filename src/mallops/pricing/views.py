"""Console pages: promotions with their pre-launch findings (launch refused while one blocks), a promotion's
participation chart, and the platform's coupon batches (issue to buyers).

Staff with ``promotion.view`` see every promotion and launch or cancel platform ones with
``promotion.manage``; a merchant member with ``store.promotion.manage`` sees and launches its own store's.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
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

from mallops.accounts.actors import merchant_store_id, request_actor
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.timeutil import to_local
from mallops.core.words import label, label_choices
from mallops.pricing import audiences, coupons, services
from mallops.pricing.checks import blocking
from mallops.pricing.citations import LAW_NAMES
from mallops.pricing.models import CouponBatch, Promotion, PromotionStatus, PromotionUse
from mallops.pricing.svg import bar_chart


def _scope(request: HttpRequest) -> tuple[Any, int | None]:
    """(queryset of visible promotions, the user's merchant id or None for staff)."""
    user: Any = request.user
    if user.has_perm("store.promotion.manage"):
        merchant_id = merchant_store_id(request, "store.promotion.manage")
        return Promotion.objects.for_merchant(merchant_id), merchant_id
    if user.has_perm("promotion.view"):
        return Promotion.objects.for_platform(user, "promotion.view"), None
    raise PermissionDenied("promotion.view")


def _row(request: HttpRequest, promotion_id: int) -> tuple[Promotion, int | None]:
    qs, merchant_id = _scope(request)
    row: Promotion | None = qs.select_related("merchant").filter(pk=promotion_id).first()
    if row is None:
        raise Http404("promotion")
    return row, merchant_id


def _can_act(request: HttpRequest, row: Promotion, merchant_id: int | None) -> bool:
    if merchant_id is not None:
        return row.merchant_id == merchant_id
    return row.merchant_id is None and request.user.has_perm("promotion.manage")


@login_required
def promotion_list(request: HttpRequest) -> HttpResponse:
    qs, merchant_id = _scope(request)
    merchant_side = merchant_id is not None
    columns = [
        Column("pk", "#", sort="pk"),
        Column("name", _("Name"), sort="name", link=lambda r: reverse("pricing:detail", args=[r.pk])),
    ]
    if not merchant_side:
        columns.append(
            Column(
                "merchant", _("Merchant"), value=lambda r: r.merchant.name if r.merchant else _("Platform")
            )
        )
    columns += [
        Column("kind", _("Kind"), value=lambda r: label(r.kind, "pricing.kind")),
        Column("layer", _("Layer"), value=lambda r: label(r.layer, "pricing.layer")),
        Column("starts_at", _("Starts"), kind="datetime", sort="starts_at"),
        Column("ends_at", _("Ends"), kind="datetime", sort="ends_at"),
        Column(
            "status", _("Status"), kind="badge", display=lambda r: label(r.status, "pricing.promotion_status")
        ),
        Column("checks", _("Pre-launch checks"), kind="template", template="pricing/_promotion_checks.html"),
        Column("actions", "", kind="template", template="pricing/_promotion_actions.html"),
    ]
    table = DataTable(
        request,
        qs.select_related("merchant"),
        columns=columns,
        search=["name"] if merchant_side else ["name", "merchant__name"],
        search_placeholder=_("Name") if merchant_side else _("Name or store"),
        filters=[
            Filter("status", _("Status"), label_choices("pricing.promotion_status", PromotionStatus.values))
        ],
        date_range=DateRange("starts_at", _("Starts")),
        default_sort="-pk",
        page_size=30,
        export_name="promotions",
        testid="promotions",
        empty_title=_("No promotions."),
    )
    if table.export_format:
        return table.export_response()
    # the pre-launch checks, for the drafts on this page only
    for row in table.rows:
        promotion = row.obj
        promotion.findings = (
            services.promotion_findings(promotion) if promotion.status == PromotionStatus.DRAFT else []
        )
        promotion.blocked = bool(blocking(promotion.findings))
        promotion.can_act = _can_act(request, promotion, merchant_id)
    return render(
        request,
        "pricing/promotions.html",
        {
            "active": "store_promotions" if merchant_side else "promotions",
            "table": table,
            "merchant_side": merchant_side,
            "can_create": merchant_side or request.user.has_perm("promotion.manage"),
        },
    )


def _participation_chart(row: Promotion) -> str:
    uses = PromotionUse.objects.unscoped(reason="participation chart of one promotion").filter(promotion=row)
    per_day = Counter(to_local(u.used_at).date() for u in uses.only("used_at"))
    if not per_day:
        return ""
    start = to_local(row.starts_at).date()
    end = min(to_local(row.ends_at).date(), to_local(timezone.now()).date())
    days: list[date] = []
    day = start
    while day <= end and len(days) < 62:
        days.append(day)
        day += timedelta(days=1)
    return bar_chart([(d.strftime("%m-%d"), per_day.get(d, 0)) for d in days], title=_("Orders per day"))


@login_required
def promotion_detail(request: HttpRequest, promotion_id: int) -> HttpResponse:
    row, merchant_id = _row(request, promotion_id)
    findings = services.promotion_findings(row) if row.status == PromotionStatus.DRAFT else []
    return render(
        request,
        "pricing/promotion_detail.html",
        {
            "active": "store_promotions" if merchant_id is not None else "promotions",
            "row": row,
            "findings": findings,
            "blocked": bool(blocking(findings)),
            "stored_findings": row.findings,
            "can_act": _can_act(request, row, merchant_id),
            "chart": _participation_chart(row),
            "laws": LAW_NAMES,
        },
    )


@login_required
@require_POST
def promotion_launch(request: HttpRequest, promotion_id: int) -> HttpResponse:
    row, merchant_id = _row(request, promotion_id)
    if not _can_act(request, row, merchant_id):
        raise PermissionDenied("promotion.manage")
    try:
        services.promotion_launch(actor=request_actor(request), merchant_id=merchant_id, promotion_id=row.pk)
    except DomainError as error:
        messages.error(request, _("Launch refused: %(detail)s") % {"detail": error.detail})
    else:
        messages.success(request, _("Promotion launched."))
    return redirect("pricing:detail", promotion_id=row.pk)


@login_required
@require_POST
def promotion_cancel(request: HttpRequest, promotion_id: int) -> HttpResponse:
    row, merchant_id = _row(request, promotion_id)
    if not _can_act(request, row, merchant_id):
        raise PermissionDenied("promotion.manage")
    try:
        services.promotion_cancel(actor=request_actor(request), merchant_id=merchant_id, promotion_id=row.pk)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Promotion cancelled."))
    return redirect("pricing:detail", promotion_id=row.pk)


@login_required
def coupon_batches(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("promotion.view"):
        raise PermissionDenied("promotion.view")
    can_issue = user.has_perm("promotion.manage")
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied("promotion.manage")
        names = [
            n.strip() for n in request.POST.get("buyers", "").replace(",", "\n").splitlines() if n.strip()
        ]
        batch_id = request.POST.get("batch", "")
        try:
            result = coupons.coupons_issue(
                actor=request_actor(request), merchant_id=None, batch_id=int(batch_id or 0), usernames=names
            )
        except (DomainError, ValueError) as error:
            messages.error(request, getattr(error, "detail", str(error)))
        else:
            messages.success(
                request,
                _("Issued %(issued)d coupons; refused %(refused)d.")
                % {"issued": len(result.issued), "refused": len(result.refused)},
            )
            if result.no_consent:
                messages.warning(
                    request,
                    _("Skipped %(count)d buyers without marketing consent (not asked, or withdrawn).")
                    % {"count": result.no_consent},
                )
        return redirect("pricing:coupon_batches")
    from mallops.pricing import coupon_lists

    scoped = CouponBatch.objects.for_platform(user, "promotion.view").filter(merchant__isnull=True)
    table = coupon_lists.batch_table(request, scoped, platform=True, can_issue=can_issue)
    if table.export_format:
        return table.export_response()
    shown = list(table.page.object_list)
    chart = bar_chart([(b.name[:8], b.issued_count) for b in shown[:12]], title=_("Coupons issued per batch"))
    return render(
        request,
        "pricing/coupon_batches.html",
        {
            "active": "coupon_batches",
            "table": table,
            "issuable": coupon_lists.active_batches(scoped) if can_issue else [],
            "can_issue": can_issue,
            "chart": chart if shown else "",
            "segments": audiences.segment_choices(None) if can_issue else [],
        },
    )
