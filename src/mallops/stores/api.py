"""HTTP API of store texts (mounted at /api/v1 with no prefix): the merchant's store announcement
(店铺公告) and its review by content operations (R1.4.1). Tenancy fails closed: a store reads and writes
only its own announcement; a block finding refuses (422 ``compliance_blocked`` with the findings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.inputs import MultilineText, Schema, Text
from mallops.stores import selectors, services
from mallops.stores.models import MAX_NOTICE, StoreNotice

router = Router(tags=["stores"], auth=api_auth)


class StoreNoticeIn(Schema):
    text: MultilineText = Field(..., min_length=1, max_length=MAX_NOTICE)


class StoreNoticeDecisionIn(Schema):
    note: Text = Field("", max_length=services.NOTE_MAX)


class StoreNoticeOut(Schema):
    id: int
    merchant_id: int
    text: str
    status: str
    findings: list[dict[str, Any]]
    submitted_at: datetime
    decided_at: datetime | None
    decision_note: str


class StoreNoticeListOut(Schema):
    items: list[StoreNoticeOut]


def _out(row: StoreNotice) -> StoreNoticeOut:
    return StoreNoticeOut(
        id=row.pk,
        merchant_id=row.merchant_id,
        text=row.text,
        status=row.status,
        findings=row.findings,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
    )


@router.get(
    "/merchant/store/notices", response=StoreNoticeListOut, summary="The store announcement's versions"
)
def store_notices(request: HttpRequest) -> StoreNoticeListOut:
    """Newest first; ``status`` ``live`` is what buyers see, ``pending`` waits for content operations."""
    return StoreNoticeListOut(
        items=[_out(r) for r in selectors.my_notices(actor=request_actor(request))[:50]]
    )


@router.put("/merchant/store/notice", response=StoreNoticeOut, summary="Submit the store announcement")
def store_notice_put(request: HttpRequest, payload: StoreNoticeIn) -> StoreNoticeOut:
    return _out(services.store_notice_submit(actor=request_actor(request), text=payload.text))


@router.get("/store-notices/pending", response=StoreNoticeListOut)
def store_notices_pending(request: HttpRequest) -> StoreNoticeListOut:
    return StoreNoticeListOut(
        items=[_out(r) for r in selectors.pending_notices(actor=request_actor(request))[:200]]
    )


@router.post("/store-notices/{notice_id}/approve", response=StoreNoticeOut)
def store_notice_approve(
    request: HttpRequest, notice_id: int, payload: StoreNoticeDecisionIn
) -> StoreNoticeOut:
    return _out(
        services.store_notice_decide(
            actor=request_actor(request), notice_id=notice_id, approve=True, note=payload.note
        )
    )


@router.post("/store-notices/{notice_id}/reject", response=StoreNoticeOut)
def store_notice_reject(
    request: HttpRequest, notice_id: int, payload: StoreNoticeDecisionIn
) -> StoreNoticeOut:
    return _out(
        services.store_notice_decide(
            actor=request_actor(request), notice_id=notice_id, approve=False, note=payload.note
        )
    )
