"""Console pages for people: buyers (masked, reveal with a reason) and merchant onboarding."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mallops.accounts import services as account_services
from mallops.accounts.models import Address, Merchant, User
from mallops.accounts.roles import Kind
from mallops.core.errors import DomainError
from mallops.privacy.registry import masked_value, viewer_permissions
from mallops.privacy.services import personal_field_reveal


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


@login_required
def buyers(request: HttpRequest) -> HttpResponse:
    _require(request, "buyer.view")
    perms = viewer_permissions(request.user)
    query = User.objects.filter(kind=Kind.BUYER).order_by("pk")
    if request.GET.get("q"):
        query = query.filter(username__icontains=request.GET["q"].strip())
    page = Paginator(query, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "id": user.pk,
            "username": user.username,
            "display_name": masked_value(user, "display_name", perms),
            "phone": masked_value(user, "phone", perms),
            "joined": user.date_joined,
        }
        for user in page
    ]
    return render(
        request,
        "console/buyers.html",
        {
            "active": "buyers",
            "page": page,
            "rows": rows,
            "can_reveal": request.user.has_perm("privacy.reveal"),
        },
    )


@login_required
def buyer_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    _require(request, "buyer.view")
    buyer = get_object_or_404(User, pk=user_id, kind=Kind.BUYER)
    perms = viewer_permissions(request.user)
    revealed: dict[str, Any] = {}
    if request.method == "POST":
        field = request.POST.get("field", "")
        try:
            revealed[field] = personal_field_reveal(
                actor=request.user,
                obj=buyer,
                field_name=field,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
    addresses = [
        {
            "region": f"{a.province}{a.city}{a.district}",
            "recipient": masked_value(a, "recipient", perms),
            "phone": masked_value(a, "phone", perms),
            "detail": masked_value(a, "detail", perms),
        }
        for a in Address.objects.filter(user=buyer)
    ]
    context = {
        "active": "buyers",
        "buyer": buyer,
        "display_name": revealed.get("display_name") or masked_value(buyer, "display_name", perms),
        "phone": revealed.get("phone") or masked_value(buyer, "phone", perms),
        "revealed": revealed,
        "addresses": addresses,
        "can_reveal": request.user.has_perm("privacy.reveal"),
    }
    return render(request, "console/buyer_detail.html", context)


@login_required
def merchants(request: HttpRequest) -> HttpResponse:
    _require(request, "merchant.view")
    if request.method == "POST":
        fields = [
            "name",
            "licence_number",
            "contact_name",
            "contact_phone",
            "owner_username",
            "owner_password",
        ]
        data = {name: request.POST.get(name, "").strip() for name in fields}
        try:
            merchant = account_services.merchant_onboard(actor=request.user, request=request, **data)  # type: ignore[arg-type]
        except DomainError as exc:
            for error in exc.errors or []:
                messages.error(request, f"{error.loc[-1]}: {error.msg}")
            if not exc.errors:
                messages.error(request, exc.detail)
        else:
            messages.success(
                request,
                _("Merchant %(name)s onboarded; its owner can sign in now.") % {"name": merchant.name},
            )
            return redirect("console:merchants")
    perms = viewer_permissions(request.user)
    rows = [
        {
            "merchant": m,
            "contact_name": masked_value(m, "contact_name", perms),
            "contact_phone": masked_value(m, "contact_phone", perms),
        }
        for m in Merchant.objects.order_by("pk")
    ]
    return render(
        request,
        "console/merchants.html",
        {"active": "merchants", "rows": rows, "can_onboard": request.user.has_perm("merchant.onboard")},
    )


@login_required
def store_staff(request: HttpRequest) -> HttpResponse:
    """Merchant centre: the owner's store members, and a form to add one (merchant roles only)."""
    _require(request, "store.staff.view")
    from mallops.accounts.roles import ROLES
    from mallops.accounts.selectors import merchant_staff_list, user_merchant

    if request.method == "POST":
        try:
            account_services.merchant_member_add(
                actor=request.user,  # type: ignore[arg-type]
                username=request.POST.get("username", "").strip(),
                password=request.POST.get("password", ""),
                role=request.POST.get("role", ""),
                request=request,
            )
        except DomainError as exc:
            for error in exc.errors or []:
                messages.error(request, f"{error.loc[-1]}: {error.msg}")
            if not exc.errors:
                messages.error(request, exc.detail)
        else:
            messages.success(request, _("Staff member added."))
            return redirect("console:store_staff")
    member = user_merchant(request.user)
    members = merchant_staff_list(actor=request.user)  # type: ignore[arg-type]
    rows = [
        {"username": m.user.username, "role": ROLES[m.role].label_zh, "is_active": m.is_active}
        for m in members
    ]
    return render(
        request,
        "console/store_staff.html",
        {
            "active": "store_staff",
            "store": member.merchant if member else None,
            "rows": rows,
            "can_manage": request.user.has_perm("store.staff.manage"),
            "roles": [(code, ROLES[code].label_zh) for code in ("merchant_operator", "merchant_cs")],
        },
    )
