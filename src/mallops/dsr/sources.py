"""Exporters for the buyer's after-sales requests, flash-sale purchases and the privacy
records themselves (consents and data-subject requests). Service tickets are registered by the service app
(``service.personal_data``), which uses ``order_holds`` and ``ERASED`` from here.

Tickets and after-sales requests about an order still inside its retention period (ECL Art. 31, see
``exporters.order_hold_until``) are part of that transaction's record: they are frozen with the order's date.
Otherwise the personal text the buyer wrote is erased at once. Other apps are only read and the personal
text columns written here; their services are not called (one transaction: the completing service's).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mallops.dsr.exporters import ECL31, Context, DataHandler, _iso, order_hold_until, register

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


# --- after-sales ----------------------------------------------------------------------------------------


def _aftersales(buyer: Any) -> Any:
    from mallops.aftersales.models import AfterSalesRequest

    return AfterSalesRequest.objects.unscoped(reason=REASON).filter(buyer=buyer)


def export_aftersales(buyer: Any, ctx: Context) -> dict[str, Any]:
    from mallops.aftersales.models import Evidence, RequestPhoto, Shipment

    rows = list(_aftersales(buyer).select_related("order", "merchant").order_by("created_at", "pk"))
    ids = [r.pk for r in rows]
    evidence: dict[int, list[dict[str, Any]]] = {}
    for e in (
        Evidence.objects.unscoped(reason=REASON)
        .filter(dispute__request__in=ids, party="buyer")
        .select_related("dispute")
        .order_by("at", "pk")
    ):
        evidence.setdefault(e.dispute.request_id, []).append(
            {"at": _iso(e.at), "text": e.text, "images": list(e.images)}
        )
    parcels: dict[int, list[dict[str, Any]]] = {}
    for s in Shipment.objects.unscoped(reason=REASON).filter(request__in=ids).order_by("shipped_at", "pk"):
        parcels.setdefault(s.request_id, []).append(
            {
                "leg": s.leg,
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "shipped_at": _iso(s.shipped_at),
            }
        )
    photos: dict[int, list[dict[str, Any]]] = {}
    for p in RequestPhoto.objects.unscoped(reason=REASON).filter(request__in=ids).order_by("pk"):
        photos.setdefault(p.request_id, []).append(photo_entry(p, request_id=p.request_id))
    return {
        "requests": [
            {
                "id": r.pk,
                "order": r.order.number,
                "store": r.merchant.name,
                "kind": r.kind,
                "classification": r.classification,
                "status": r.status,
                "outcome": r.outcome,
                "reason": r.reason,
                "requested_fen": r.requested_fen,
                "refund_fen": r.refund_fen,
                "created_at": _iso(r.created_at),
                "closed_at": _iso(r.closed_at),
                "evidence": evidence.get(r.pk, []),
                "shipments": parcels.get(r.pk, []),
                "photos": photos.get(r.pk, []),
            }
            for r in rows
        ]
    }


def photo_entry(photo: Any, *, request_id: int) -> dict[str, Any]:
    """One after-sales photo in an export: the file's name, type, size and date, and where the buyer
    downloads it while signed in (the bytes stay in the media storage: an export of six 5 MB photos per
    request inside the encrypted JSON copy would be too large to keep for its 30 days)."""
    from django.urls import reverse

    return {
        "file": photo.file.rsplit("/", 1)[-1],
        "content_type": photo.content_type,
        "size_bytes": photo.size_bytes,
        "added_at": _iso(photo.created_at),
        "link": reverse("storefront:aftersales_photo", args=[request_id, photo.pk]),
    }


def delete_media_on_commit(names: list[str]) -> None:
    """Delete stored files once the erasing transaction commits (a rollback keeps rows and files)."""
    from django.db import transaction

    from mallops.core.uploads import media_storage

    def delete() -> None:
        for name in names:
            media_storage.delete(name)

    if names:
        transaction.on_commit(delete)


def _erase_aftersales_text(req: Any, buyer_id: int) -> None:
    """Erase the buyer's words and photos of one request (the amounts, kind and status stay)."""
    from mallops.aftersales.models import Evidence, RequestPhoto, TimelineEntry

    req.reason = ERASED
    req.save(update_fields=["reason"])
    why = "erasing a buyer's after-sales text"
    Evidence.objects.unscoped(reason=why).filter(dispute__request=req, party="buyer").update(
        text=ERASED, images=[]
    )
    TimelineEntry.objects.unscoped(reason=why).filter(request=req, actor_id=buyer_id).update(text="")
    photos = RequestPhoto.objects.unscoped(reason=why).filter(request=req)
    delete_media_on_commit(list(photos.values_list("file", flat=True)))
    photos.delete()


def erase_aftersales(buyer: Any, ctx: Context) -> dict[str, Any]:
    """A request belongs to its order's transaction record: frozen while the order is kept (ECL Art. 31;
    PIPL Art. 47: stored and secured only), otherwise the reason, the buyer's evidence and timeline texts
    and the buyer's photos (rows and files) are erased (amounts stay). A held request loses them when its
    hold ends (``release_aftersales``)."""
    frozen, anonymised = [], []
    for req in _aftersales(buyer).select_for_update().select_related("order").order_by("pk"):
        until = order_hold_until(req.order, ctx.now)
        if until is not None:
            ctx.hold("aftersales.request", req.pk, ECL31, until)
            frozen.append(f"AS{req.pk}")
        else:
            _erase_aftersales_text(req, buyer.pk)
            anonymised.append(f"AS{req.pk}")
    return {"frozen": frozen, "anonymised": anonymised}


def release_aftersales(object_type: str, object_id: str) -> None:
    req = (
        _aftersales_all().select_for_update().filter(pk=int(object_id)).first()
        if object_id.isdigit()
        else None
    )
    if req is not None:
        _erase_aftersales_text(req, req.buyer_id)


def _aftersales_all() -> Any:
    from mallops.aftersales.models import AfterSalesRequest

    return AfterSalesRequest.objects.unscoped(reason="end of a retention hold after a deletion request")


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
    register(
        DataHandler(
            "aftersales",
            description="售后申请：原因、金额、您上传的照片、您提交的争议凭证和退货物流",
            export=export_aftersales,
            erase=erase_aftersales,
            release=release_aftersales,
        )
    )
    register(DataHandler("flash", description="限时抢购：抢购记录和购买数量", export=export_flash))
    register(DataHandler("privacy", description="同意记录和个人信息权利请求", export=export_privacy))
