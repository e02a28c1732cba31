"""HTTP API of points under /api/v1/membership/points (R2.3.1).

A buyer reads their own balance (available, frozen, what expires next, the checkout rate and cap) and
ledger (newest first, a cursor ``before``), lists the coupons on offer for points and takes one
(Idempotency-Key required: it spends points). Staff with ``promotion.manage`` adjust a buyer's points with
a reason and put a platform coupon batch on offer for points. Points used at checkout are the ``points``
field of the checkout and quote requests (orders API); the server caps them and decides the amount.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.idempotency import require_idempotency_key
from mallops.core.inputs import Id, QuerySchema, Schema, Text
from mallops.membership import points, points_selectors
from mallops.membership.models import PointsEntry
from mallops.orders.permissions import require_buyer

router = Router(tags=["membership"], auth=api_auth)


class PointsEntryOut(Schema):
    id: int
    kind: str  # earn, unfreeze, redeem, return, reverse, expire, adjust
    delta: int  # change of the available points
    frozen_delta: int  # change of the frozen points
    order_id: int | None
    reason: str
    expires_at: datetime | None
    created_at: datetime


class PointsOut(Schema):
    available: int
    frozen: int
    rate: int = Field(description="Points that pay 1 元 at checkout.")
    cap_percent: int = Field(description="Points pay at most this share of an order's payable amount.")
    expiring: int = Field(description="Of the available points, how many expire at expires_at.")
    expires_at: datetime | None
    entries: list[PointsEntryOut]
    next_before: int | None = Field(description="Pass as before for the next (older) page; none at the end.")


class PointsLedgerQuery(QuerySchema):
    before: Id | None = None
    limit: int = Field(20, ge=1, le=100)


class PointsCouponOfferOut(Schema):
    id: int
    batch_id: int
    name: str
    points: int
    ends_at: datetime


class PointsCouponOfferListOut(Schema):
    items: list[PointsCouponOfferOut]


class PointsCouponTakenOut(Schema):
    coupon_id: int
    available: int


class PointsAdjustIn(Schema):
    buyer_id: Id
    delta: int = Field(..., ge=-10_000_000, le=10_000_000, description="Points to add (or remove: negative).")
    reason: Text = Field(..., min_length=1, max_length=200)


class PointsCouponOfferIn(Schema):
    batch_id: Id
    points: int = Field(..., ge=1, le=10_000_000)
    active: bool = True


def _entry(row: PointsEntry) -> PointsEntryOut:
    return PointsEntryOut(
        id=row.pk,
        kind=row.kind,
        delta=row.delta,
        frozen_delta=row.frozen_delta,
        order_id=row.order_id,
        reason=row.reason,
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


@router.get("/membership/points", response=PointsOut, summary="The signed-in buyer's points and ledger")
def membership_points(request: HttpRequest, query: Query[PointsLedgerQuery]) -> PointsOut:
    buyer_id = require_buyer(request_actor(request))
    summary = points_selectors.points_summary(buyer_id=buyer_id)
    rows = points_selectors.points_ledger(buyer_id=buyer_id, before_id=query.before, limit=query.limit + 1)
    page = rows[: query.limit]
    return PointsOut(
        available=summary.available,
        frozen=summary.frozen,
        rate=summary.rate,
        cap_percent=summary.cap_percent,
        expiring=summary.expiring,
        expires_at=summary.expires_at,
        entries=[_entry(r) for r in page],
        next_before=page[-1].pk if len(rows) > query.limit else None,
    )


@router.get(
    "/membership/points/coupons", response=PointsCouponOfferListOut, summary="Coupons on offer for points"
)
def membership_points_coupons(request: HttpRequest) -> PointsCouponOfferListOut:
    require_buyer(request_actor(request))
    return PointsCouponOfferListOut(
        items=[
            PointsCouponOfferOut(
                id=o.pk, batch_id=o.batch_id, name=o.batch.name, points=o.points, ends_at=o.batch.ends_at
            )
            for o in points_selectors.coupon_offers()
        ]
    )


@router.post(
    "/membership/points/coupons/{offer_id}/take",
    response={201: PointsCouponTakenOut},
    summary="Take a coupon for points (Idempotency-Key required)",
)
def membership_points_coupon_take(request: HttpRequest, offer_id: int) -> Status[PointsCouponTakenOut]:
    require_idempotency_key(request)
    buyer = request_actor(request)
    coupon_id = points.points_coupon_redeem(actor=buyer, offer_id=offer_id)
    available = points_selectors.points_summary(buyer_id=buyer.user_id or 0).available
    return Status(201, PointsCouponTakenOut(coupon_id=coupon_id, available=available))


@router.post(
    "/membership/points/adjust",
    response={201: PointsEntryOut},
    summary="Add or remove a buyer's points with a reason (promotion.manage; Idempotency-Key required)",
)
def membership_points_adjust(request: HttpRequest, payload: PointsAdjustIn) -> Status[PointsEntryOut]:
    require_idempotency_key(request)
    row = points.points_adjust(
        actor=request_actor(request), buyer_id=payload.buyer_id, delta=payload.delta, reason=payload.reason
    )
    return Status(201, _entry(row))


@router.put(
    "/membership/points/coupon-offers",
    response=PointsCouponOfferOut,
    summary="Offer a platform coupon batch for points, or withdraw it (promotion.manage)",
)
def membership_points_coupon_offer_set(
    request: HttpRequest, payload: PointsCouponOfferIn
) -> PointsCouponOfferOut:
    row = points.points_coupon_offer_set(
        actor=request_actor(request), batch_id=payload.batch_id, points=payload.points, active=payload.active
    )
    batch = row.batch
    return PointsCouponOfferOut(
        id=row.pk, batch_id=batch.pk, name=batch.name, points=row.points, ends_at=batch.ends_at
    )
