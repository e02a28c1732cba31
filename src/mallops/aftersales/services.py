"""After-sales writes (R5.2.1): create, approve (by the merchant or the sweep), reject; the refund link;
review before close (a request whose outcome is reached waits in ``reviewing`` until a CS agent closes it,
which sends the customer the confirmation).

Money goes back through the payments app; the order's status moves only through ``orders.transitions``
(one writer per aggregate). A request covering the whole order moves the order to ``refunding`` while it
is open (the order's timers pause) and to ``refunded`` when the refund goes through; a partial request
leaves the order's status alone and refunds its amount through the payment provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.aftersales import conf, rules
from mallops.aftersales.errors import AfterSalesCode
from mallops.aftersales.models import (
    MONEY_KINDS,
    AfterSalesRequest,
    Classification,
    Kind,
    Outcome,
    RequestLine,
    Status,
    TimelineEntry,
)
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.core.money import apportion
from mallops.orders.checkout import require_buyer
from mallops.orders.models import Order, OrderLine, OrderStatus
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition

REQUESTABLE = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
        OrderStatus.PARTIALLY_REFUNDED,
    }
)
HOLDABLE = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


@dataclass(frozen=True)
class LineIn:
    order_line_id: int
    qty: int


def log(
    req: AfterSalesRequest,
    event: str,
    *,
    actor: Actor | None | None,
    now: datetime,
    text: str = "",
    **data: Any,
) -> None:
    TimelineEntry.objects.create(
        merchant_id=req.merchant_id,
        request=req,
        at=now,
        actor_id=actor.user_id if actor is not None else None,
        event=event,
        text=text[:1000],
        data=data,
    )


def snapshot(req: AfterSalesRequest) -> dict[str, Any]:
    return {"status": req.status, "outcome": req.outcome, "refund_fen": req.refund_fen}


def line_exclusion(merchant_id: int, line: OrderLine) -> str:
    """The statutory exclusion of a line ("" if none), from the terms the buyer confirmed at purchase.

    The order line carries a copy of the product's after-sales terms taken at checkout, so a later
    change of the product's terms changes nothing. Lines written before that copy existed fall back to
    the catalogue product's current terms (matched by SKU code)."""
    terms = line.return_terms
    if terms is None:
        from mallops.orders.services import line_return_terms

        terms = line_return_terms(merchant_id, [line.sku_code]).get(line.sku_code)
    if not terms or terms.get("return_policy") != "excluded":
        return ""
    return str(terms.get("return_exclusion") or "confirmed_by_nature")


def returned_qty(order_line_ids: list[int], merchant_id: int) -> dict[int, int]:
    """Units of each line already covered by requests that were not refused (nor lapsed)."""
    rows = (
        RequestLine.objects.for_merchant(merchant_id)
        .filter(order_line_id__in=order_line_ids)
        .exclude(request__outcome__in=[Outcome.REFUSED, Outcome.LAPSED])
        .values("order_line_id")
        .annotate(n=Sum("qty"))
    )
    return {r["order_line_id"]: int(r["n"]) for r in rows}


def _check(kind: str, classification: str, reason: str, lines: list[LineIn]) -> list[FieldError]:
    errors: list[FieldError] = []
    if kind not in Kind.values:
        errors.append(FieldError(("body", "kind"), f"One of {', '.join(Kind.values)}.", "invalid_choice"))
    if classification not in Classification.values:
        msg = f"One of {', '.join(Classification.values)}."
        errors.append(FieldError(("body", "classification"), msg, "invalid_choice"))
    if not reason.strip() or len(reason) > 500:
        errors.append(FieldError(("body", "reason"), "1 to 500 characters.", "invalid_length"))
    if not lines:
        errors.append(FieldError(("body", "lines"), "At least one line.", "required"))
    return errors


def buyer_locked(model: Any, pk: int, actor: Actor, what: str, name: str) -> Any:
    """The buyer's own ``model`` row ``pk``, locked for the change; 404 naming ``name`` for anyone else's."""
    row = (
        model.objects.unscoped(reason=f"the buyer's own {what}")
        .select_for_update()
        .filter(pk=pk, buyer_id=actor.pk)
        .first()
    )
    if row is None:
        raise not_found(name)
    return row


@audited()
def request_create(
    *,
    actor: Actor,
    order_id: int,
    kind: str,
    classification: str,
    reason: str,
    lines: list[LineIn],
    no_reason_return: bool = False,
    now: datetime | None = None,
) -> AfterSalesRequest:
    """The buyer asks for a return/refund/exchange/repair of some units of some lines of an order."""
    require_buyer(actor)
    now = now or timezone.now()
    # the order row lock serialises requests on one order (remaining quantities stay exact)
    order = buyer_locked(Order, order_id, actor, "order", "order")
    errors = _check(kind, classification, reason, lines)
    by_id = {ln.pk: ln for ln in OrderLine.objects.for_merchant(order.merchant_id).filter(order=order)}
    done = returned_qty(list(by_id), order.merchant_id)
    seen: set[int] = set()
    for i, item in enumerate(lines):
        line = by_id.get(item.order_line_id)
        if line is None or item.order_line_id in seen:
            msg = "Not a line of this order (or listed twice)."
            errors.append(FieldError(("body", "lines", i, "order_line_id"), msg, "invalid_line"))
            continue
        seen.add(item.order_line_id)
        left = line.qty - done.get(line.pk, 0)
        if not 1 <= item.qty <= left:
            msg = f"Between 1 and {left} (units not yet returned)."
            errors.append(FieldError(("body", "lines", i, "qty"), msg, "qty_out_of_range"))
        if no_reason_return:
            exclusion = line_exclusion(order.merchant_id, line)
            if exclusion:
                msg = f"Excluded from the 7-day no-reason return ({exclusion})."
                errors.append(FieldError(("body", "lines", i, "order_line_id"), msg, "excluded_" + exclusion))
    if no_reason_return:
        if kind != Kind.RETURN:
            errors.append(FieldError(("body", "kind"), "A no-reason return is a return.", "invalid_choice"))
        refusal = rules.no_reason_refusal(order.delivered_at, now, "")
        if refusal:
            msg = "The 7-day no-reason return window (from delivery, Asia/Shanghai days) does not apply."
            errors.append(FieldError(("body", "no_reason_return"), msg, refusal))
    if errors:
        raise validation_error(errors)
    if order.status not in REQUESTABLE:
        raise conflict(
            f"An order in status {order.status!r} takes no after-sales request.",
            code=AfterSalesCode.ORDER_NOT_ELIGIBLE,
        )
    paid = {
        item.order_line_id: rules.paid_for(
            by_id[item.order_line_id].paid_fen,
            by_id[item.order_line_id].qty,
            done.get(item.order_line_id, 0),
            item.qty,
        )
        for item in lines
    }
    whole = not done and all(
        any(i.order_line_id == ln.pk and i.qty == ln.qty for i in lines) for ln in by_id.values()
    )
    req: AfterSalesRequest = AfterSalesRequest.objects.create(
        merchant_id=order.merchant_id,
        order=order,
        buyer_id=actor.user_id,
        kind=kind,
        classification=classification,
        reason=reason.strip(),
        no_reason_return=no_reason_return,
        requested_fen=sum(paid.values()) if kind in MONEY_KINDS else 0,
        created_at=now,
        acknowledged_at=now,
        accept_due_at=now + timedelta(minutes=conf.value("AFTERSALES_ACCEPT_MINUTES")),
        respond_due_at=now + timedelta(hours=conf.value("AFTERSALES_RESPOND_HOURS")),
    )
    RequestLine.objects.bulk_create(
        [
            RequestLine(
                merchant_id=order.merchant_id,
                request=req,
                order_line_id=i.order_line_id,
                qty=i.qty,
                paid_fen=paid[i.order_line_id],
            )
            for i in lines
        ]
    )
    if whole and kind in MONEY_KINDS and order.status in HOLDABLE:
        hold_order(req, actor=actor, now=now)
    log(req, "created", actor=actor, now=now, text=req.reason, kind=kind, requested_fen=req.requested_fen)
    log(
        req,
        "acknowledged",
        actor=None,
        now=now,
        text="We have received your request; the merchant answers by the deadline shown.",
        respond_due_at=req.respond_due_at.isoformat() if req.respond_due_at else "",
    )
    audit_record(actor=actor, action="aftersales.request_create", obj=req, after=snapshot(req))
    return req


def _move_order(
    req: AfterSalesRequest,
    event: Event,
    *,
    holds: bool,
    actor: Actor | None | None,
    now: datetime,
) -> None:
    order_transition(actor=actor, order_id=req.order_id, event=event, now=now, reason=f"AS{req.pk}")
    req.holds_order = holds
    req.save(update_fields=["holds_order"])


def hold_order(req: AfterSalesRequest, *, actor: Actor | None | None, now: datetime) -> None:
    """Move the order to ``refunding`` (a whole-order money request is open)."""
    _move_order(req, Event.REQUEST_REFUND, holds=True, actor=actor, now=now)


def release_order(req: AfterSalesRequest, *, actor: Actor | None | None, now: datetime) -> None:
    """Give the order its previous status back (no refund of the whole order after all)."""
    if req.holds_order:
        _move_order(req, Event.REJECT_REFUND, holds=False, actor=actor, now=now)


def request_line_split(req: AfterSalesRequest, amount: int) -> dict[int, int]:
    """``amount`` fen over the order lines the request names, in proportion to what the request asked
    for each (largest remainder; the whole asked amount gives each line exactly its part)."""
    asked: dict[int, int] = {}
    rows = RequestLine.objects.for_merchant(req.merchant_id).filter(request=req).order_by("pk")
    for line_id, paid in rows.values_list("order_line_id", "paid_fen"):
        asked[line_id] = asked.get(line_id, 0) + paid
    if not asked or sum(asked.values()) <= 0:
        return {}
    return dict(zip(asked, apportion(amount, list(asked.values())), strict=True))


def refund(req: AfterSalesRequest, amount: int, *, actor: Actor | None, now: datetime) -> None:
    """Pay ``amount`` back through the payments app; the order moves through its refund states."""
    from mallops.payments import services as payments

    order = Order.objects.unscoped(reason="after-sales refund (caller authorised)").get(pk=req.order_id)
    # the whole order (every line in full; shipping is on no line): the order's own refund, which also
    # pays the shipping back when the order had not shipped (orders.refunds.whole_refund_fen)
    if req.holds_order and amount == order.paid_fen - order.shipping_fen:
        payments.order_refund(actor=actor, merchant_id=order.merchant_id, order_id=order.pk)
        req.holds_order = False
        # what went back: the goods and, before shipment, the shipping
        amount = (
            Order.objects.unscoped(reason="after-sales refund (caller authorised)")
            .get(pk=order.pk)
            .refunded_fen
            - order.refunded_fen
        )
    elif amount > 0:
        # the order gets its status back first; a refused refund rolls the whole approval back
        release_order(req, actor=actor, now=now)
        # partial amount: the payments app's one refund path (cap, provider, the order's refunded_fen)
        payments.refund_issue(
            actor=actor,
            order_id=order.pk,
            amount_fen=amount,
            reference=f"AS{req.pk}",
            lines=request_line_split(req, amount),
            now=now,
        )
    req.refund_fen, req.refunded_at = amount, now
    log(
        req,
        "refunded",
        actor=actor,
        now=now,
        text=f"{amount} fen back to the original payment.",
        amount_fen=amount,
    )


def conclude(
    req: AfterSalesRequest, outcome: str, *, actor: Actor | None | None, now: datetime, text: str
) -> None:
    """The outcome is reached (refund done if any): the request waits for a CS agent's review
    (``request_close``) and keeps ``text``, the confirmation the customer gets when it closes."""
    req.status, req.outcome = Status.REVIEWING, outcome
    req.confirmation_text = text[:1000]
    req.respond_due_at = req.return_ship_due_at = req.receive_due_at = req.replacement_due_at = None
    req.save()
    log(req, "concluded", actor=None, now=now, outcome=outcome)


@audited()
def request_close(
    *,
    actor: Actor,
    request_id: int,
    note: str = "",
    now: datetime | None = None,
) -> AfterSalesRequest:
    """Review before close (R5.2.1): a CS agent (``aftersales.handle``) checks the outcome of a request
    waiting for review and closes it; the customer gets the confirmation on the request's timeline (the
    customer-visible record the buyer reads in the app).

    Locks the request row. Errors: 403 without the permission, 404 for an unknown request, 422 for a note
    over 500 characters, 409 ``not_awaiting_review`` unless the request waits for review (a request never
    closes unreviewed: the database refuses a closed row without ``reviewed_at``)."""
    require_permission(actor, "aftersales.handle")
    now = now or timezone.now()
    if len(note) > 500:
        raise validation_error([FieldError(("body", "note"), "At most 500 characters.", "invalid_length")])
    req: AfterSalesRequest | None = (
        AfterSalesRequest.objects.for_platform(actor, "aftersales.handle")
        .select_for_update()
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise not_found("after-sales request")
    if req.status != Status.REVIEWING:
        raise conflict(
            f"A request in status {req.status!r} is not waiting for review.",
            code=AfterSalesCode.NOT_AWAITING_REVIEW,
            status=req.status,
        )
    before = snapshot(req)
    req.status, req.closed_at = Status.CLOSED, now
    req.reviewed_at, req.reviewed_by_id, req.review_note = now, actor.user_id, note.strip()
    req.save()
    log(req, "reviewed", actor=actor, now=now, text=req.review_note)
    log(req, "closed", actor=None, now=now, text=req.confirmation_text, outcome=req.outcome)
    audit_record(
        actor=actor,
        action="aftersales.request_close",
        obj=req,
        before=before,
        after=snapshot(req) | {"review_note": req.review_note},
    )
    return req


def locked(merchant_id: int | None, request_id: int) -> AfterSalesRequest:
    qs = (
        AfterSalesRequest.objects.for_merchant(merchant_id)
        if merchant_id is not None
        else AfterSalesRequest.objects.unscoped(reason="after-sales (caller authorised)")
    )
    req: AfterSalesRequest | None = qs.select_for_update().filter(pk=request_id).first()
    if req is None:
        raise not_found("after-sales request")
    return req


@audited()
def request_approve(
    *,
    actor: Actor,
    request_id: int,
    merchant_id: int | None,
    auto: bool = False,
    now: datetime | None = None,
) -> AfterSalesRequest:
    """The merchant approves (or the sweep does when the deadline passed): refund if money, then the request
    waits for a CS agent's review before it closes (``request_close``)."""
    now = now or timezone.now()
    req = locked(merchant_id, request_id)
    if req.status != Status.PENDING:
        raise conflict(
            f"A request in status {req.status!r} cannot be approved.",
            code=AfterSalesCode.ILLEGAL_TRANSITION,
            status=req.status,
        )
    before = snapshot(req)
    req.responded_at = now
    log(req, "auto_approved" if auto else "approved", actor=actor, now=now)
    outcome = Outcome.AUTO_APPROVED if auto else Outcome.APPROVED
    if needs_return(req):
        # the goods were sent: they come back first (returns.py); refund or replacement on receipt
        req.outcome, req.respond_due_at = outcome, None
        req.status = Status.AWAITING_RETURN
        req.return_ship_due_at = now + timedelta(hours=conf.value("AFTERSALES_RETURN_SHIP_HOURS"))
        req.save()
        log(
            req,
            "awaiting_return",
            actor=None,
            now=now,
            text="Please send the goods back and enter the carrier and tracking number.",
            return_ship_due_at=req.return_ship_due_at.isoformat(),
        )
    else:
        if req.kind in MONEY_KINDS:
            refund(req, req.requested_fen, actor=actor, now=now)
        conclude(req, outcome, actor=actor, now=now, text=_confirmation(req))
    audit_record(
        actor=actor,
        action="aftersales.request_approve",
        obj=req,
        before=before,
        after=snapshot(req) | {"auto": auto},
    )
    return req


def needs_return(req: AfterSalesRequest) -> bool:
    """A return or exchange of goods that were sent: the goods come back before the refund/replacement."""
    if req.kind not in (Kind.RETURN, Kind.EXCHANGE):
        return False
    order = Order.objects.unscoped(reason="after-sales (caller authorised)").get(pk=req.order_id)
    return order.shipped_at is not None


def _confirmation(req: AfterSalesRequest) -> str:
    if req.kind in MONEY_KINDS:
        return f"Your {req.kind} request AS{req.pk} is approved; {req.refund_fen} fen are on the way back."
    return f"Your {req.kind} request AS{req.pk} is approved; the merchant will contact you."


@audited()
def request_reject(
    *,
    actor: Actor,
    request_id: int,
    merchant_id: int,
    reason: str,
    now: datetime | None = None,
) -> AfterSalesRequest:
    now = now or timezone.now()
    req = locked(merchant_id, request_id)
    if not reason.strip() or len(reason) > 500:
        raise validation_error([FieldError(("body", "reason"), "1 to 500 characters.", "invalid_length")])
    if req.status not in (Status.PENDING, Status.RETURNING):
        raise conflict(
            f"A request in status {req.status!r} cannot be rejected.",
            code=AfterSalesCode.ILLEGAL_TRANSITION,
            status=req.status,
        )
    before = snapshot(req)
    # at PENDING the request is refused; at RETURNING the returned parcel is (wrong or damaged goods)
    stage = "receipt" if req.status == Status.RETURNING else "request"
    release_order(req, actor=actor, now=now)
    req.status, req.reject_reason, req.outcome = Status.REJECTED, reason.strip(), Outcome.NONE
    req.responded_at = req.responded_at or now
    req.respond_due_at = req.receive_due_at = None
    req.save()
    log(req, "rejected", actor=actor, now=now, text=req.reject_reason, stage=stage)
    audit_record(
        actor=actor,
        action="aftersales.request_reject",
        obj=req,
        before=before,
        after=snapshot(req),
    )
    return req
