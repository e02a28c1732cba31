"""Console pages of the campaign report (R1.4.2) and the segment coupon issue, moved from pricing
(issue 16, ADR 0006) with the same URLs under ``/promotions/`` (``mallops.analytics.campaign_urls``):
the report with its chart (staff: ``/promotions/campaigns/``; the merchant centre:
``/promotions/store-campaigns/``, its own store), and issuing a coupon batch to an RFM segment (the
form on the platform coupons page and on the merchant centre's store coupons page posts here).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import merchant_store_id, request_actor
from mallops.analytics import campaign_report, segments
from mallops.console.lists import Column, DataTable, Filter, query_day
from mallops.core.errors import DomainError
from mallops.pricing.svg import bar_chart


def _campaign_table(request: HttpRequest, rows: list[dict[str, Any]], *, merchant_side: bool) -> DataTable:
    """The report's campaigns (dicts, already scoped and computed) as a ``DataTable``."""
    from django.urls import reverse

    kinds = [("promotion", _("Promotion")), ("coupon_batch", _("Coupon batch"))]
    names = dict(kinds)

    def link(row: dict[str, Any]) -> str | None:
        # a store opens its own promotions; the platform opens every promotion
        if row["type"] == "promotion" and (row["merchant_id"] or not merchant_side):
            return reverse("pricing:detail", args=[row["id"]])
        return None

    return DataTable(
        request,
        [{**row, "key": f"{row['type']}-{row['id']}"} for row in rows],
        columns=[
            Column("type", _("Type"), value=lambda r: names.get(r["type"], r["type"])),
            Column("id", "#", sort="id", link=link),
            Column("name", _("Name"), sort="name", link=link),
            Column(
                "merchant", _("Merchant"), sort="merchant", value=lambda r: r["merchant"] or _("Platform")
            ),
            Column("orders", _("Orders"), kind="number", sort="orders"),
            Column("buyers", _("Buyers"), kind="number", sort="buyers"),
            Column("discount_fen", _("Discount cost"), kind="money", sort="discount_fen"),
            Column("gmv_fen", _("GMV"), kind="money", sort="gmv_fen"),
            Column("refunded_fen", _("Refunded amount"), kind="money", sort="refunded_fen"),
            Column("roi", "ROI", kind="number", sort="roi"),
        ],
        search=["name", "merchant"],
        search_placeholder=_("Campaign or store"),
        filters=[Filter("type", _("Type"), kinds)],
        default_sort="-discount_fen",
        page_size=50,
        export_name="campaigns",
        row_key="key",
        keep=["start", "end"],
        testid="campaigns",
        row_testid="campaign-{key}",
        empty_title=_("No paid order used a promotion or coupon in this period."),
        empty_hint=_("Pick a longer period, or launch a promotion or coupon batch first."),
    )


def _report_page(request: HttpRequest, merchant_id: int | None) -> HttpResponse:
    actor = request_actor(request)
    start, end = query_day(request.GET.get("start", "")), query_day(request.GET.get("end", ""))
    if start and end and end < start:
        messages.error(request, _("The end date is before the start date."))
        start = end = None
    if merchant_id is None:
        report = campaign_report.campaign_report(actor=actor, start=start, end=end)
    else:
        report = campaign_report.merchant_campaign_report(
            actor=actor, merchant_id=merchant_id, start=start, end=end
        )
    rows = report["campaigns"]
    table = _campaign_table(request, rows, merchant_side=merchant_id is not None)
    if table.export_format:
        return table.export_response()
    top = sorted(rows, key=lambda r: -r["discount_fen"])[:12]
    return render(
        request,
        "analytics/campaigns.html",
        {
            "active": "store_campaigns" if merchant_id is not None else "campaigns",
            "merchant_side": merchant_id is not None,
            "report": report,
            "rows": rows,
            "table": table,
            "start": start,
            "end": end,
            "cost_chart": bar_chart(
                [(r["name"][:8] or str(r["id"]), round(r["discount_fen"] / 100)) for r in top],
                title=_("Discount cost per campaign (yuan)"),
            ),
            "gmv_chart": bar_chart(
                [(r["name"][:8] or str(r["id"]), round(r["gmv_fen"] / 100)) for r in top],
                title=_("GMV per campaign (yuan)"),
            ),
        },
    )


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("promotion.view"):
        raise PermissionDenied("promotion.view")
    return _report_page(request, None)


@login_required
def merchant_campaigns(request: HttpRequest) -> HttpResponse:
    """The merchant centre's campaign report: its own campaigns and the platform's, on its own orders."""
    return _report_page(request, merchant_store_id(request, "store.promotion.manage"))


def _issue_segment(request: HttpRequest, merchant_id: int | None) -> None:
    try:
        result = segments.coupons_issue_segment(
            actor=request_actor(request),
            merchant_id=merchant_id,
            batch_id=int(request.POST.get("batch", "") or 0),
            segment=request.POST.get("segment", ""),
        )
    except ValueError:
        messages.error(request, _("Choose a coupon batch."))
    except DomainError as error:
        if error.code == "not_found":
            messages.error(request, _("No such coupon batch here."))
        elif error.code == "validation_error":
            messages.error(request, _("Choose one of the listed segments."))
        else:
            messages.error(request, _("Not issued: %(detail)s") % {"detail": error.detail})
    else:
        messages.success(
            request,
            _("Segment %(segment)s: issued %(issued)d, already held %(already)d, refused %(refused)d.")
            % {
                "segment": segments.SEGMENT_LABELS.get(result.segment, result.segment),
                "issued": len(result.issued),
                "already": result.already,
                "refused": sum(result.refused.values()),
            },
        )
        if result.no_consent:
            messages.info(
                request,
                _("%(count)d buyers without marketing consent were skipped.") % {"count": result.no_consent},
            )


@login_required
@require_POST
def issue_segment(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("promotion.manage"):
        raise PermissionDenied("promotion.manage")
    _issue_segment(request, None)
    return redirect("pricing:coupon_batches")


@login_required
@require_POST
def store_issue_segment(request: HttpRequest) -> HttpResponse:
    merchant_id = merchant_store_id(request, "store.promotion.manage")
    _issue_segment(request, merchant_id)
    return redirect("pricing:store_coupons")
