"""After-sales reads, scoped to the buyer, the merchant or the platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from mallops.accounts.selectors import user_merchant_id
from mallops.accounts.services import require_permission
from mallops.aftersales.models import AfterSalesRequest, Dispute, Shipment, Status
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.orders.checkout import require_buyer


def merchant_id_of(actor: Actor) -> int:
    require_permission(actor, "store.service.handle")
    merchant_id = user_merchant_id(actor)  # read with the permission's roles: no query of its own
    if merchant_id is None:
        raise not_found("merchant")
    return merchant_id


def _prefetch(qs: QuerySet[AfterSalesRequest]) -> QuerySet[AfterSalesRequest]:
    return qs.select_related("dispute").order_by("-created_at", "-pk")


def buyer_requests(actor: Actor) -> QuerySet[AfterSalesRequest]:
    require_buyer(actor)
    return _prefetch(
        AfterSalesRequest.objects.unscoped(reason="the buyer's own requests").filter(buyer_id=actor.pk)
    )


def merchant_requests(actor: Actor) -> QuerySet[AfterSalesRequest]:
    return _prefetch(AfterSalesRequest.objects.for_merchant(merchant_id_of(actor)))


def platform_requests(actor: Actor, status: str = "") -> QuerySet[AfterSalesRequest]:
    qs = AfterSalesRequest.objects.for_platform(actor, "aftersales.handle")
    if status:
        qs = qs.filter(status=status)
    return _prefetch(qs)


def platform_disputes(actor: Actor) -> QuerySet[Dispute]:
    qs: QuerySet[Dispute] = (
        Dispute.objects.for_platform(actor, "aftersales.handle")
        .select_related("request")
        .order_by("ruled_at", "ruling_due_at", "pk")
    )
    return qs


def one(qs: QuerySet[AfterSalesRequest], request_id: int) -> AfterSalesRequest:
    req = qs.filter(pk=request_id).first()
    if req is None:
        raise not_found("after-sales request")
    return req


def detail(req: AfterSalesRequest) -> dict[str, Any]:
    """The request with its lines, dispute (with evidence) and timeline, for the API and console."""
    m = req.merchant_id
    dispute = Dispute.objects.for_merchant(m).filter(request=req).first()
    out: dict[str, Any] = {f: getattr(req, f) for f in FIELDS}
    out["lines"] = [
        {"order_line_id": ln.order_line_id, "qty": ln.qty, "paid_fen": ln.paid_fen}
        for ln in req.lines.for_merchant(m).order_by("pk")
    ]
    out["timeline"] = [
        {"at": t.at, "event": t.event, "text": t.text, "data": t.data}
        for t in req.timeline.for_merchant(m).order_by("pk")
    ]
    out["shipments"] = [
        {
            "leg": sh.leg,
            "carrier": sh.carrier,
            "tracking_number": sh.tracking_number,
            "shipped_at": sh.shipped_at,
            "received_at": sh.received_at,
        }
        for sh in Shipment.objects.for_merchant(m).filter(request=req).order_by("pk")
    ]
    out["dispute"] = None
    if dispute is not None:
        out["dispute"] = {f: getattr(dispute, f) for f in DISPUTE_FIELDS} | {
            "evidence": [
                {"party": e.party, "text": e.text, "images": e.images, "at": e.at}
                for e in dispute.evidence.for_merchant(m).order_by("at", "pk")
            ]
        }
    return out


FIELDS = (
    "id",
    "merchant_id",
    "order_id",
    "kind",
    "classification",
    "reason",
    "no_reason_return",
    "status",
    "outcome",
    "requested_fen",
    "refund_fen",
    "reject_reason",
    "created_at",
    "acknowledged_at",
    "accept_due_at",
    "respond_due_at",
    "responded_at",
    "refunded_at",
    "closed_at",
    "return_ship_due_at",
    "receive_due_at",
    "received_at",
    "replacement_due_at",
)
DISPUTE_FIELDS = (
    "id",
    "category",
    "status",
    "opened_at",
    "merchant_evidence_due_at",
    "ruling_due_at",
    "ruling_overdue",
    "ruling",
    "ruling_fen",
    "ruling_note",
    "ruled_at",
)


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
def workbench_counts(*, actor: Actor) -> dict[str, int]:
    """To-dos of the signed-in merchant's service staff (one query, this store only; fails closed without a
    membership): requests waiting for the merchant's answer (``?status=pending`` on 本店售后) and returns
    on their way back, waiting for the merchant to confirm receipt (``?status=returning``)."""
    counts = AfterSalesRequest.objects.for_merchant(merchant_id_of(actor)).aggregate(
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        returning=Count("pk", filter=Q(status=Status.RETURNING)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def review_counts(*, actor: Actor) -> dict[str, int]:
    """To-dos of customer service (``aftersales.handle``, all stores): requests whose outcome waits for a
    review before they close (``?status=reviewing`` on 售后与纠纷)."""
    qs = AfterSalesRequest.objects.for_platform(actor, "aftersales.handle")
    return {"reviewing": qs.filter(status=Status.REVIEWING).count()}


# ---- one buyer's requests (customer service's CRM page) -------------------------------------------------
# the deadline that runs in each status: who must act next, by when (a dispute: the platform's ruling)
_DUE_FIELD: dict[str, str] = {
    Status.PENDING: "respond_due_at",
    Status.AWAITING_RETURN: "return_ship_due_at",
    Status.RETURNING: "receive_due_at",
    Status.REPLACING: "replacement_due_at",
}


@dataclass(frozen=True)
class BuyerRequestRow:
    pk: int
    order_number: str
    kind: str
    status: str
    outcome: str
    requested_fen: int
    refund_fen: int
    created_at: datetime
    due_at: datetime | None


def buyer_requests_for_staff(*, actor: Actor, buyer_id: int, limit: int = 20) -> list[BuyerRequestRow]:
    """One buyer's requests in every store, newest first, for customer service (``aftersales.handle``;
    raises 403 without it), each with ``due_at``: the deadline running in its status, or None. One query."""
    rows = platform_requests(actor).select_related("order").filter(buyer_id=buyer_id)[:limit]
    found = []
    for row in rows:
        dispute = getattr(row, "dispute", None) if row.status == Status.DISPUTED else None
        due = dispute.ruling_due_at if dispute is not None else None
        if row.status in _DUE_FIELD:
            due = getattr(row, _DUE_FIELD[row.status])
        found.append(
            BuyerRequestRow(
                pk=row.pk,
                order_number=row.order.number,
                kind=row.kind,
                status=row.status,
                outcome=row.outcome,
                requested_fen=row.requested_fen,
                refund_fen=row.refund_fen,
                created_at=row.created_at,
                due_at=due,
            )
        )
    return found


def refund_counts_since(*, buyer_ids: list[int], since: datetime) -> dict[int, int]:
    """After-sales requests (refunds and returns) opened since ``since`` per buyer (care list; one query)."""
    rows = (
        AfterSalesRequest.objects.unscoped(reason="buyer care list (user operations, platform-wide)")
        .filter(buyer_id__in=buyer_ids, kind__in=["refund", "return"], created_at__gte=since)
        .values("buyer_id")
        .annotate(n=Count("id"))
    )
    return {row["buyer_id"]: row["n"] for row in rows}
