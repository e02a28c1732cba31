"""After-sales timers. Each handler takes its row out of the due set; a worker outage only delays them.

``aftersales.auto_approve``: the merchant did not answer by ``respond_due_at`` → approved (and refunded).
``aftersales.evidence_closed``: the merchant's evidence window of a dispute ended → awaiting ruling.
``aftersales.ruling_overdue``: the platform has not ruled by ``ruling_due_at`` → flagged overdue.
``aftersales.return_lapse``: the buyer did not send the goods back by ``return_ship_due_at`` → lapsed.
``aftersales.auto_receive``: the merchant did not confirm or reject the parcel by ``receive_due_at`` →
received (restock, refund).
``aftersales.replacement_overdue``: an exchange's replacement not sent by ``replacement_due_at`` → flagged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.aftersales import returns
from mallops.aftersales.models import AfterSalesRequest, Dispute, DisputeStatus, Status
from mallops.aftersales.services import log, request_approve
from mallops.audit.services import audit_record
from mallops.core.sweeps import register

_REASON = "after-sales timers"


def _unanswered(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = AfterSalesRequest.objects.unscoped(reason=_REASON).filter(respond_due_at__lte=now)
    return qs


def auto_approve(row: AfterSalesRequest, now: datetime) -> None:
    if row.status != Status.PENDING:
        AfterSalesRequest.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(respond_due_at=None)
        return
    request_approve(actor=None, request_id=row.pk, merchant_id=row.merchant_id, auto=True, now=now)


def _evidence_due(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = Dispute.objects.unscoped(reason=_REASON).filter(merchant_evidence_due_at__lte=now)
    return qs


def evidence_closed(row: Dispute, now: datetime) -> None:
    Dispute.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(
        merchant_evidence_due_at=None,
        status=DisputeStatus.AWAITING_RULING if row.status == DisputeStatus.OPEN else row.status,
    )
    if row.status == DisputeStatus.OPEN:
        log(row.request, "evidence_closed", actor=None, now=now, text="The evidence window has ended.")


def _ruling_due(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = Dispute.objects.unscoped(reason=_REASON).filter(ruling_due_at__lte=now)
    return qs


def ruling_overdue(row: Dispute, now: datetime) -> None:
    overdue = row.status != DisputeStatus.RULED
    Dispute.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(
        ruling_due_at=None, ruling_overdue=overdue
    )
    if overdue:
        log(row.request, "ruling_overdue", actor=None, now=now)
        audit_record(
            actor=None, action="aftersales.dispute_ruling_overdue", obj=row, after={"ruling_overdue": True}
        )


def _not_sent(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = AfterSalesRequest.objects.unscoped(reason=_REASON).filter(return_ship_due_at__lte=now)
    return qs


def return_lapse(row: AfterSalesRequest, now: datetime) -> None:
    returns.return_lapse(request_id=row.pk, now=now)


def _not_received(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = AfterSalesRequest.objects.unscoped(reason=_REASON).filter(receive_due_at__lte=now)
    return qs


def auto_receive(row: AfterSalesRequest, now: datetime) -> None:
    if row.status != Status.RETURNING:
        AfterSalesRequest.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(receive_due_at=None)
        return
    returns.return_receive(actor=None, request_id=row.pk, merchant_id=row.merchant_id, auto=True, now=now)


def _replacement_late(now: datetime) -> QuerySet[Any]:
    qs: QuerySet[Any] = AfterSalesRequest.objects.unscoped(reason=_REASON).filter(replacement_due_at__lte=now)
    return qs


def replacement_overdue(row: AfterSalesRequest, now: datetime) -> None:
    returns.replacement_overdue(request_id=row.pk, now=now)


register("aftersales.auto_approve", queryset=_unanswered, handle=auto_approve)
register("aftersales.evidence_closed", queryset=_evidence_due, handle=evidence_closed)
register("aftersales.ruling_overdue", queryset=_ruling_due, handle=ruling_overdue)
register("aftersales.return_lapse", queryset=_not_sent, handle=return_lapse)
register("aftersales.auto_receive", queryset=_not_received, handle=auto_receive)
register("aftersales.replacement_overdue", queryset=_replacement_late, handle=replacement_overdue)
