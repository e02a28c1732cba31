"""Membership reads: the member list (tier, growth, pending downgrade, lifecycle stage), the tier
distribution, one member's lifecycle and benefit coupons, and a buyer's own membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, QuerySet, TextChoices, Value, When
from django.utils.translation import gettext_lazy as _

from mallops.accounts.roles import require_buyer
from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.membership.engine import growth_value
from mallops.membership.models import BirthdayGift, Member, MemberEvent, Tier
from mallops.membership.services import buyer_growth
from mallops.pricing import selectors as pricing_selectors


def tiers() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank")


def members(*, actor: Actor) -> QuerySet[Member]:
    """Every member with tier and pending tier, best tier first (``promotion.view``)."""
    require_permission(actor, "promotion.view")
    rows: QuerySet[Member] = Member.objects.select_related("buyer", "tier", "pending_tier")
    return rows.order_by("-tier__rank", "-growth", "pk")


def member_lifecycle(*, actor: Actor, buyer_id: int) -> list[MemberEvent]:
    """The member's lifecycle events, oldest first (joined, upgrades, scheduled and done downgrades)."""
    require_permission(actor, "promotion.view")
    return list(MemberEvent.objects.filter(member__buyer_id=buyer_id).order_by("at", "pk"))


# --- lifecycle stage, distribution, one buyer's membership (console and API) ------------------------------

NEW_MEMBER_DAYS = 30


class Stage(TextChoices):
    """A member's lifecycle stage, read from the member row (no extra query)."""

    NEW = "new", _("New member")
    UPGRADED = "upgraded", _("Recently upgraded")
    AT_RISK = "at_risk", _("Downgrade announced")
    STEADY = "steady", _("Steady member")
    LAPSED = "lapsed", _("No tier")


def with_stage(rows: QuerySet[Member], *, now: datetime) -> QuerySet[Member]:
    """``rows`` annotated with ``stage`` (a :class:`Stage` value), so a list filters on what it shows."""
    recent = now - timedelta(days=NEW_MEMBER_DAYS)
    return rows.annotate(
        stage=Case(
            When(tier__isnull=True, then=Value(Stage.LAPSED)),
            When(downgrade_pending=True, then=Value(Stage.AT_RISK)),
            When(joined_at__gte=recent, then=Value(Stage.NEW)),
            When(period_started_at__gte=recent, then=Value(Stage.UPGRADED)),
            default=Value(Stage.STEADY),
            output_field=CharField(),
        )
    )


def next_tier(tier: Tier | None, rows: list[Tier]) -> Tier | None:
    """The active tier just above ``tier`` by rank (the lowest tier for a buyer without one)."""
    rank = -1 if tier is None else tier.rank
    above = [t for t in rows if t.active and t.rank > rank]
    return min(above, key=lambda t: t.rank) if above else None


def tier_distribution(*, actor: Actor) -> list[tuple[Tier | None, int]]:
    """Members per tier, lowest rank first, then those without a tier (``promotion.view``; one query)."""
    require_permission(actor, "promotion.view")
    counts = dict(Member.objects.values("tier_id").annotate(n=Count("pk")).values_list("tier_id", "n"))
    out: list[tuple[Tier | None, int]] = [(t, counts.get(t.pk, 0)) for t in Tier.objects.order_by("rank")]
    if counts.get(None):
        out.append((None, counts[None]))
    return out


def member(*, actor: Actor, member_id: int, now: datetime) -> Member:
    """One member with tier, pending tier and ``stage`` (``promotion.view``); 404 for an unknown id."""
    require_permission(actor, "promotion.view")
    rows = with_stage(Member.objects.select_related("buyer", "tier", "pending_tier"), now=now)
    row: Member | None = rows.filter(pk=member_id).first()
    if row is None:
        raise not_found("member")
    return row


def benefit_coupons(*, actor: Actor, buyer_id: int) -> QuerySet[Any]:
    """The buyer's coupons of the tiers' coupon batches, newest first (the benefits received)."""
    require_permission(actor, "promotion.view")
    batches = Tier.objects.filter(coupon_batch__isnull=False).values_list("coupon_batch_id", flat=True)
    return pricing_selectors.buyer_coupons_of_batches(buyer_id=buyer_id, batch_ids=list(batches))


def birthday_gifts(*, actor: Actor, buyer_id: int) -> QuerySet[BirthdayGift]:
    """The birthday gifts the buyer received, newest first (staff, ``promotion.view``)."""
    require_permission(actor, "promotion.view")
    rows: QuerySet[BirthdayGift] = BirthdayGift.objects.filter(buyer_id=buyer_id).order_by("-year", "-pk")
    return rows


def birthday_coupons_to_check(*, actor: Actor, now: datetime, days: int = 30) -> QuerySet[BirthdayGift]:
    """Birthday gifts of the last ``days`` whose coupon the batch refused (``retrying``: the sweep tries
    again until the catch-up window closes; ``failed``: not given), oldest birthday first: the operator
    tops up or extends the batch, or hands the coupon over by hand (staff, ``promotion.view``)."""
    require_permission(actor, "promotion.view")
    rows: QuerySet[BirthdayGift] = BirthdayGift.objects.filter(
        coupon_status__in=[BirthdayGift.CouponStatus.RETRYING, BirthdayGift.CouponStatus.FAILED],
        created_at__gte=now - timedelta(days=days),
    ).order_by("birthday", "pk")
    return rows


@dataclass(frozen=True)
class MyMembership:
    """What a buyer sees of their own membership: tier (as placed by the last recompute), the growth value
    now, the next tier and the growth still missing, the period and a coming downgrade."""

    tier: Tier | None
    growth: int
    next_tier: Tier | None
    growth_to_next: int | None
    period_ends_at: datetime | None
    downgrade_pending: bool
    pending_tier: Tier | None


def my_membership(*, buyer: Any, now: datetime) -> MyMembership:
    """The signed-in buyer's membership (403 ``buyer_only`` for staff)."""
    require_buyer(buyer)
    row = Member.objects.select_related("tier", "pending_tier").filter(buyer_id=buyer.pk).first()
    paid_fen, orders = buyer_growth(buyer.pk, now)
    growth = growth_value(paid_fen, orders)
    tier = row.tier if row is not None else None
    following = next_tier(tier, list(Tier.objects.filter(active=True)))
    return MyMembership(
        tier=tier,
        growth=growth,
        next_tier=following,
        growth_to_next=None if following is None else max(following.min_growth - growth, 0),
        period_ends_at=row.period_ends_at if row is not None else None,
        downgrade_pending=bool(row and row.downgrade_pending),
        pending_tier=row.pending_tier if row is not None else None,
    )
