"""Memberships (registered on the promotions router). The segment coupon issues and the campaign report
moved to ``mallops.analytics.api_campaigns`` (same routes; issue 16, ADR 0006).

- ``POST/GET /memberships``, ``POST /memberships/{id}/revoke`` (platform; ``promotion.manage`` /
  ``promotion.view``) and the same under ``/merchant/memberships`` for a store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor
from mallops.core.inputs import Schema, Text
from mallops.core.pagination import Pagination
from mallops.pricing import memberships
from mallops.pricing.api_promotions import router
from mallops.pricing.schemas import Moment
from mallops.pricing.selectors import actor_merchant_id


class MembershipIn(Schema):
    buyer: Text = Field(min_length=1, max_length=150, description="The buyer's username")
    level: Text = Field(min_length=1, max_length=20)
    valid_from: Moment | None = None
    valid_to: Moment | None = None


class MembershipOut(Schema):
    id: int
    merchant_id: int | None
    buyer: str
    level: str
    valid_from: datetime
    valid_to: datetime | None
    status: str

    @staticmethod
    def from_row(row: Any) -> MembershipOut:
        return MembershipOut(
            id=row.pk,
            merchant_id=row.merchant_id,
            buyer=row.buyer.username,
            level=row.level,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            status=row.status,
        )


def _grant(request: HttpRequest, merchant_id: int | None, payload: MembershipIn) -> Status[Any]:
    row, created = memberships.membership_grant(
        actor=request_actor(request),
        merchant_id=merchant_id,
        data=memberships.MembershipInput(
            buyer=payload.buyer, level=payload.level, valid_from=payload.valid_from, valid_to=payload.valid_to
        ),
    )
    return Status(201 if created else 200, MembershipOut.from_row(row))


@router.post(
    "/memberships",
    response={200: MembershipOut, 201: MembershipOut},
    summary="Grant a platform membership (201; 200 when an active one was replaced)",
)
def platform_membership_grant(request: HttpRequest, payload: MembershipIn) -> Status[Any]:
    return _grant(request, None, payload)


@router.get("/memberships", response=list[MembershipOut], summary="Platform memberships")
@paginate(Pagination)
def platform_membership_list(request: HttpRequest) -> Any:
    rows = memberships.memberships(actor=request_actor(request), merchant_id=None)
    return [MembershipOut.from_row(r) for r in rows]


@router.post(
    "/memberships/{membership_id}/revoke", response=MembershipOut, summary="End a platform membership"
)
def platform_membership_revoke(request: HttpRequest, membership_id: int) -> Any:
    row = memberships.membership_revoke(
        actor=request_actor(request), merchant_id=None, membership_id=membership_id
    )
    return MembershipOut.from_row(row)


@router.post(
    "/merchant/memberships",
    response={200: MembershipOut, 201: MembershipOut},
    summary="Grant a store membership (201; 200 when an active one was replaced)",
)
def merchant_membership_grant(request: HttpRequest, payload: MembershipIn) -> Status[Any]:
    return _grant(request, actor_merchant_id(request_actor(request)), payload)


@router.get("/merchant/memberships", response=list[MembershipOut], summary="The store's memberships")
@paginate(Pagination)
def merchant_membership_list(request: HttpRequest) -> Any:
    actor = request_actor(request)
    rows = memberships.memberships(actor=actor, merchant_id=actor_merchant_id(actor))
    return [MembershipOut.from_row(r) for r in rows]


@router.post(
    "/merchant/memberships/{membership_id}/revoke", response=MembershipOut, summary="End a store membership"
)
def merchant_membership_revoke(request: HttpRequest, membership_id: int) -> Any:
    row = memberships.membership_revoke(
        actor=request_actor(request),
        merchant_id=actor_merchant_id(request_actor(request)),
        membership_id=membership_id,
    )
    return MembershipOut.from_row(row)
