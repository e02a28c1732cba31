"""Django admin for platform admins: staff, roles, merchants. Changes go through the services' rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from mallops.accounts.models import ApiToken, LoginLock, Merchant, MerchantMember, RoleGrant, User
from mallops.accounts.roles import ROLES, STAFF_ROLES


class RoleGrantForm(forms.ModelForm):  # type: ignore[type-arg]
    """A role is picked from the defined staff roles (a typed code used to save silently)."""

    role = forms.ChoiceField(choices=lambda: [(code, ROLES[code].label_zh) for code in STAFF_ROLES])

    class Meta:
        model = RoleGrant
        fields = ["role"]


class RoleGrantInline(admin.TabularInline):  # type: ignore[type-arg]
    """Kept for emergencies; staff accounts are managed in the console (系统 › 员工账号, ``/staff/``),
    which also checks the roles and audits every change."""

    model = RoleGrant
    form = RoleGrantForm
    extra = 0


@admin.register(User)
class MallopsUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "kind", "is_active", "is_staff", "last_login")
    list_filter = ("kind", "is_active", "is_staff")
    inlines = [RoleGrantInline]
    fieldsets = (*UserAdmin.fieldsets, ("Mallops", {"fields": ("kind",)}))  # type: ignore[misc]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "licence_number", "is_active", "created_at")
    search_fields = ("name", "licence_number")
    exclude = ("contact_name", "contact_phone")


@admin.register(MerchantMember)
class MerchantMemberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "merchant", "role", "is_active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        members: QuerySet[Any] = MerchantMember.objects.for_platform(request.user, "merchant.view")
        return members.select_related("user", "merchant")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "digest", "user", "created_at", "scopes")


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("key", "failures", "locked_until")
