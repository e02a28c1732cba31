"""HTTP API of membership under /api/v1/membership/... (R4.3.1).

Tier rules: list (``promotion.view``), create and replace (``promotion.manage``, audited; checked by the
services); member days (``promotion.manage``: a one-day members-only platform 满减, launched through the
pricing promotion services). A buyer reads their own membership: tier, growth value now, the next tier and the growth still
missing, and the tier's benefits. The server decides the tier from its own rows; nothing about a buyer's
tier is taken from the client.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Status

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.models import User
from mallops.accounts.services import require_permission
from mallops.core.inputs import Count, Fen, Id, Schema, Text
from mallops.membership import birthday, member_days, selectors, services
from mallops.membership.models import Tier

router = Router(tags=["membership"], auth=api_auth)


class MembershipTierIn(Schema):
    code: Text = Field(..., min_length=1, max_length=20, pattern=r"^[-a-zA-Z0-9_]+$")
    name: Text = Field(..., min_length=1, max_length=30)
    rank: int = Field(..., ge=0, le=1000)
    min_growth: Count
    discount_percent: int = Field(0, ge=0, le=99)
    free_shipping: bool = False
    birthday_gift: Text = Field("", max_length=100)
    coupon_batch_id: Id | None = None
    coupons_per_period: int = Field(0, ge=0, le=100)
    active: bool = True
    gift_points: int = Field(0, ge=0, le=1_000_000)  # birthday gift: points
    gift_coupon_batch_id: Id | None = None  # birthday gift: one coupon of this platform batch


class MembershipBenefitsOut(Schema):
    discount_percent: int  # member price: percent off every line
    free_shipping: bool
    birthday_gift: str
    coupon_batch_id: int | None
    coupons_per_period: int  # coupons of the batch per Beijing calendar month
    gift_points: int  # birthday gift: points (once a year, on the member's birthday)
    gift_coupon_batch_id: int | None  # birthday gift: one coupon of this batch


class MembershipTierOut(Schema):
    id: int
    code: str
    name: str
    rank: int
    min_growth: int
    active: bool
    benefits: MembershipBenefitsOut


class MembershipTierListOut(Schema):
    items: list[MembershipTierOut]


class MembershipTierRefOut(Schema):
    code: str
    name: str
    min_growth: int


class MyMembershipOut(Schema):
    tier: MembershipTierRefOut | None
    growth: int
    next_tier: MembershipTierRefOut | None
    growth_to_next: int | None  # None at the top tier
    period_ends_at: datetime | None
    downgrade_pending: bool
    pending_tier: MembershipTierRefOut | None
    benefits: MembershipBenefitsOut | None


class MembershipBirthdayIn(Schema):
    month: int = Field(..., ge=1, le=12)
    day: int = Field(..., ge=1, le=31)


class MembershipBirthdayOut(Schema):
    month: int | None
    day: int | None
    changeable_from: datetime | None  # None: the birthday may be set or changed now


class MembershipMemberDayIn(Schema):
    tier_id: Id
    day: date  # a Beijing calendar day
    min_fen: Fen
    off_fen: Fen


class MembershipMemberDayOut(Schema):
    promotion_id: int
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    members_only: bool


def _actor(request: HttpRequest) -> User:
    """The authenticated user (the router's auth guarantees one)."""
    return request.user  # type: ignore[return-value]


def _benefits(row: Tier) -> MembershipBenefitsOut:
    return MembershipBenefitsOut(
        discount_percent=row.discount_percent,
        free_shipping=row.free_shipping,
        birthday_gift=row.birthday_gift,
        coupon_batch_id=row.coupon_batch_id,
        coupons_per_period=row.coupons_per_period,
        gift_points=row.gift_points,
        gift_coupon_batch_id=row.gift_coupon_batch_id,
    )


def _tier_out(row: Tier) -> MembershipTierOut:
    return MembershipTierOut(
        id=row.pk,
        code=row.code,
        name=row.name,
        rank=row.rank,
        min_growth=row.min_growth,
        active=row.active,
        benefits=_benefits(row),
    )


def _ref(row: Tier | None) -> MembershipTierRefOut | None:
    return (
        None if row is None else MembershipTierRefOut(code=row.code, name=row.name, min_growth=row.min_growth)
    )


def _input(payload: MembershipTierIn) -> services.TierInput:
    return services.TierInput(**payload.model_dump())


@router.get(
    "/membership/tiers", response=MembershipTierListOut, summary="Membership tiers (rules and benefits)"
)
def membership_tiers(request: HttpRequest) -> MembershipTierListOut:
    require_permission(request_actor(request), "promotion.view")
    return MembershipTierListOut(items=[_tier_out(t) for t in selectors.tiers()])


@router.post("/membership/tiers", response={201: MembershipTierOut}, summary="Create a membership tier")
def membership_tier_create(request: HttpRequest, payload: MembershipTierIn) -> Status[MembershipTierOut]:
    row = services.tier_create(actor=request_actor(request), data=_input(payload))
    return Status(201, _tier_out(row))


@router.put("/membership/tiers/{tier_id}", response=MembershipTierOut, summary="Replace a membership tier")
def membership_tier_update(
    request: HttpRequest, tier_id: int, payload: MembershipTierIn
) -> MembershipTierOut:
    row = services.tier_update(actor=request_actor(request), tier_id=tier_id, data=_input(payload))
    return _tier_out(row)


@router.get("/membership/me", response=MyMembershipOut, summary="The signed-in buyer's own membership")
def membership_me(request: HttpRequest) -> MyMembershipOut:
    mine = selectors.my_membership(buyer=_actor(request), now=timezone.now())
    return MyMembershipOut(
        tier=_ref(mine.tier),
        growth=mine.growth,
        next_tier=_ref(mine.next_tier),
        growth_to_next=mine.growth_to_next,
        period_ends_at=mine.period_ends_at,
        downgrade_pending=mine.downgrade_pending,
        pending_tier=_ref(mine.pending_tier),
        benefits=_benefits(mine.tier) if mine.tier is not None else None,
    )


def _birthday_out(state: birthday.Birthday) -> MembershipBirthdayOut:
    return MembershipBirthdayOut(month=state.month, day=state.day, changeable_from=state.changeable_from)


@router.get("/membership/me/birthday", response=MembershipBirthdayOut, summary="The buyer's own birthday")
def membership_birthday(request: HttpRequest) -> MembershipBirthdayOut:
    return _birthday_out(birthday.birthday_of(buyer=_actor(request)))


@router.put(
    "/membership/me/birthday",
    response=MembershipBirthdayOut,
    summary="Give or change the buyer's birthday (month and day; once per 365 days)",
)
def membership_birthday_set(request: HttpRequest, payload: MembershipBirthdayIn) -> MembershipBirthdayOut:
    state = birthday.member_birthday_set(actor=request_actor(request), month=payload.month, day=payload.day)
    return _birthday_out(state)


@router.post(
    "/membership/member-days",
    response={201: MembershipMemberDayOut},
    summary="Create and launch a member day (a one-day members-only platform 满减)",
)
def membership_member_day_create(
    request: HttpRequest, payload: MembershipMemberDayIn
) -> Status[MembershipMemberDayOut]:
    row = member_days.member_day_create(
        actor=request_actor(request),
        tier_id=payload.tier_id,
        day=payload.day,
        min_fen=payload.min_fen,
        off_fen=payload.off_fen,
    )
    return Status(
        201,
        MembershipMemberDayOut(
            promotion_id=row.pk,
            name=row.name,
            status=row.status,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            members_only=row.members_only,
        ),
    )
