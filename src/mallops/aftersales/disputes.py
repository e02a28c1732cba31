"""Disputes (R5.2.2): the buyer disputes a rejected request, both sides give evidence, the platform rules.

Every step is timed (``merchant_evidence_due_at``, ``ruling_due_at``) and written to the request's
timeline and the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from mallops.aftersales import conf
from mallops.aftersales.errors import AfterSalesCode
from mallops.aftersales.models import (
    AfterSalesRequest,
    Dispute,
    DisputeCategory,
    DisputeStatus,
    Evidence,
    Outcome,
    Party,
    Ruling,
    Status,
)
from mallops.aftersales.services import (
    HOLDABLE,
    buyer_locked,
    conclude,
    hold_order,
    log,
    refund,
    release_order,
)
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.orders import selectors as orders_selectors
from mallops.orders.permissions import require_buyer

MAX_IMAGES = 9


def _evidence_errors(text: str, images: list[str]) -> list[FieldError]:
    errors = []
    if not text.strip() or len(text) > 2000:
        errors.append(FieldError(("body", "text"), "1 to 2000 characters.", "invalid_length"))
    if len(images) > MAX_IMAGES:
        errors.append(FieldError(("body", "images"), f"At most {MAX_IMAGES} images.", "too_many"))
    for i, name in enumerate(images):
        if not name.strip() or len(name) > 500:
            errors.append(
                FieldError(
                    ("body", "images", i), "A file name or URL of 1 to 500 characters.", "invalid_length"
                )
            )
    return errors


def _add_evidence(dispute: Dispute, party: str, text: str, images: list[str], now: datetime) -> Evidence:
    ev: Evidence = Evidence.objects.create(
        merchant_id=dispute.merchant_id,
        dispute=dispute,
        party=party,
        text=text.strip(),
        images=[s.strip() for s in images],
        at=now,
    )
    return ev


def _snapshot(d: Dispute) -> dict[str, Any]:
    return {"status": d.status, "ruling": d.ruling, "ruling_fen": d.ruling_fen}


@audited()
def dispute_open(
    *,
    actor: Actor,
    request_id: int,
    category: str,
    text: str,
    images: list[str],
    now: datetime | None = None,
) -> Dispute:
    """The buyer disputes the merchant's rejection, with the first evidence."""
    require_buyer(actor)
    now = now or timezone.now()
    req: AfterSalesRequest = buyer_locked(
        AfterSalesRequest, request_id, actor, "request", "after-sales request"
    )
    errors = _evidence_errors(text, images)
    if category not in DisputeCategory.values:
        msg = f"One of {', '.join(DisputeCategory.values)}."
        errors.insert(0, FieldError(("body", "category"), msg, "invalid_choice"))
    if errors:
        raise validation_error(errors)
    if req.status != Status.REJECTED:
        raise conflict(
            "Only a rejected request can be disputed.", code=AfterSalesCode.NOT_DISPUTABLE, status=req.status
        )
    dispute: Dispute = Dispute.objects.create(
        merchant_id=req.merchant_id,
        request=req,
        category=category,
        opened_at=now,
        merchant_evidence_due_at=now + timedelta(hours=conf.value("AFTERSALES_DISPUTE_EVIDENCE_HOURS")),
        ruling_due_at=now + timedelta(hours=conf.value("AFTERSALES_RULING_HOURS")),
    )
    _add_evidence(dispute, Party.BUYER, text, images, now)
    req.status = Status.DISPUTED
    req.save(update_fields=["status"])
    order = orders_selectors.order_money(order_id=req.order_id)
    whole = req.requested_fen == order.paid_fen - order.shipping_fen and order.paid_fen > 0
    if whole and order.status in HOLDABLE:
        hold_order(req, actor=actor, now=now)
    log(req, "dispute_opened", actor=actor, now=now, text=text.strip(), category=category, dispute=dispute.pk)
    log(req, "evidence", actor=actor, now=now, text=text.strip(), party=Party.BUYER, images=images)
    audit_record(actor=actor, action="aftersales.dispute_open", obj=dispute, after=_snapshot(dispute))
    return dispute


def _dispute_for(req_qs: Any, request_id: int) -> Dispute:
    req = req_qs.filter(pk=request_id).first()
    if req is None:
        raise not_found("after-sales request")
    dispute: Dispute | None = (
        Dispute.objects.for_merchant(req.merchant_id).select_for_update().filter(request=req).first()
    )
    if dispute is None:
        raise conflict("This request has no dispute.", code=AfterSalesCode.NO_DISPUTE)
    return dispute


@audited()
def evidence_add(
    *,
    actor: Actor,
    request_id: int,
    party: str,
    text: str,
    images: list[str],
    merchant_id: int | None = None,
    now: datetime | None = None,
) -> Evidence:
    """A party adds evidence to the open dispute of a request (the buyer's own, or the merchant's)."""
    now = now or timezone.now()
    if party == Party.BUYER:
        require_buyer(actor)
        qs = AfterSalesRequest.objects.unscoped(reason="the buyer's own request").filter(buyer_id=actor.pk)
    else:
        qs = AfterSalesRequest.objects.for_merchant(merchant_id)
    dispute = _dispute_for(qs, request_id)
    errors = _evidence_errors(text, images)
    if errors:
        raise validation_error(errors)
    if dispute.status == DisputeStatus.RULED:
        raise conflict("The dispute is ruled.", code=AfterSalesCode.DISPUTE_CLOSED)
    late = dispute.merchant_evidence_due_at is None or now > dispute.merchant_evidence_due_at
    if party == Party.MERCHANT and (dispute.status != DisputeStatus.OPEN or late):
        raise conflict(
            "The merchant's evidence window has ended.", code=AfterSalesCode.EVIDENCE_WINDOW_CLOSED
        )
    ev = _add_evidence(dispute, party, text, images, now)
    log(dispute.request, "evidence", actor=actor, now=now, text=ev.text, party=party, images=ev.images)
    audit_record(
        actor=actor,
        action="aftersales.evidence_add",
        obj=ev,
        after={"party": party, "images": len(ev.images)},
    )
    return ev


@audited()
def dispute_rule(
    *,
    actor: Actor,
    dispute_id: int,
    ruling: str,
    note: str,
    amount_fen: int | None = None,
    now: datetime | None = None,
) -> Dispute:
    """The platform rules: refund in full (the request's paid amount), in part (``amount_fen``), or reject."""
    from mallops.accounts.services import require_permission

    require_permission(actor, "aftersales.handle")
    now = now or timezone.now()
    dispute: Dispute | None = (
        Dispute.objects.for_platform(actor, "aftersales.handle")
        .select_for_update()
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise not_found("dispute")
    req = (
        AfterSalesRequest.objects.for_merchant(dispute.merchant_id)
        .select_for_update()
        .get(pk=dispute.request_id)
    )
    errors: list[FieldError] = []
    if ruling not in Ruling.values:
        errors.append(FieldError(("body", "ruling"), f"One of {', '.join(Ruling.values)}.", "invalid_choice"))
    if not note.strip() or len(note) > 1000:
        errors.append(FieldError(("body", "note"), "1 to 1000 characters.", "invalid_length"))
    amount = 0
    if ruling == Ruling.REFUND_FULL:
        amount = req.requested_fen
    elif ruling == Ruling.REFUND_PART:
        if amount_fen is None or not 0 < amount_fen < req.requested_fen:
            msg = f"Between 1 and {req.requested_fen - 1} fen (less than the paid amount)."
            errors.append(FieldError(("body", "amount_fen"), msg, "out_of_range"))
        else:
            amount = amount_fen
    if errors:
        raise validation_error(errors)
    if dispute.status == DisputeStatus.RULED:
        raise conflict("The dispute is already ruled.", code=AfterSalesCode.DISPUTE_CLOSED)
    before = _snapshot(dispute)
    dispute.status, dispute.ruling, dispute.ruling_fen = DisputeStatus.RULED, ruling, amount
    dispute.ruling_note, dispute.ruled_at, dispute.ruled_by_id = note.strip(), now, actor.user_id
    dispute.merchant_evidence_due_at = dispute.ruling_due_at = None
    dispute.save()
    log(req, "ruled", actor=actor, now=now, text=dispute.ruling_note, ruling=ruling, amount_fen=amount)
    if amount:
        refund(req, amount, actor=actor, now=now)
        text = f"The platform ruled on your dispute: {amount} fen are on the way back."
        conclude(req, Outcome.RULED_REFUND, actor=actor, now=now, text=text)
    else:
        release_order(req, actor=actor, now=now)
        conclude(
            req,
            Outcome.REFUSED,
            actor=actor,
            now=now,
            text="The platform ruled on your dispute: no refund. " + dispute.ruling_note,
        )
    audit_record(
        actor=actor,
        action="aftersales.dispute_rule",
        obj=dispute,
        before=before,
        after=_snapshot(dispute),
    )
    return dispute
