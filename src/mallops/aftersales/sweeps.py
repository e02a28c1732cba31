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

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.aftersales import returns
from mallops.aftersales.models import AfterSalesRequest, Dispute, DisputeStatus, Status
from mallops.aftersales.services import log, request_approve
from mallops.audit.services import audit_record
from mallops.core.actors import SYSTEM
from mallops.core.sweeps import register

_REASON = "after-sales timers"


def _due(model: Any, field: str) -> Callable[[datetime], QuerySet[Any]]:
    """The sweep's due set: rows of ``model`` whose ``field`` timer has run out at ``now``."""

    def rows(now: datetime) -> QuerySet[Any]:
        qs: QuerySet[Any] = model.objects.unscoped(reason=_REASON).filter(**{f"{field}__lte": now})
        return qs

    return rows


def auto_approve(row: AfterSalesRequest, now: datetime) -> None:
    if row.status != Status.PENDING:
        AfterSalesRequest.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(respond_due_at=None)
        return
    request_approve(actor=SYSTEM, request_id=row.pk, merchant_id=row.merchant_id, auto=True, now=now)


def evidence_closed(row: Dispute, now: datetime) -> None:
    Dispute.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(
        merchant_evidence_due_at=None,
        status=DisputeStatus.AWAITING_RULING if row.status == DisputeStatus.OPEN else row.status,
    )
    if row.status == DisputeStatus.OPEN:
        log(row.request, "evidence_closed", actor=None, now=now, text="The evidence window has ended.")


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


def return_lapse(row: AfterSalesRequest, now: datetime) -> None:
    returns.return_lapse(request_id=row.pk, now=now)


def auto_receive(row: AfterSalesRequest, now: datetime) -> None:
    if row.status != Status.RETURNING:
        AfterSalesRequest.objects.unscoped(reason=_REASON).filter(pk=row.pk).update(receive_due_at=None)
        return
    returns.return_receive(actor=SYSTEM, request_id=row.pk, merchant_id=row.merchant_id, auto=True, now=now)


def replacement_overdue(row: AfterSalesRequest, now: datetime) -> None:
    returns.replacement_overdue(request_id=row.pk, now=now)


register("aftersales.auto_approve", queryset=_due(AfterSalesRequest, "respond_due_at"), handle=auto_approve)
register(
    "aftersales.evidence_closed", queryset=_due(Dispute, "merchant_evidence_due_at"), handle=evidence_closed
)
register("aftersales.ruling_overdue", queryset=_due(Dispute, "ruling_due_at"), handle=ruling_overdue)
register(
    "aftersales.return_lapse", queryset=_due(AfterSalesRequest, "return_ship_due_at"), handle=return_lapse
)
register("aftersales.auto_receive", queryset=_due(AfterSalesRequest, "receive_due_at"), handle=auto_receive)
register(
    "aftersales.replacement_overdue",
    queryset=_due(AfterSalesRequest, "replacement_due_at"),
    handle=replacement_overdue,
)
