"""Console pages: memberships (grant and revoke) and the merchant centre's store coupons page
``/promotions/store-coupons/`` with its segment form (the choices come from ``pricing.audiences``; the
campaign report pages and the segment issue moved to ``mallops.analytics.views_campaigns``, same URLs).

Staff see the platform's memberships (``promotion.view``; granting needs ``promotion.manage``); a
merchant member with ``store.promotion.manage`` manages its own store's.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import merchant_store_id, request_actor
from mallops.accounts.selectors import user_merchant
from mallops.console.lists import Column, DataTable, Filter, query_day
from mallops.core.errors import DomainError
from mallops.core.words import label, label_choices
from mallops.pricing import memberships
from mallops.pricing.models import CouponBatch
from mallops.pricing.svg import bar_chart


def _membership_side(request: HttpRequest) -> tuple[int | None, bool]:
    """(merchant id or None for staff, whether the user may grant and revoke)."""
    user: Any = request.user
    if user.has_perm("store.promotion.manage"):
        member = user_merchant(user)
        if member is None:
            raise PermissionDenied("store.promotion.manage")
        return int(member.merchant_id), True
    if user.has_perm("promotion.view"):
        return None, bool(user.has_perm("promotion.manage"))
    raise PermissionDenied("promotion.view")


@login_required
def membership_list(request: HttpRequest) -> HttpResponse:
    merchant_id, can_manage = _membership_side(request)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("promotion.manage")
        # valid through the given Beijing date (empty: open-ended)
        last_day = query_day(request.POST.get("valid_to", "").strip())
        valid_to = (
            datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone())
            if last_day
            else None
        )
        try:
            memberships.membership_grant(
                actor=request_actor(request),
                merchant_id=merchant_id,
                data=memberships.MembershipInput(
                    buyer=request.POST.get("buyer", ""),
                    level=request.POST.get("level", ""),
                    valid_to=valid_to,
                ),
            )
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("Membership granted."))
        return redirect("pricing:memberships")
    rows = memberships.memberships(actor=request_actor(request), merchant_id=merchant_id)
    # a platform level set by the tier rules shows as the tier's name (the membership app's hook); any
    # other level only in a tooltip
    levels = rows.order_by().values_list("level", flat=True).distinct()
    tier_names = memberships.tier_names(levels) if merchant_id is None else {}
    table = DataTable(
        request,
        rows,
        columns=[
            Column("buyer", _("Buyer"), sort="buyer__username", value=lambda m: m.buyer.username),
            # exported as the tier's name, or the level as stored when it is no tier code
            Column(
                "level",
                _("Level"),
                kind="template",
                template="pricing/_membership_level.html",
                value=lambda m: tier_names.get(m.level) or m.level,
            ),
            Column("valid_from", _("Valid from"), kind="datetime", sort="valid_from"),
            Column("valid_to", _("Valid to"), kind="datetime", sort="valid_to"),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=lambda m: label(m.status, "pricing.membership_status"),
            ),
            Column("actions", "", kind="template", template="pricing/_membership_actions.html", export=False),
        ],
        search=["buyer__username", "level"],
        search_placeholder=_("Buyer username or level"),
        filters=[
            Filter("status", _("Status"), label_choices("pricing.membership_status", ["active", "revoked"]))
        ],
        default_sort="-valid_from",
        page_size=50,
        export_name="memberships",
        testid="memberships",
        context={"can_manage": can_manage, "tier_names": tier_names},
        empty_title=_("No memberships."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "pricing/memberships.html",
        {
            "active": "store_memberships" if merchant_id is not None else "memberships",
            "table": table,
            "can_manage": can_manage,
            "merchant_side": merchant_id is not None,
        },
    )


@login_required
@require_POST
def membership_revoke(request: HttpRequest, membership_id: int) -> HttpResponse:
    merchant_id, can_manage = _membership_side(request)
    if not can_manage:
        raise PermissionDenied("promotion.manage")
    try:
        memberships.membership_revoke(
            actor=request_actor(request), merchant_id=merchant_id, membership_id=membership_id
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Membership revoked."))
    return redirect("pricing:memberships")


@login_required
def store_coupons(request: HttpRequest) -> HttpResponse:
    """The merchant centre's coupon batches with their counts and a form issuing one to a segment."""
    from mallops.pricing import audiences, coupon_lists

    merchant_id = merchant_store_id(request, "store.promotion.manage")
    scoped = CouponBatch.objects.for_merchant(merchant_id)
    table = coupon_lists.batch_table(request, scoped, platform=False, can_issue=True)
    if table.export_format:
        return table.export_response()
    shown = list(table.page.object_list)
    chart = bar_chart([(b.name[:8], b.issued_count) for b in shown[:12]], title=_("Coupons issued per batch"))
    return render(
        request,
        "pricing/store_coupons.html",
        {
            "active": "store_coupons",
            "table": table,
            "issuable": coupon_lists.active_batches(scoped),
            "chart": chart if shown else "",
            "segments": audiences.segment_choices(merchant_id),
        },
    )
