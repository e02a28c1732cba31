"""HTTP API of the aftersales app (mounted at /api/v1 with no prefix): buyers ask and dispute,
merchants answer and give evidence, the platform reads the queue and rules disputes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.aftersales import disputes, returns, selectors, services
from mallops.aftersales.models import Party
from mallops.aftersales.risk_checks import refund_request_assess
from mallops.core.idempotency import require_idempotency_key
from mallops.core.inputs import Fen, MultilineText, Schema
from mallops.core.pagination import Pagination
from mallops.risk.flows import request_context

router = Router(tags=["aftersales"], auth=api_auth)

MAX_ID = 2**62


class LineIn(Schema):
    order_line_id: int = Field(..., ge=1, le=MAX_ID)
    qty: int = Field(..., ge=1, le=1_000_000)


class AfterSaleRequestIn(Schema):
    order_id: int = Field(..., ge=1, le=MAX_ID)
    kind: str = Field(..., max_length=20)
    classification: str = Field(..., max_length=20)
    reason: MultilineText = Field(..., max_length=500)
    lines: list[LineIn] = Field(..., max_length=200)
    no_reason_return: bool = False


class EvidenceIn(Schema):
    text: MultilineText = Field("", max_length=2000)
    images: list[str] = Field(default_factory=list, max_length=50)


class DisputeIn(EvidenceIn):
    category: str = Field(..., max_length=20)


class AfterSaleRejectIn(Schema):
    reason: MultilineText = Field("", max_length=500)


class ParcelIn(Schema):
    # checked by the service (422 with both paths); defaults so another store's request is a 404 first
    carrier: str = Field("", max_length=20)
    tracking_number: str = Field("", max_length=64)


class AfterSaleCloseIn(Schema):
    note: MultilineText = Field("", max_length=500, description="what the reviewer checked (internal)")


class RuleIn(Schema):
    ruling: str = Field(..., max_length=20)
    note: MultilineText = Field(..., max_length=1000)
    amount_fen: Fen | None = None


class AfterSaleRequestOut(Schema):
    id: int
    merchant_id: int
    order_id: int
    kind: str
    classification: str
    reason: str
    no_reason_return: bool
    status: str
    outcome: str
    requested_fen: int
    refund_fen: int
    reject_reason: str
    created_at: datetime
    acknowledged_at: datetime | None
    accept_due_at: datetime | None
    respond_due_at: datetime | None
    responded_at: datetime | None
    refunded_at: datetime | None
    closed_at: datetime | None
    reviewed_at: datetime | None = Field(
        None, description="when a CS agent reviewed the outcome; a request closes only after this review"
    )
    return_ship_due_at: datetime | None
    receive_due_at: datetime | None
    received_at: datetime | None
    replacement_due_at: datetime | None


class LineOut(Schema):
    order_line_id: int
    qty: int
    paid_fen: int


class TimelineOut(Schema):
    at: datetime
    event: str
    text: str
    data: dict[str, Any]


class EvidenceOut(Schema):
    party: str
    text: str
    images: list[str]
    at: datetime


class DisputeOut(Schema):
    id: int
    category: str
    status: str
    opened_at: datetime
    merchant_evidence_due_at: datetime | None
    ruling_due_at: datetime | None
    ruling_overdue: bool
    ruling: str
    ruling_fen: int
    ruling_note: str
    ruled_at: datetime | None
    evidence: list[EvidenceOut]


class ShipmentOut(Schema):
    leg: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    received_at: datetime | None


class RequestDetailOut(AfterSaleRequestOut):
    lines: list[LineOut]
    shipments: list[ShipmentOut]
    timeline: list[TimelineOut]
    dispute: DisputeOut | None


class DisputeRowOut(Schema):
    id: int
    request_id: int
    merchant_id: int
    category: str
    status: str
    opened_at: datetime
    merchant_evidence_due_at: datetime | None
    ruling_due_at: datetime | None
    ruling_overdue: bool
    ruling: str
    ruling_fen: int


def _detail(req: Any) -> dict[str, Any]:
    """``selectors.detail`` with the review-before-close stamp."""
    return selectors.detail(req) | {"reviewed_at": req.reviewed_at}


# ---------------------------------------------------------------- buyers


@router.post(
    "/buyer/aftersales",
    response={201: RequestDetailOut},
    summary="Ask for a return, refund, exchange or repair",
)
def buyer_create(request: HttpRequest, payload: AfterSaleRequestIn) -> Any:
    # before the request's transaction (risk assessment commits on its own); 403 risk_blocked
    refund_request_assess(
        actor=request_actor(request),
        order_id=payload.order_id,
        kind=payload.kind,
        lines=[(ln.order_line_id, ln.qty) for ln in payload.lines],
        context=request_context(request),
    )
    req = services.request_create(
        actor=request_actor(request),
        order_id=payload.order_id,
        kind=payload.kind,
        classification=payload.classification,
        reason=payload.reason,
        lines=[services.LineIn(ln.order_line_id, ln.qty) for ln in payload.lines],
        no_reason_return=payload.no_reason_return,
    )
    return Status(201, _detail(req))


@router.get(
    "/buyer/aftersales", response=list[AfterSaleRequestOut], summary="The buyer's after-sales requests"
)
@paginate(Pagination)
def buyer_list(request: HttpRequest, **kwargs: Any) -> Any:
    return selectors.buyer_requests(request_actor(request))


@router.get(
    "/buyer/aftersales/{aftersales_id}", response=RequestDetailOut, summary="One of the buyer's requests"
)
def buyer_get(request: HttpRequest, aftersales_id: int) -> Any:
    return _detail(selectors.one(selectors.buyer_requests(request_actor(request)), aftersales_id))


@router.post(
    "/buyer/aftersales/{aftersales_id}/dispute",
    response={201: RequestDetailOut},
    summary="Dispute a rejection",
)
def buyer_dispute(request: HttpRequest, aftersales_id: int, payload: DisputeIn) -> Any:
    d = disputes.dispute_open(
        actor=request_actor(request),
        request_id=aftersales_id,
        category=payload.category,
        text=payload.text,
        images=payload.images,
    )
    return Status(201, _detail(d.request))


@router.post(
    "/buyer/aftersales/{aftersales_id}/evidence", response={201: RequestDetailOut}, summary="Add evidence"
)
def buyer_evidence(request: HttpRequest, aftersales_id: int, payload: EvidenceIn) -> Any:
    ev = disputes.evidence_add(
        actor=request_actor(request),
        request_id=aftersales_id,
        party=Party.BUYER,
        text=payload.text,
        images=payload.images,
    )
    return Status(201, _detail(ev.dispute.request))


@router.post(
    "/buyer/aftersales/{aftersales_id}/return-shipment",
    response={201: RequestDetailOut},
    summary="The goods are on their way back (carrier and tracking number)",
)
def buyer_return_ship(request: HttpRequest, aftersales_id: int, payload: ParcelIn) -> Any:
    req = selectors.one(selectors.buyer_requests(request_actor(request)), aftersales_id)
    req = returns.return_ship(
        actor=request_actor(request),
        request_id=req.pk,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )
    return Status(201, _detail(req))


# ---------------------------------------------------------------- merchants


def _store_acts(
    request: HttpRequest, aftersales_id: int, act: Any, *, idempotent: bool = False, **fields: Any
) -> Any:
    """One of the store's actions on its own request (404 for another store's, before anything else),
    then the request's detail. ``idempotent``: moves money or stock, an Idempotency-Key is required."""
    req = selectors.one(selectors.merchant_requests(request_actor(request)), aftersales_id)
    if idempotent:
        require_idempotency_key(request)
    out = act(actor=request_actor(request), request_id=req.pk, merchant_id=req.merchant_id, **fields)
    return _detail(out)


@router.get(
    "/merchant/aftersales", response=list[AfterSaleRequestOut], summary="The store's after-sales requests"
)
@paginate(Pagination)
def merchant_list(request: HttpRequest, status: str = "", **kwargs: Any) -> Any:
    qs = selectors.merchant_requests(request_actor(request))
    return qs.filter(status=status) if status else qs


@router.get(
    "/merchant/aftersales/{aftersales_id}", response=RequestDetailOut, summary="One of the store's requests"
)
def merchant_get(request: HttpRequest, aftersales_id: int) -> Any:
    return _detail(selectors.one(selectors.merchant_requests(request_actor(request)), aftersales_id))


@router.post(
    "/merchant/aftersales/{aftersales_id}/approve",
    response=RequestDetailOut,
    summary="Approve: refund what the units were paid (Idempotency-Key required), close",
)
def merchant_approve(request: HttpRequest, aftersales_id: int) -> Any:
    return _store_acts(request, aftersales_id, services.request_approve, idempotent=True)


@router.post(
    "/merchant/aftersales/{aftersales_id}/reject",
    response=RequestDetailOut,
    summary="Reject the request, or the returned parcel, with a reason",
)
def merchant_reject(request: HttpRequest, aftersales_id: int, payload: AfterSaleRejectIn) -> Any:
    return _store_acts(request, aftersales_id, services.request_reject, reason=payload.reason)


@router.post(
    "/merchant/aftersales/{aftersales_id}/receive",
    response=RequestDetailOut,
    summary="The returned goods arrived: restock, refund a return (Idempotency-Key required)",
)
def merchant_receive(request: HttpRequest, aftersales_id: int) -> Any:
    return _store_acts(request, aftersales_id, returns.return_receive, idempotent=True)


@router.post(
    "/merchant/aftersales/{aftersales_id}/replacement-shipment",
    response={201: RequestDetailOut},
    summary="Exchange: the replacement is sent (carrier and tracking number)",
)
def merchant_replacement_ship(request: HttpRequest, aftersales_id: int, payload: ParcelIn) -> Any:
    parcel: dict[str, Any] = {"carrier": payload.carrier, "tracking_number": payload.tracking_number}
    return Status(201, _store_acts(request, aftersales_id, returns.replacement_ship, **parcel))


@router.post(
    "/merchant/aftersales/{aftersales_id}/evidence",
    response={201: RequestDetailOut},
    summary="Evidence for a dispute",
)
def merchant_evidence(request: HttpRequest, aftersales_id: int, payload: EvidenceIn) -> Any:
    req = selectors.one(selectors.merchant_requests(request_actor(request)), aftersales_id)
    ev = disputes.evidence_add(
        actor=request_actor(request),
        request_id=req.pk,
        party=Party.MERCHANT,
        text=payload.text,
        images=payload.images,
        merchant_id=req.merchant_id,
    )
    return Status(201, _detail(ev.dispute.request))


# ---------------------------------------------------------------- platform


@router.get(
    "/aftersales/requests", response=list[AfterSaleRequestOut], summary="All requests (aftersales.handle)"
)
@paginate(Pagination)
def platform_list(request: HttpRequest, status: str = "", **kwargs: Any) -> Any:
    return selectors.platform_requests(request_actor(request), status)


@router.get(
    "/aftersales/requests/{aftersales_id}",
    response=RequestDetailOut,
    summary="One request (aftersales.handle)",
)
def platform_get(request: HttpRequest, aftersales_id: int) -> Any:
    return _detail(selectors.one(selectors.platform_requests(request_actor(request)), aftersales_id))


@router.post(
    "/aftersales/requests/{aftersales_id}/close",
    response=RequestDetailOut,
    summary="Review the outcome and close the request; the customer gets the confirmation (aftersales.handle)",
)
def platform_close(request: HttpRequest, aftersales_id: int, payload: AfterSaleCloseIn) -> Any:
    req = selectors.one(selectors.platform_requests(request_actor(request)), aftersales_id)
    return _detail(services.request_close(actor=request_actor(request), request_id=req.pk, note=payload.note))


@router.get("/aftersales/disputes", response=list[DisputeRowOut], summary="Disputes (aftersales.handle)")
@paginate(Pagination)
def platform_disputes(request: HttpRequest, **kwargs: Any) -> Any:
    return selectors.platform_disputes(request_actor(request))


@router.post(
    "/aftersales/disputes/{dispute_id}/rule",
    response=RequestDetailOut,
    summary="Rule a dispute: refund_full, refund_part (amount_fen) or reject (Idempotency-Key required)",
)
def platform_rule(request: HttpRequest, dispute_id: int, payload: RuleIn) -> Any:
    selectors.platform_disputes(request_actor(request))
    require_idempotency_key(request)
    d = disputes.dispute_rule(
        actor=request_actor(request),
        dispute_id=dispute_id,
        ruling=payload.ruling,
        note=payload.note,
        amount_fen=payload.amount_fen,
    )
    return _detail(d.request)
