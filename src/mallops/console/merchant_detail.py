"""Console: one merchant's page for the platform (``merchant.view``): licence data, status, staff, the
store's certificates, and counts of its listings and orders with the most recent ones.

Read-only: editing, suspending and the licence upload live on the manage page (``console/staff.py``), to
which this page links for those who hold ``merchant.onboard``. Every merchant-owned row is read through
``for_platform(actor, "merchant.view")``, so a viewer without the permission gets nothing (fails closed);
contact data is masked as in the list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from mallops.accounts.actors import request_actor
from mallops.accounts.models import Merchant, MerchantMember
from mallops.accounts.roles import ROLES
from mallops.core.actors import Actor
from mallops.core.words import label
from mallops.privacy.registry import always_masked

PERMISSION = "merchant.view"
RECENT = 5


def _counts(rows: list[dict[str, Any]], key: str, table: str) -> list[dict[str, Any]]:
    return [{"code": r[key], "label": label(r[key], table), "n": r["n"]} for r in rows]


def _listings(actor: Actor, merchant: Merchant) -> dict[str, Any]:
    from mallops.review.models import Listing

    qs = Listing.objects.for_platform(actor, PERMISSION).filter(merchant_id=merchant.pk)
    by_status = list(qs.values("status").annotate(n=Count("pk")).order_by("status"))
    recent = list(qs.select_related("product").order_by("-pk")[:RECENT])
    return {
        "total": sum(r["n"] for r in by_status),
        "by_status": _counts(by_status, "status", "review.listing_status"),
        "recent": recent,
    }


def _orders(actor: Actor, merchant: Merchant) -> dict[str, Any]:
    from mallops.orders.models import Order

    qs = Order.objects.for_platform(actor, PERMISSION).filter(merchant_id=merchant.pk)
    since = timezone.now() - timedelta(days=30)
    totals = qs.aggregate(
        total=Count("pk"),
        last_30=Count("pk", filter=Q(created_at__gte=since)),
        paid_30=Sum("paid_fen", filter=Q(created_at__gte=since, paid_at__isnull=False)),
        refunded_30=Sum("refunded_fen", filter=Q(created_at__gte=since)),
        late=Count("pk", filter=Q(ship_late=True)),
    )
    by_status = list(qs.values("status").annotate(n=Count("pk")).order_by("status"))
    return {
        "total": int(totals["total"] or 0),
        "last_30": int(totals["last_30"] or 0),
        "paid_30_fen": int(totals["paid_30"] or 0),
        "refunded_30_fen": int(totals["refunded_30"] or 0),
        "late": int(totals["late"] or 0),
        "by_status": _counts(by_status, "status", "orders.status"),
        "recent": list(qs.order_by("-created_at", "-pk")[:RECENT]),
    }


def _staff(actor: Actor, merchant: Merchant) -> list[dict[str, Any]]:
    members = (
        MerchantMember.objects.for_platform(actor, PERMISSION)
        .filter(merchant_id=merchant.pk)
        .select_related("user")
        .order_by("pk")
    )
    return [
        {
            "username": m.user.username,
            "role": ROLES[m.role].label_zh if m.role in ROLES else m.role,
            "is_active": m.is_active and m.user.is_active,
            "joined": m.created_at,
            "last_login": m.user.last_login,
        }
        for m in members
    ]


def _certificates(actor: Actor, merchant: Merchant) -> list[Any]:
    from mallops.catalogue.selectors import store_certificates

    rows: list[Any] = store_certificates(actor=actor, permission=PERMISSION, merchant_id=merchant.pk)
    return rows


@login_required
def merchant_detail(request: HttpRequest, merchant_id: int) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied(PERMISSION)
    merchant = get_object_or_404(Merchant, pk=merchant_id)
    actor = request_actor(request)
    can_manage = request.user.has_perm("merchant.onboard")
    context = {
        "active": "merchants",
        "merchant": merchant,
        "contact_name": always_masked(merchant, "contact_name"),
        "contact_phone": always_masked(merchant, "contact_phone"),
        "staff": _staff(actor, merchant),
        "certificates": _certificates(actor, merchant),
        "listings": _listings(actor, merchant),
        "orders": _orders(actor, merchant),
        "manage_url": reverse("console:merchant_manage", args=[merchant.pk]) if can_manage else "",
        "licence_url": reverse("console:merchant_licence", args=[merchant.pk])
        if can_manage and merchant.licence_file
        else "",
        "orders_url": f"{reverse('orders:list')}?{urlencode({'q': merchant.name})}"
        if request.user.has_perm("order.view")
        else "",
        "order_detail": request.user.has_perm("order.view"),
    }
    return render(request, "console/merchant_detail.html", context)
