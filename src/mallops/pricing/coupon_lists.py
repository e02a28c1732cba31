"""The coupon batch list of the platform coupons page and the merchant centre's store coupons page, as one
``DataTable`` (search, status/style filters, sort, pages, export). The queryset comes scoped by the view."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from mallops.console import formats
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.words import label, label_choices
from mallops.pricing.models import Coupon, CouponBatch


def with_coupon_counts(batches: QuerySet[CouponBatch]) -> QuerySet[CouponBatch]:
    """Each batch with ``used`` and ``expired``: how many of its coupons were used or ran out."""
    return batches.annotate(
        used=Count("coupons", filter=Q(coupons__status=Coupon.Status.USED)),
        expired=Count("coupons", filter=Q(coupons__status=Coupon.Status.EXPIRED)),
    )


def discount_text(batch: CouponBatch) -> str:
    """``减 ¥30.00`` for an amount off; ``85%`` (``≤ ¥50.00`` when capped) for a percentage."""
    if batch.off_fen:
        return f"{_('Off')} {formats.yuan(batch.off_fen)}"
    text = f"{batch.percent}%"
    if batch.max_off_fen:
        text += f" ≤ {formats.yuan(batch.max_off_fen)}"
    return text


def _day(value: Any) -> str:
    return value.astimezone(formats.SHANGHAI).strftime("%Y-%m-%d") if value else formats.EMPTY


def batch_table(
    request: HttpRequest, batches: QuerySet[CouponBatch], *, platform: bool, can_issue: bool
) -> DataTable:
    columns = [
        Column("pk", "#", kind="number", sort="pk"),
        Column("name", _("Name"), sort="name"),
    ]
    if platform:
        columns.append(Column("style", _("Style"), value=lambda b: label(b.style, "pricing.coupon_style")))
    columns += [
        Column("min_fen", _("Threshold"), kind="money", sort="min_fen"),
        Column("discount", _("Discount"), value=discount_text),
        Column("claim_code", _("Claim code")),
        Column(
            "starts_at",
            _("Valid (Beijing time)"),
            sort="starts_at",
            value=lambda b: f"{_day(b.starts_at)} – {_day(b.ends_at)}",
        ),
        Column(
            "issued_count",
            _("Issued"),
            sort="issued_count",
            value=lambda b: f"{b.issued_count} / {b.total_quantity}",
        ),
        Column("used", _("Used"), kind="number", sort="used"),
        Column("expired", _("Expired"), kind="number", sort="expired"),
        Column(
            "status",
            _("Status"),
            kind="badge",
            display=lambda b: label(b.status, "pricing.coupon_batch_status"),
        ),
    ]
    if can_issue:
        columns.append(
            Column("actions", "", kind="template", template="pricing/_batch_actions.html", export=False)
        )
    filters = [
        Filter(
            "status",
            _("Status"),
            label_choices("pricing.coupon_batch_status", CouponBatch.Status.values),
        )
    ]
    if platform:
        filters.append(
            Filter("style", _("Style"), label_choices("pricing.coupon_style", CouponBatch.Style.values))
        )
    new_url = reverse("pricing:batch_new") if can_issue else ""
    return DataTable(
        request,
        with_coupon_counts(batches),
        columns=columns,
        search=["name", "claim_code"],
        search_placeholder=_("Name or claim code"),
        filters=filters,
        date_range=DateRange("starts_at", _("Valid (Beijing time)")),
        default_sort="-pk",
        page_size=50,
        export_name="coupon-batches",
        testid="batches",
        row_testid="batch-{key}",
        empty_title=_("No platform coupon batches.")
        if platform
        else _("No coupon batches of your store yet."),
        empty_hint=_("Create a batch, then issue it to buyers or a segment.") if can_issue else "",
        empty_action_url=new_url,
        empty_action_label=_("New coupon batch") if can_issue else "",
    )


def active_batches(batches: QuerySet[CouponBatch]) -> list[CouponBatch]:
    """The batches still issuing, for the issue forms (newest first)."""
    return list(batches.filter(status=CouponBatch.Status.ACTIVE).order_by("-pk")[:200])
