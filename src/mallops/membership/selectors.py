"""Membership reads: the member list (tier, growth, pending downgrade) and one member's lifecycle."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.accounts.services import require_permission
from mallops.membership.models import Member, MemberEvent, Tier


def tiers() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank")


def members(*, actor: Any) -> QuerySet[Member]:
    """Every member with tier and pending tier, best tier first (``promotion.view``)."""
    require_permission(actor, "promotion.view")
    rows: QuerySet[Member] = Member.objects.select_related("buyer", "tier", "pending_tier")
    return rows.order_by("-tier__rank", "-growth", "pk")


def member_lifecycle(*, actor: Any, buyer_id: int) -> list[MemberEvent]:
    """The member's lifecycle events, oldest first (joined, upgrades, scheduled and done downgrades)."""
    require_permission(actor, "promotion.view")
    return list(MemberEvent.objects.filter(member__buyer_id=buyer_id).order_by("at", "pk"))
