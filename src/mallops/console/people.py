"""Console pages for people: buyers (masked, reveal with a reason) and merchant onboarding."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mallops.accounts import services as account_services
from mallops.accounts.actors import request_actor
from mallops.accounts.models import Address, Merchant, User
from mallops.accounts.roles import Kind
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.core.words import error_lines
from mallops.privacy.registry import always_masked
from mallops.privacy.services import personal_field_reveal


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


@login_required
def buyers(request: HttpRequest) -> HttpResponse:
    _require(request, "buyer.view")
    table = DataTable(
        request,
        User.objects.filter(kind=Kind.BUYER),
        columns=[
            Column(
                "username",
                _("Username"),
                sort="username",
                link=lambda user: reverse("console:buyer", args=[user.pk]),
            ),
            # masked for every role, the platform admin included; the detail page reveals one field
            Column("display_name", _("Full name"), value=lambda user: always_masked(user, "display_name")),
            Column("phone", _("Mobile"), value=lambda user: always_masked(user, "phone")),
            Column("date_joined", _("Joined"), kind="datetime", sort="date_joined"),
        ],
        search=["username"],
        search_placeholder=_("Search by username"),
        date_range=DateRange("date_joined", _("Joined")),
        default_sort="pk",
        page_size=50,
        export_name="buyers",
        testid="buyers",
        empty_title=_("No buyers."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "console/buyers.html",
        {"active": "buyers", "table": table, "can_reveal": request.user.has_perm("privacy.reveal")},
    )


@login_required
def buyer_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    _require(request, "buyer.view")
    buyer = get_object_or_404(User, pk=user_id, kind=Kind.BUYER)
    addresses = list(Address.objects.filter(user=buyer).order_by("pk"))
    revealed: dict[str, Any] = {}
    if request.method == "POST":
        # "phone", "display_name" or "address-<pk>-<field>": one field per reveal, with a reason (audited)
        choice = request.POST.get("field", "")
        target: Any = buyer
        field = choice
        if choice.startswith("address-"):
            _prefix, address_id, field = [*choice.split("-", 2), "", ""][:3]
            target = next((a for a in addresses if str(a.pk) == address_id), None)
        if target is None:
            messages.error(request, _("Choose a field to reveal."))
        else:
            try:
                revealed[choice] = personal_field_reveal(
                    actor=request_actor(request),
                    obj=target,
                    field_name=field,
                    reason=request.POST.get("reason", ""),
                )
            except DomainError as exc:
                for line in error_lines(exc.errors or [], "accounts") or [exc.detail]:
                    messages.error(request, line)
    address_rows = [
        {
            "pk": a.pk,
            "region": f"{a.province}{a.city}{a.district}",
            "recipient": revealed.get(f"address-{a.pk}-recipient") or always_masked(a, "recipient"),
            "phone": revealed.get(f"address-{a.pk}-phone") or always_masked(a, "phone"),
            "detail": revealed.get(f"address-{a.pk}-detail") or ("****" if a.detail else ""),
        }
        for a in addresses
    ]
    context = {
        "active": "buyers",
        "buyer": buyer,
        "display_name": revealed.get("display_name") or always_masked(buyer, "display_name"),
        "phone": revealed.get("phone") or always_masked(buyer, "phone"),
        "revealed": revealed,
        "addresses": address_rows,
        "can_reveal": request.user.has_perm("privacy.reveal"),
        # the CRM page (orders, tickets, lifecycle) is for the people who serve the buyer
        "can_open_profile": request.user.has_perm("ticket.handle"),
    }
    return render(request, "console/buyer_detail.html", context)


@login_required
def merchants(request: HttpRequest) -> HttpResponse:
    _require(request, "merchant.view")
    revealed: dict[tuple[int, str], Any] = {}
    if request.method == "POST" and request.POST.get("action") == "reveal":
        # "<merchant id>-contact_name" or "<merchant id>-contact_phone": one field, with a reason (audited)
        merchant_id, _dash, field = request.POST.get("field", "").partition("-")
        target = (
            Merchant.objects.filter(pk=int(merchant_id)).first() if is_ascii_digits(merchant_id) else None
        )
        if target is None or field not in ("contact_name", "contact_phone"):
            messages.error(request, _("Choose a field to reveal."))
        else:
            try:
                revealed[(target.pk, field)] = personal_field_reveal(
                    actor=request_actor(request),
                    obj=target,
                    field_name=field,
                    reason=request.POST.get("reason", ""),
                )
            except DomainError as exc:
                for line in error_lines(exc.errors or [], "accounts") or [exc.detail]:
                    messages.error(request, line)
    elif request.method == "POST":
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
            merchant = account_services.merchant_onboard(actor=request_actor(request), **data)
        except DomainError as exc:
            for line in error_lines(exc.errors or [], "accounts") or [exc.detail]:
                messages.error(request, line)
        else:
            messages.success(
                request,
                _("Merchant %(name)s onboarded; its owner can sign in now.") % {"name": merchant.name},
            )
            return redirect("console:merchants")
    table = DataTable(
        request,
        Merchant.objects.all(),
        columns=[
            Column("name", _("Store"), sort="name", link=lambda m: reverse("console:merchant", args=[m.pk])),
            Column("licence_number", _("Licence number"), sort="licence_number"),
            # masked in the list for every role
            Column(
                "contact_name",
                _("Contact"),
                value=lambda m: revealed.get((m.pk, "contact_name")) or always_masked(m, "contact_name"),
            ),
            Column(
                "contact_phone",
                _("Mobile"),
                value=lambda m: revealed.get((m.pk, "contact_phone")) or always_masked(m, "contact_phone"),
            ),
            Column(
                "is_active",
                _("Active"),
                kind="badge",
                display=lambda m: _("Active") if m.is_active else _("Suspended"),
                tone=lambda m: "success" if m.is_active else "danger",
            ),
            Column(
                "suspended_reason",
                _("Suspension reason"),
                value=lambda m: "" if m.is_active else m.suspended_reason,
            ),
            *(
                [
                    Column(
                        "manage",
                        "",
                        value=lambda m: _("Edit, suspend, licence"),
                        link=lambda m: reverse("console:merchant_manage", args=[m.pk]),
                        export=False,
                    )
                ]
                if request.user.has_perm("merchant.onboard")
                else []
            ),
        ],
        search=["name", "licence_number"],
        search_placeholder=_("Store or licence number"),
        filters=[Filter("is_active", _("Active"), [("True", _("Active")), ("False", _("Suspended"))])],
        default_sort="pk",
        page_size=50,
        export_name="merchants",
        testid="merchants",
        empty_title=_("No merchants yet."),
    )
    if table.export_format:
        return table.export_response()
    can_onboard = request.user.has_perm("merchant.onboard")
    return render(
        request,
        "console/merchants.html",
        {
            "active": "merchants",
            "table": table,
            "can_onboard": can_onboard,
            "can_reveal": request.user.has_perm("privacy.reveal"),
        },
    )


@login_required
def store_staff(request: HttpRequest) -> HttpResponse:
    """Merchant centre: the owner's store members, and a form to add one (merchant roles only)."""
    _require(request, "store.staff.view")
    from mallops.accounts.selectors import user_merchant
    from mallops.console import staff as staff_views

    if request.method == "POST":
        try:
            account_services.merchant_member_add(
                actor=request_actor(request),
                username=request.POST.get("username", "").strip(),
                password=request.POST.get("password", ""),
                role=request.POST.get("role", ""),
            )
        except DomainError as exc:
            for line in error_lines(exc.errors or [], "accounts") or [exc.detail]:
                messages.error(request, line)
        else:
            messages.success(request, _("Staff member added."))
            return redirect("console:store_staff")
    from mallops.accounts.selectors import merchant_staff_list

    member = user_merchant(request.user)
    can_manage = request.user.has_perm("store.staff.manage")
    roles = staff_views.store_role_choices()
    columns = [
        Column("username", _("Username"), sort="user__username", value=lambda m: m.user.username),
        Column("role", _("Role"), sort="role", value=lambda m: staff_views.role_name(m.role)),
        Column(
            "is_active",
            _("Status"),
            kind="badge",
            display=lambda m: _("Active") if m.is_active else _("Removed"),
            tone=lambda m: "success" if m.is_active else "neutral",
        ),
    ]
    if can_manage:
        columns.append(
            Column(
                "actions",
                _("Actions"),
                kind="template",
                template="console/_store_staff_actions.html",
                export=False,
            )
        )
    table = DataTable(
        request,
        merchant_staff_list(actor=request_actor(request)),
        columns=columns,
        search=["user__username"],
        search_placeholder=_("Username"),
        filters=[
            Filter("role", _("Role"), [("merchant_owner", staff_views.role_name("merchant_owner")), *roles]),
            Filter("is_active", _("Status"), [("True", _("Active")), ("False", _("Removed"))]),
        ],
        default_sort="pk",
        page_size=50,
        export_name="store-staff",
        testid="store-staff",
        row_testid="member-{key}",
        empty_title=_("No staff members yet."),
        empty_hint=_("Add a staff member with the form below.") if can_manage else "",
        context={"roles": roles},
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "console/store_staff.html",
        {
            "active": "store_staff",
            "store": member.merchant if member else None,
            "table": table,
            "can_manage": can_manage,
            "roles": roles,
            "suspended": member.merchant if member and not member.merchant.is_active else None,
        },
    )
