"""The buyer's after-sales requests in data-subject requests and retention (PIPL Art. 45, 47; ECL Art. 31).

After-sales registers its requests with dsr when it starts (``connect``, from ``AftersalesConfig.ready``):
the export section, the erasure and the hold release (``dsr.exporters.register``) and the rows of the
``aftersales.text`` retention rule (``dsr.hooks.register_row_retention``). A request belongs to its order's
transaction record: frozen while the order is kept, otherwise the buyer's words and photos are erased
(amounts, kind and status stay). dsr keeps the rule, the holds and the audit events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from mallops.aftersales.models import AfterSalesRequest, Evidence, RequestPhoto, Shipment, TimelineEntry
from mallops.core.inputs import is_ascii_digits
from mallops.dsr.exporters import ECL31, Context, DataHandler, _iso, order_hold_until
from mallops.dsr.sources import ERASED, REASON, delete_media_on_commit

RULE = "aftersales.text"
WHY = "retention period over (dsr.retention)"


def _aftersales(buyer: Any) -> Any:
    return AfterSalesRequest.objects.unscoped(reason=REASON).filter(buyer=buyer)


def export_aftersales(buyer: Any, ctx: Context) -> dict[str, Any]:
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
    return {
        "file": photo.file.rsplit("/", 1)[-1],
        "content_type": photo.content_type,
        "size_bytes": photo.size_bytes,
        "added_at": _iso(photo.created_at),
        "link": reverse("storefront:aftersales_photo", args=[request_id, photo.pk]),
    }


def erase_aftersales_text(req: Any, buyer_id: int) -> None:
    """Erase the buyer's words and photos of one request (the amounts, kind and status stay)."""
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
            erase_aftersales_text(req, buyer.pk)
            anonymised.append(f"AS{req.pk}")
    return {"frozen": frozen, "anonymised": anonymised}


def release_aftersales(object_type: str, object_id: str) -> None:
    req = (
        _aftersales_all().select_for_update().filter(pk=int(object_id)).first()
        if is_ascii_digits(object_id)
        else None
    )
    if req is not None:
        erase_aftersales_text(req, req.buyer_id)


def _aftersales_all() -> Any:
    return AfterSalesRequest.objects.unscoped(reason="end of a retention hold after a deletion request")


def requests_due(cutoff: datetime, held: list[int]) -> QuerySet[AfterSalesRequest]:
    """Closed requests whose order ended before ``cutoff``, not erased yet, not held."""
    ended = Q(order__completed_at__lt=cutoff) | Q(
        order__completed_at__isnull=True, order__cancelled_at__lt=cutoff
    )
    rows: QuerySet[AfterSalesRequest] = (
        AfterSalesRequest.objects.unscoped(reason=WHY)
        .filter(ended, closed_at__isnull=False)
        .exclude(reason=ERASED)
        .exclude(pk__in=held)
    )
    return rows


def request_erase(req: Any) -> None:
    erase_aftersales_text(req, req.buyer_id)


def connect() -> None:
    from mallops.dsr.exporters import register
    from mallops.dsr.hooks import register_row_retention

    register(
        DataHandler(
            "aftersales",
            description="售后申请：原因、金额、您上传的照片、您提交的争议凭证和退货物流",
            export=export_aftersales,
            erase=erase_aftersales,
            release=release_aftersales,
        )
    )
    register_row_retention(RULE, object_type="aftersales.request", due=requests_due, erase=request_erase)
