"""Memberships: a buyer is a member of the platform or of one store (level, valid from/to).

Members-only promotions and coupon batches of an organiser apply to a buyer who holds a valid membership
of that organiser: a platform membership for platform offers, the store's membership for the store's
offers. Staff with ``promotion.manage`` grant platform memberships; a merchant member with
``store.promotion.manage`` grants its own store's. Granting again replaces the level and window of the
active membership; revoking ends it. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.pricing.models import Membership


@dataclass(frozen=True)
class MembershipInput:
    buyer: str  # username
    level: str
    valid_from: datetime | None = None  # default: now
    valid_to: datetime | None = None  # None: open-ended


def _permission(merchant_id: int | None) -> str:
    return "promotion.manage" if merchant_id is None else "store.promotion.manage"


def _snapshot(row: Membership) -> dict[str, Any]:
    return {
        "buyer": row.buyer_id,
        "merchant": row.merchant_id,
        "level": row.level,
        "valid_from": row.valid_from.isoformat(),
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "status": row.status,
    }


def _scope(actor: Actor, merchant_id: int | None) -> Any:
    if merchant_id is None:
        return Membership.objects.for_platform(actor, "promotion.manage").filter(merchant__isnull=True)
    return Membership.objects.for_merchant(merchant_id)


@transaction.atomic
def membership_grant(
    *, actor: Actor, merchant_id: int | None, data: MembershipInput
) -> tuple[Membership, bool]:
    """Grant (or re-grant) a membership; returns (row, created)."""
    require_permission(actor, _permission(merchant_id))
    now = timezone.now()
    valid_from = data.valid_from or now
    errors: list[FieldError] = []
    level = data.level.strip()
    if not level or len(level) > 20:
        errors.append(FieldError(loc=("body", "level"), msg="1-20 characters"))
    if data.valid_to is not None and data.valid_to <= valid_from:
        errors.append(FieldError(loc=("body", "valid_to"), msg="must be after valid_from"))
    buyer: User | None = User.objects.filter(
        username=data.buyer.strip(), kind=Kind.BUYER, is_active=True
    ).first()
    if buyer is None:
        errors.append(FieldError(loc=("body", "buyer"), msg="no such active buyer", code="not_a_buyer"))
    if errors:
        raise validation_error(errors)
    assert buyer is not None
    row: Membership | None = (
        _scope(actor, merchant_id)
        .select_for_update()
        .filter(buyer=buyer, status=Membership.Status.ACTIVE)
        .first()
    )
    before = _snapshot(row) if row is not None else None
    created = row is None
    if row is None:
        row = Membership(merchant_id=merchant_id, buyer=buyer, granted_by_id=actor.user_id or 0)
    row.level, row.valid_from, row.valid_to = level, valid_from, data.valid_to
    row.granted_by_id = actor.user_id or 0
    row.save()
    audit_record(
        actor=actor,
        action="pricing.membership_grant",
        obj=row,
        merchant_id=merchant_id,
        before=before,
        after=_snapshot(row),
    )
    return row, created


@transaction.atomic
def membership_revoke(*, actor: Actor, merchant_id: int | None, membership_id: int) -> Membership:
    require_permission(actor, _permission(merchant_id))
    row: Membership | None = (
        _scope(actor, merchant_id)
        .select_for_update()
        .filter(pk=membership_id, status=Membership.Status.ACTIVE)
        .first()
    )
    if row is None:
        raise not_found("membership")
    before = _snapshot(row)
    row.status = Membership.Status.REVOKED
    row.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="pricing.membership_revoke",
        obj=row,
        merchant_id=merchant_id,
        before=before,
        after=_snapshot(row),
    )
    return row


def memberships(*, actor: Actor, merchant_id: int | None) -> Any:
    """The organiser's memberships, newest first (staff: the platform's; a merchant: its store's)."""
    if merchant_id is None:
        qs = Membership.objects.for_platform(actor, "promotion.view").filter(merchant__isnull=True)
    else:
        qs = Membership.objects.for_merchant(merchant_id)
    return qs.select_related("buyer").order_by("-pk")


@dataclass(frozen=True)
class BuyerMemberships:
    """Whom the buyer is a valid member of at one moment."""

    platform: bool
    stores: frozenset[int]
    platform_level: str = ""  # the platform membership's level: a tier code when the tier rules set it

    def covers(self, merchant_id: int | None) -> bool:
        """Does a members-only offer of this organiser (None: the platform) apply to the buyer?"""
        return self.platform if merchant_id is None else merchant_id in self.stores


def buyer_memberships(buyer_id: int, now: datetime, merchant_ids: Iterable[int] = ()) -> BuyerMemberships:
    """The buyer's valid memberships at ``now`` (the platform's and, of ``merchant_ids``, the stores')."""
    wanted = set(merchant_ids)
    platform = False
    level = ""
    stores: set[int] = set()
    rows = Membership.objects.for_buyer(buyer_id).valid_at(now).values_list("merchant_id", "level")
    for merchant_id, row_level in rows:
        if merchant_id is None:
            platform, level = True, row_level
        elif merchant_id in wanted:
            stores.add(int(merchant_id))
    return BuyerMemberships(platform, frozenset(stores), level)


@dataclass(frozen=True)
class MemberOffer:
    """An item-layer offer a buyer's membership tier gives in this cart (a member price)."""

    promotion: Any  # engine.Promotion, item layer
    label: dict[str, Any]


# (platform membership level, cart lines) -> offers; called only for a valid platform membership
MemberOffersProvider = Callable[[str, Sequence[Any]], list[MemberOffer]]
_providers: list[MemberOffersProvider] = []


def register_member_offers(provider: MemberOffersProvider) -> None:
    """The membership app registers its tier prices here (pricing does not import it; ADR 0006)."""
    if provider not in _providers:
        _providers.append(provider)


def member_offers(member_of: BuyerMemberships, lines: Sequence[Any]) -> list[MemberOffer]:
    """Member-price offers of the buyer's platform level (its tier) for these lines (no query when the
    buyer holds no platform membership)."""
    if not member_of.platform or not member_of.platform_level:
        return []
    out: list[MemberOffer] = []
    for provider in _providers:
        out.extend(provider(member_of.platform_level, lines))
    return out


# (platform membership levels) -> {level: display name} of those that are tier codes
TierNamesProvider = Callable[[Iterable[str]], dict[str, str]]
_tier_names: list[TierNamesProvider] = []


def register_tier_names(provider: TierNamesProvider) -> None:
    """The membership app names its tier codes here (pricing does not import it; ADR 0006)."""
    if provider not in _tier_names:
        _tier_names.append(provider)


def tier_names(levels: Iterable[str]) -> dict[str, str]:
    """Display names of the platform levels that are tier codes (a level not in the result is free text
    or an unknown code)."""
    wanted = {level for level in levels if level}
    out: dict[str, str] = {}
    for provider in _tier_names:
        if wanted:
            out.update(provider(wanted))
    return out


# (buyer's platform level, members-only platform promotion ids) -> the ids the level does NOT qualify for
TierGateProvider = Callable[[str, Sequence[int]], set[int]]
_tier_gates: list[TierGateProvider] = []


def register_tier_gate(provider: TierGateProvider) -> None:
    """The membership app restricts members-only platform promotions to one tier here (member days)."""
    if provider not in _tier_gates:
        _tier_gates.append(provider)


def tier_denied(member_of: BuyerMemberships, promotion_ids: Sequence[int]) -> set[int]:
    """The members-only platform promotions (of ``promotion_ids``) whose tier restriction the buyer's
    platform level does not meet (no query without such promotions or a platform membership)."""
    if not promotion_ids or not member_of.platform:
        return set()
    out: set[int] = set()
    for provider in _tier_gates:
        out |= provider(member_of.platform_level, promotion_ids)
    return out
