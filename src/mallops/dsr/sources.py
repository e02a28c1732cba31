"""Exporters for the buyer's flash-sale purchases and the privacy records themselves (consents and
data-subject requests). Service tickets and after-sales requests are registered by their apps
(``service.personal_data``, ``aftersales.personal_data``), which use ``order_holds``, ``ERASED`` and
``delete_media_on_commit`` from here.

Tickets and after-sales requests about an order still inside its retention period (ECL Art. 31, see
``exporters.order_hold_until``) are part of that transaction's record: they are frozen with the order's date.
Otherwise the personal text the buyer wrote is erased at once. Other apps are only read and the personal
text columns written here; their services are not called (one transaction: the completing service's).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mallops.dsr.exporters import Context, DataHandler, _iso, order_hold_until, register

ERASED = "[已删除]"
REASON = "data-subject request of the buyer"


# --- orders the buyer's records belong to ---------------------------------------------------------------


def order_holds(buyer: Any, now: Any) -> dict[str, date | None]:
    """Order number -> the end of its retention period (None: past it)."""
    from mallops.orders.models import Order

    return {
        o.number: order_hold_until(o, now)
        for o in Order.objects.unscoped(reason=REASON)
        .filter(buyer=buyer)
        .only("number", "completed_at", "cancelled_at")
    }


# --- stored files --------------------------------------------------------------------------------------


def delete_media_on_commit(names: list[str]) -> None:
    """Delete stored files once the erasing transaction commits (a rollback keeps rows and files)."""
    from django.db import transaction

    from mallops.core.uploads import media_storage

    def delete() -> None:
        for name in names:
            media_storage.delete(name)

    if names:
        transaction.on_commit(delete)


# --- flash sales ----------------------------------------------------------------------------------------


def export_flash(buyer: Any, ctx: Context) -> dict[str, Any]:
    from mallops.orders.models import FlashAttempt, FlashPurchase

    purchases = [
        {"sale": p.sale.title, "qty": p.qty}
        for p in FlashPurchase.objects.filter(buyer=buyer).select_related("sale").order_by("pk")
    ]
    attempts = [
        {
            "id": a.id,
            "sale": a.sale.title,
            "qty": a.qty,
            "status": a.status,
            "reason": a.reason,
            "order": a.order.number if a.order is not None else None,
            "at": _iso(a.created_at),
        }
        for a in FlashAttempt.objects.filter(buyer=buyer)
        .select_related("sale", "order")
        .order_by("created_at", "pk")
    ]
    return {"purchases": purchases, "attempts": attempts}


# --- the privacy records themselves ---------------------------------------------------------------------


def export_privacy(buyer: Any, ctx: Context) -> dict[str, Any]:
    from mallops.dsr.models import ConsentRecord, DataSubjectRequest

    consents = [
        {"purpose": c.purpose, "policy_version": c.policy.version, "action": c.action, "at": _iso(c.at)}
        for c in ConsentRecord.objects.filter(buyer=buyer).select_related("policy").order_by("at", "pk")
    ]
    requests = [
        {
            "id": r.pk,
            "kind": r.kind,
            "status": r.status,
            "note": r.note,
            "submitted_at": _iso(r.submitted_at),
            "due_at": _iso(r.due_at),
            "closed_at": _iso(r.closed_at),
            "reason": r.reason,
        }
        for r in DataSubjectRequest.objects.filter(buyer=buyer).order_by("submitted_at", "pk")
    ]
    return {"consents": consents, "requests": requests}


def register_sources() -> None:
    register(DataHandler("flash", description="限时抢购：抢购记录和购买数量", export=export_flash))
    register(DataHandler("privacy", description="同意记录和个人信息权利请求", export=export_privacy))
