"""The goods' way back (R5.2.1): after a return or exchange of goods that were sent is approved, the buyer
ships them back (carrier + tracking number), the merchant confirms receipt or rejects the parcel with a
reason; on receipt the units are restocked and the refund goes out (return) or the merchant sends a
replacement (exchange).

Timers (``aftersales/sweeps.py``): ``return_ship_due_at`` (the buyer did not send: the request lapses),
``receive_due_at`` (the merchant did not answer: the parcel counts as received), ``replacement_due_at``
(the replacement is late: flagged once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from mallops.aftersales import conf
from mallops.aftersales.errors import AfterSalesCode
from mallops.aftersales.models import (
    MONEY_KINDS,
    AfterSalesRequest,
    Kind,
    Leg,
    Outcome,
    RequestLine,
    Shipment,
    Status,
)
from mallops.aftersales.services import conclude, locked, log, refund, release_order, snapshot
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import conflict, not_found
from mallops.orders.services import order_lines_restock, parcel_check


def _illegal(req: AfterSalesRequest, what: str) -> Exception:
    return conflict(
        f"A request in status {req.status!r} cannot {what}.",
        code=AfterSalesCode.ILLEGAL_TRANSITION,
        status=req.status,
    )


def _audit(
    actor: Actor | None | None, action: str, req: AfterSalesRequest, before: dict[str, Any], **extra: Any
) -> None:
    audit_record(actor=actor, action=action, obj=req, before=before, after=snapshot(req) | extra)


# the state a request must be in to take a parcel of each leg, and what the refusal calls the step
_SHIPS_IN = {
    Leg.RETURN: (Status.AWAITING_RETURN, "take a return shipment"),
    Leg.REPLACEMENT: (Status.REPLACING, "take a replacement shipment"),
}


def _ship(
    req: AfterSalesRequest, leg: str, carrier: str, tracking_number: str, *, now: datetime
) -> tuple[dict[str, Any], str]:
    """Check the parcel, then the request's state, and record the shipment of ``leg``. Returns the
    request's snapshot from before and the normalised tracking number."""
    tracking = parcel_check(carrier, tracking_number)
    status, step = _SHIPS_IN[Leg(leg)]
    if req.status != status:
        raise _illegal(req, step)
    before = snapshot(req)
    Shipment.objects.create(
        merchant_id=req.merchant_id,
        request=req,
        leg=leg,
        carrier=carrier,
        tracking_number=tracking,
        shipped_at=now,
    )
    return before, tracking


@audited()
def return_ship(
    *,
    actor: Actor,
    request_id: int,
    carrier: str,
    tracking_number: str,
    now: datetime | None = None,
) -> AfterSalesRequest:
    """The buyer has sent the goods back. Only the request's own buyer (404 otherwise)."""
    now = now or timezone.now()
    req = locked(None, request_id)
    if req.buyer_id != getattr(actor, "pk", None):
        raise not_found("after-sales request")
    before, tracking = _ship(req, Leg.RETURN, carrier, tracking_number, now=now)
    req.status, req.return_ship_due_at = Status.RETURNING, None
    req.receive_due_at = now + timedelta(hours=conf.value("AFTERSALES_RECEIVE_HOURS"))
    req.save()
    log(
        req,
        "return_shipped",
        actor=actor,
        now=now,
        text=f"{carrier} {tracking}",
        receive_due_at=req.receive_due_at.isoformat(),
    )
    _audit(actor, "aftersales.return_ship", req, before)
    return req


@audited()
def return_receive(
    *,
    actor: Actor,
    request_id: int,
    merchant_id: int | None,
    auto: bool = False,
    now: datetime | None = None,
) -> AfterSalesRequest:
    """The merchant confirms the parcel arrived (or the sweep, when ``receive_due_at`` passed).

    The returned units go back into stock; a return is refunded (its paid share) and waits for review; an
    exchange waits for the replacement (``replacement_due_at``)."""
    now = now or timezone.now()
    req = locked(merchant_id, request_id)
    if req.status != Status.RETURNING:
        raise _illegal(req, "be received")
    before = snapshot(req)
    lines = list(
        RequestLine.objects.for_merchant(req.merchant_id)
        .filter(request=req)
        .values_list("order_line_id", "qty")
    )
    Shipment.objects.for_merchant(req.merchant_id).filter(request=req, leg=Leg.RETURN).update(received_at=now)
    req.received_at, req.receive_due_at = now, None
    if req.kind != Kind.EXCHANGE:
        order_lines_restock(order_id=req.order_id, lines=lines, actor=actor)
    log(
        req,
        "auto_received" if auto else "received",
        actor=actor,
        now=now,
        text="The returned goods have arrived.",
        units=sum(q for _l, q in lines),
    )
    if req.kind in MONEY_KINDS:
        refund(req, req.requested_fen, actor=actor, now=now)
        conclude(
            req,
            req.outcome or Outcome.APPROVED,
            actor=actor,
            now=now,
            text=f"Your goods arrived; {req.refund_fen} fen are on the way back (AS{req.pk}).",
        )
    else:
        req.status = Status.REPLACING
        req.replacement_due_at = now + timedelta(hours=conf.value("AFTERSALES_REPLACEMENT_HOURS"))
        req.save()
    _audit(actor, "aftersales.return_receive", req, before, auto=auto)
    return req


@audited()
def replacement_ship(
    *,
    actor: Actor,
    request_id: int,
    merchant_id: int,
    carrier: str,
    tracking_number: str,
    now: datetime | None = None,
) -> AfterSalesRequest:
    """Exchange: the merchant sends the replacement (same SKU: the returned units were not restocked, so
    stock is unchanged), and the request waits for review before it closes."""
    now = now or timezone.now()
    req = locked(merchant_id, request_id)
    before, tracking = _ship(req, Leg.REPLACEMENT, carrier, tracking_number, now=now)
    log(req, "replacement_shipped", actor=actor, now=now, text=f"{carrier} {tracking}")
    conclude(
        req,
        req.outcome or Outcome.APPROVED,
        actor=actor,
        now=now,
        text=f"Your replacement is on its way: {carrier} {tracking} (AS{req.pk}).",
    )
    _audit(actor, "aftersales.replacement_ship", req, before)
    return req


@audited()
def return_lapse(*, request_id: int, now: datetime) -> AfterSalesRequest:
    """Sweep: the buyer did not send the goods back in time; the request ends as ``lapsed`` (the units
    may be asked for again) and a held order gets its status back."""
    req = locked(None, request_id)
    if req.status != Status.AWAITING_RETURN:
        req.return_ship_due_at = None
        req.save(update_fields=["return_ship_due_at"])
        return req
    before = snapshot(req)
    release_order(req, actor=None, now=now)
    conclude(
        req,
        Outcome.LAPSED,
        actor=None,
        now=now,
        text=f"The goods were not sent back in time; request AS{req.pk} is closed.",
    )
    _audit(None, "aftersales.return_lapse", req, before)
    return req


@audited()
def replacement_overdue(*, request_id: int, now: datetime) -> AfterSalesRequest:
    """Sweep: the replacement was not sent in time: recorded once (timeline + audit)."""
    req = locked(None, request_id)
    due = req.replacement_due_at
    req.replacement_due_at = None
    req.save(update_fields=["replacement_due_at"])
    if req.status == Status.REPLACING and due is not None:
        log(req, "replacement_overdue", actor=None, now=now, due_at=due.isoformat())
        audit_record(
            actor=None,
            action="aftersales.replacement_overdue",
            obj=req,
            after={"due_at": due.isoformat()},
        )
    return req
