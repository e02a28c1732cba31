"""Reads about users, roles and merchants, always scoped to the asking actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.accounts.models import Address, Merchant, MerchantMember, RoleGrant, User
from mallops.accounts.roles import ROLES, Kind, permissions_for
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.core.fixedsql import FixedQuery

_CACHE_ATTR = "_mallops_roles"
_SUSPENDED_ATTR = "_mallops_store_suspended"
_MERCHANT_ATTR = "_mallops_merchant_id"

# What members of a suspended store keep (``accounts.services.merchant_suspend``): seeing their staff,
# shipping and refunding the orders already placed, customer service and after-sales. Buyers who paid
# are still served; listings, promotions and staff changes wait until the store is resumed.
SUSPENDED_STORE_KEEPS = frozenset({"store.staff.view", "store.order.manage", "store.service.handle"})


# read on every authenticated request (``accounts.actors``): compiled once per process (``core.fixedsql``)
_STAFF_ROLES = FixedQuery(
    "accounts.staff_roles", lambda *, user_id: RoleGrant.objects.filter(user_id=user_id).values("role")
)
_MEMBERSHIP = FixedQuery(
    "accounts.membership",
    lambda *, user_id: (
        MerchantMember.objects.unscoped(reason="role lookup")
        .filter(user_id=user_id, is_active=True)
        .order_by("pk")
        .values("role", "merchant__is_active", "merchant_id")
    ),
)


def user_role_codes(user: Any) -> frozenset[str]:
    """Staff roles from grants; a merchant member's role from the active membership (also while the store
    is suspended: ``user_permissions`` narrows it then). Cached on the instance."""
    if user is None or not getattr(user, "pk", None):
        return frozenset()
    if isinstance(user, Actor):  # read once when the actor was built (``accounts.actors``)
        return user.roles
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return frozenset(cached)
    codes: set[str] = set()
    if user.kind == Kind.STAFF:
        codes = {row["role"] for row in _STAFF_ROLES.rows(user_id=user.pk)}
    elif user.kind == Kind.MERCHANT:
        found = _MEMBERSHIP.rows(user_id=user.pk, limit=1)
        if found:
            codes = {found[0]["role"]}
            setattr(user, _SUSPENDED_ATTR, not found[0]["merchant__is_active"])
            setattr(user, _MERCHANT_ATTR, found[0]["merchant_id"])
    codes &= set(ROLES)
    setattr(user, _CACHE_ATTR, frozenset(codes))
    return frozenset(codes)


def user_permissions(user: Any) -> frozenset[str]:
    """What the user's roles grant; for a member of a suspended store only ``SUSPENDED_STORE_KEEPS``."""
    permissions = permissions_for(user_role_codes(user))
    if getattr(user, _SUSPENDED_ATTR, False) or (isinstance(user, Actor) and user.merchant_suspended):
        return permissions & SUSPENDED_STORE_KEEPS
    return permissions


def merchant_is_suspended(user: Any) -> bool:
    """True for a member of a suspended store (the console shows the reason)."""
    if isinstance(user, Actor):
        return user.merchant_suspended
    user_role_codes(user)
    return bool(getattr(user, _SUSPENDED_ATTR, False))


def suspended_merchant_ids(merchant_ids: set[int]) -> set[int]:
    """Which of these stores are suspended (checkout refuses their products)."""
    return set(Merchant.objects.filter(pk__in=merchant_ids, is_active=False).values_list("pk", flat=True))


def user_merchant_id(user: Any) -> int | None:
    """The store of a merchant member, read with the roles (``user_role_codes``): no query of its own
    once the permission was checked."""
    if isinstance(user, Actor):
        return user.merchant_id
    if user is None or getattr(user, "kind", None) != Kind.MERCHANT:
        return None
    user_role_codes(user)
    merchant_id = getattr(user, _MERCHANT_ATTR, None)
    return int(merchant_id) if merchant_id is not None else None


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


def merchant_staff_list(*, actor: Actor) -> QuerySet[MerchantMember]:
    """The actor's own store members (merchant side)."""
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    members: QuerySet[MerchantMember] = (
        MerchantMember.objects.for_merchant(member.merchant_id).select_related("user").order_by("pk")
    )
    return members


def merchant_staff_get(*, actor: Actor, member_id: int) -> MerchantMember:
    member = merchant_staff_list(actor=actor).filter(pk=member_id).first()
    if member is None:
        raise not_found("staff member")
    return member


def staff_with_permission(permission: str) -> QuerySet[User]:
    """Active staff accounts holding ``permission`` through one of their roles (ordered by id)."""
    codes = [code for code, role in ROLES.items() if permission in role.permissions]
    return (
        User.objects.filter(is_active=True, kind="staff", role_grants__role__in=codes)
        .distinct()
        .order_by("pk")
    )


def staff_with_role(role: str) -> QuerySet[User]:
    """Active staff accounts granted ``role`` (ordered by id): the members of a role's team."""
    return User.objects.filter(is_active=True, kind="staff", role_grants__role=role).distinct().order_by("pk")


def buyer_address(*, buyer_id: int, address_id: int) -> Address | None:
    """One address of the buyer's address book (None: no such address, or another buyer's)."""
    return Address.objects.filter(user_id=buyer_id, pk=address_id).first()


def buyer_default_address(*, buyer_id: int) -> Address | None:
    """The buyer's default address, else their first one (None: the address book is empty)."""
    return Address.objects.filter(user_id=buyer_id).order_by("-is_default", "pk").first()


def merchant_names(*, limit: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of every store by name, for staff pickers (``limit``: at most that many)."""
    rows = Merchant.objects.order_by("name").values_list("pk", "name")
    return list(rows[:limit] if limit is not None else rows)
