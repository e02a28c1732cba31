"""Reads about users, roles and merchants, always scoped to the asking actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.accounts.models import MerchantMember, RoleGrant, User
from mallops.accounts.roles import ROLES, Kind, permissions_for
from mallops.core.errors import not_found

_CACHE_ATTR = "_mallops_roles"


def user_role_codes(user: Any) -> frozenset[str]:
    """Staff roles from grants; a merchant member's role from the membership. Cached on the instance."""
    if user is None or not getattr(user, "pk", None):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return frozenset(cached)
    codes: set[str] = set()
    if user.kind == Kind.STAFF:
        codes = set(RoleGrant.objects.filter(user_id=user.pk).values_list("role", flat=True))
    elif user.kind == Kind.MERCHANT:
        member = (
            MerchantMember.objects.unscoped(reason="role lookup")
            .filter(user_id=user.pk, is_active=True, merchant__is_active=True)
            .first()
        )
        if member is not None:
            codes = {member.role}
    codes &= set(ROLES)
    setattr(user, _CACHE_ATTR, frozenset(codes))
    return frozenset(codes)


def user_permissions(user: Any) -> frozenset[str]:
    return permissions_for(user_role_codes(user))


def user_merchant(user: Any) -> MerchantMember | None:
    if user is None or getattr(user, "kind", None) != Kind.MERCHANT:
        return None
    member: MerchantMember | None = (
        MerchantMember.objects.unscoped(reason="own membership")
        .select_related("merchant")
        .filter(user_id=user.pk, is_active=True)
        .first()
    )
    return member


def merchant_staff_list(*, actor: User) -> QuerySet[MerchantMember]:
    """The actor's own store members (merchant side)."""
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    members: QuerySet[MerchantMember] = (
        MerchantMember.objects.for_merchant(member.merchant_id).select_related("user").order_by("pk")
    )
    return members


def merchant_staff_get(*, actor: User, member_id: int) -> MerchantMember:
    member = merchant_staff_list(actor=actor).filter(pk=member_id).first()
    if member is None:
        raise not_found("staff member")
    return member
