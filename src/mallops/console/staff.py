"""Console pages for managing people: staff accounts and their roles (``staff.manage``), a merchant's
registration data, suspension and licence (``merchant.onboard``), and the owner's store staff.

Every write goes through ``accounts.services`` (or ``accounts.licences``); a refusal comes back as a form
error under its field, in the page's language. Roles are chosen from the defined roles by their names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts import licences
from mallops.accounts import services as account_services
from mallops.accounts.actors import request_actor
from mallops.accounts.models import Merchant, RoleGrant, User
from mallops.accounts.roles import ROLES, STAFF_ROLES, Kind
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.words import error_lines


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _actor(request: HttpRequest) -> Actor:
    """The signed-in user's ``Actor`` (``login_required`` guarantees one)."""
    return request_actor(request)


def role_name(code: str) -> str:
    """A role's name in the page's language (an unknown code is shown as it is stored)."""
    role = ROLES.get(code)
    if role is None:
        return code
    return role.label_zh if (get_language() or "zh-hans").startswith("zh") else role.label_en


def staff_role_choices() -> list[tuple[str, str]]:
    return [(code, role_name(code)) for code in STAFF_ROLES]


def _refusal(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal on the form: each field error under its field, the rest on top."""
    if not error.errors:
        form.add_error(None, _(error.detail))
        return
    for item, line in zip(error.errors, error_lines([e for e in error.errors], "accounts"), strict=True):
        names = [part for part in item.loc if isinstance(part, str) and part not in ("body", "query")]
        name = names[0] if names else ""
        if name in form.fields:
            message = _("This field is required.") if item.code == "required" else _(item.msg)
            form.add_error(name, message)
        else:
            form.add_error(None, line)


# ---------------------------------------------------------------- staff accounts


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=staff_role_choices, **kwargs)


class StaffCreateForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("First password"),
        widget=forms.PasswordInput,
        help_text=gettext_lazy("Hand it over in person; they change it at 修改密码 after signing in."),
    )
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    roles = RolesField(label=gettext_lazy("Roles"))


class StaffEditForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    roles = RolesField(label=gettext_lazy("Roles"))


class PasswordSetForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        widget=forms.PasswordInput,
        help_text=gettext_lazy("Every sign-in of the account ends (console sessions and API tokens)."),
    )


def _roles_text(user: User) -> str:
    codes = sorted(grant.role for grant in user.role_grants.all())
    return "、".join(role_name(code) for code in codes)


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    _require(request, "staff.manage")
    table = DataTable(
        request,
        User.objects.filter(kind=Kind.STAFF).prefetch_related("role_grants"),
        columns=[
            Column(
                "username",
                _("Username"),
                sort="username",
                link=lambda user: reverse("console:staff_edit", args=[user.pk]),
            ),
            Column("roles", _("Roles"), value=_roles_text),
            Column("email", _("Email")),
            Column(
                "is_active",
                _("Status"),
                kind="badge",
                display=lambda user: _("Active") if user.is_active else _("Disabled"),
                tone=lambda user: "success" if user.is_active else "neutral",
            ),
            Column("last_login", _("Last sign-in"), kind="datetime", sort="last_login"),
        ],
        search=["username", "email"],
        search_placeholder=_("Username or email"),
        filters=[
            Filter("is_active", _("Status"), [("True", _("Active")), ("False", _("Disabled"))]),
            Filter("role", _("Role"), staff_role_choices(), lookup="role_grants__role"),
        ],
        default_sort="username",
        page_size=50,
        export_name="staff",
        testid="staff",
        empty_title=_("No staff accounts yet."),
        empty_hint=_("Create the first account and choose its roles."),
        empty_action_url=reverse("console:staff_new"),
        empty_action_label=_("New staff account"),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "console/staff_list.html", {"active": "staff", "table": table})


@login_required
def staff_new(request: HttpRequest) -> HttpResponse:
    _require(request, "staff.manage")
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_services.staff_create(
                actor=_actor(request),
                username=data["username"].strip(),
                password=data["password"],
                roles=list(data["roles"]),
                email=data["email"],
            )
        except DomainError as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Staff account %(name)s created.") % {"name": user.username})
            return redirect("console:staff")
    return render(request, "console/staff_form.html", {"active": "staff", "form": form, "staff_user": None})


@login_required
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    """Roles and e-mail (``save``), a new password (``password``), ``disable`` and ``enable``."""
    _require(request, "staff.manage")
    staff_user = get_object_or_404(User, pk=user_id, kind=Kind.STAFF)
    current = sorted(RoleGrant.objects.filter(user=staff_user).values_list("role", flat=True))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = StaffEditForm(
        request.POST if action == "save" else None,
        initial={"email": staff_user.email, "roles": current},
    )
    password_form = PasswordSetForm(request.POST if action == "password" else None)
    try:
        if action == "save" and form.is_valid():
            account_services.staff_update(
                actor=_actor(request),
                user_id=staff_user.pk,
                roles=list(form.cleaned_data["roles"]),
                email=form.cleaned_data["email"],
            )
            messages.success(request, _("Saved."))
            return redirect("console:staff_edit", user_id=staff_user.pk)
        if action == "password" and password_form.is_valid():
            account_services.staff_password_set(
                actor=_actor(request),
                user_id=staff_user.pk,
                password=password_form.cleaned_data["password"],
            )
            messages.success(request, _("New password set; the account's earlier sign-ins have ended."))
            return redirect("console:staff_edit", user_id=staff_user.pk)
        if action in ("disable", "enable"):
            account_services.staff_update(
                actor=_actor(request), user_id=staff_user.pk, is_active=action == "enable"
            )
            messages.success(
                request,
                _("Account enabled.")
                if action == "enable"
                else _("Account disabled; its sessions and API tokens have ended."),
            )
            return redirect("console:staff_edit", user_id=staff_user.pk)
    except DomainError as exc:
        if action == "password":
            _refusal(password_form, exc)
        elif action == "save":
            _refusal(form, exc)
        else:
            for line in error_lines(exc.errors or [], "accounts") or [_(exc.detail)]:
                messages.error(request, line)
    return render(
        request,
        "console/staff_form.html",
        {
            "active": "staff",
            "form": form,
            "password_form": password_form,
            "staff_user": staff_user,
            "roles_text": "、".join(role_name(code) for code in current),
        },
    )


# ---------------------------------------------------------------- merchants


class MerchantEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Store"), max_length=100)
    licence_number = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        max_length=18,
        help_text=gettext_lazy("18 characters as printed on the business licence (统一社会信用代码)."),
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=11)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), min_length=2, max_length=200)


class LicenceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Business licence scan"),
        help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


@login_required
def merchant_manage(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """Edit (``save``), ``suspend`` / ``resume`` with a reason, and ``licence`` upload of one store."""
    _require(request, "merchant.onboard")
    merchant = get_object_or_404(Merchant, pk=merchant_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = MerchantEditForm(
        request.POST if action == "save" else None,
        initial={
            "name": merchant.name,
            "licence_number": merchant.licence_number,
            "contact_name": merchant.contact_name,
            "contact_phone": merchant.contact_phone,
        },
    )
    reason_form = ReasonForm(request.POST if action in ("suspend", "resume") else None)
    licence_form = LicenceForm(
        request.POST if action == "licence" else None, request.FILES if action == "licence" else None
    )
    done = ""
    try:
        if action == "save" and form.is_valid():
            account_services.merchant_update(
                actor=_actor(request), merchant_id=merchant.pk, **form.cleaned_data
            )
            done = _("Saved.")
        elif action in ("suspend", "resume") and reason_form.is_valid():
            change = (
                account_services.merchant_suspend if action == "suspend" else account_services.merchant_resume
            )
            change(
                actor=_actor(request),
                merchant_id=merchant.pk,
                reason=reason_form.cleaned_data["reason"],
            )
            done = _("Store suspended.") if action == "suspend" else _("Store resumed.")
        elif action == "licence" and licence_form.is_valid():
            licences.merchant_licence_upload(
                actor=_actor(request),
                merchant_id=merchant.pk,
                upload=licence_form.cleaned_data["file"],
            )
            done = _("Business licence uploaded.")
    except DomainError as exc:
        target = {"save": form, "licence": licence_form}.get(action, reason_form)
        _refusal(target, exc)
    if done:
        messages.success(request, done)
        return redirect("console:merchant_manage", merchant_id=merchant.pk)
    return render(
        request,
        "console/merchant_manage.html",
        {
            "active": "merchants",
            "merchant": merchant,
            "form": form,
            "reason_form": reason_form,
            "licence_form": licence_form,
            "is_pdf": merchant.licence_content_type == "application/pdf",
        },
    )


@login_required
def merchant_licence_file(request: HttpRequest, merchant_id: int) -> FileResponse:
    try:
        handle, content_type = licences.merchant_licence_open(actor=_actor(request), merchant_id=merchant_id)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.detail) from exc
        raise Http404 from exc
    return FileResponse(handle, content_type=content_type or "application/octet-stream")


# ---------------------------------------------------------------- the owner's store staff


@login_required
@require_POST
def store_staff_member(request: HttpRequest, member_id: int) -> HttpResponse:
    """The owner changes a member's role (``role``), removes (``remove``) or takes back (``restore``)."""
    _require(request, "store.staff.manage")
    action = request.POST.get("action", "")
    changes: dict[str, Any] = {}
    if action == "role":
        changes["role"] = request.POST.get("role", "")
    elif action in ("remove", "restore"):
        changes["is_active"] = action == "restore"
    else:
        messages.error(request, _("Choose what to change."))
        return redirect("console:store_staff")
    try:
        member = account_services.merchant_member_update(
            actor=_actor(request), member_id=member_id, **changes
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        for line in error_lines(exc.errors or [], "accounts") or [_(exc.detail)]:
            messages.error(request, line)
    else:
        text = {
            "role": _("Role of %(name)s changed."),
            "remove": _("%(name)s removed from the store; their sign-ins have ended."),
            "restore": _("%(name)s can work for the store again."),
        }[action]
        messages.success(request, text % {"name": member.user.username})
    return redirect("console:store_staff")


def store_role_choices() -> list[tuple[str, str]]:
    return [(code, role_name(code)) for code in account_services.STORE_STAFF_ROLES]
