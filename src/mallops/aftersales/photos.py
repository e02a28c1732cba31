"""The buyer's photos of an after-sales request (the request's evidence): added by the buyer (storefront or
API), read by the buyer, the request's store and the platform's after-sales staff, each through the
request scope they already have (``selectors.buyer_requests`` / ``merchant_requests`` /
``platform_requests``), so a store never reaches another store's photos (tenancy fails closed).

The photos lived in the storefront app until issue 20 showed them to the staff: aftersales sits below the
storefront (ADR 0006), and the photos are facts of the request, so they moved here (migration 0005)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.core.files.base import File
from django.db.models import QuerySet

from mallops.aftersales import selectors
from mallops.aftersales.models import AfterSalesRequest, RequestPhoto
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.core.uploads import EXTENSIONS, IMAGE_TYPES, inspect_upload, media_storage
from mallops.orders.checkout import require_buyer

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MIN_PHOTO_SIDE = 200

Scope = Literal["buyer", "merchant", "platform"]


@audited()
def request_photo_add(*, actor: Actor, request_id: int, upload: File[Any] | None) -> RequestPhoto:
    """Attach one photo to the buyer's own after-sales request (JPEG, PNG or WebP judged by content, at
    most 5 MB, each side at least 200 px, at most MAX_PHOTOS per request). Locks the request row.

    Errors: 401/403 for a non-buyer; 404 for another buyer's request; 422 at ``body.file``
    (``unsupported_type``, ``too_large``, ``too_many_pixels`` beyond 64 MP, ``too_small``, ``unreadable_image``,
    ``too_many``)."""
    require_buyer(actor)
    req = selectors.one(selectors.buyer_requests(actor).select_for_update(of=("self",)), request_id)
    inspected, errors = inspect_upload(
        upload, allowed=IMAGE_TYPES, max_bytes=MAX_PHOTO_BYTES, min_side=MIN_PHOTO_SIDE
    )
    if RequestPhoto.objects.for_merchant(req.merchant_id).filter(request=req).count() >= MAX_PHOTOS:
        errors.append(FieldError(("body", "file"), f"at most {MAX_PHOTOS} photos", "too_many"))
    if errors or inspected is None or upload is None:
        raise validation_error(errors)
    name = f"aftersales-photos/{actor.pk}/{uuid.uuid4().hex}.{EXTENSIONS[inspected.content_type]}"
    upload.seek(0)
    stored = str(media_storage.save(name, upload))
    try:
        photo: RequestPhoto = RequestPhoto.objects.create(
            merchant_id=req.merchant_id,
            request=req,
            buyer_id=actor.pk,
            file=stored,
            content_type=inspected.content_type,
            width=inspected.width,
            height=inspected.height,
            size_bytes=inspected.size_bytes,
        )
    except Exception:
        media_storage.delete(stored)
        raise
    audit_record(
        actor=actor,
        action="aftersales.request_photo_add",
        obj=photo,
        after={"request_id": req.pk, "size_bytes": photo.size_bytes},
    )
    return photo


def _requests(actor: Actor, scope: Scope) -> QuerySet[AfterSalesRequest]:
    if scope == "buyer":
        return selectors.buyer_requests(actor)
    if scope == "merchant":
        return selectors.merchant_requests(actor)
    return selectors.platform_requests(actor)


def request_photos(*, actor: Actor, request_id: int, scope: Scope) -> list[RequestPhoto]:
    """The photos of one request the actor may see in ``scope``, oldest first (404 otherwise)."""
    req = selectors.one(_requests(actor, scope), request_id)
    return list(RequestPhoto.objects.for_merchant(req.merchant_id).filter(request=req).order_by("pk"))


def request_photo(*, actor: Actor, request_id: int, photo_id: int, scope: Scope) -> RequestPhoto:
    """One photo of a request the actor may see in ``scope`` (404 for anything else)."""
    photo = next(
        (p for p in request_photos(actor=actor, request_id=request_id, scope=scope) if p.pk == photo_id), None
    )
    if photo is None:
        raise not_found("photo")
    return photo


def photos_by_request(*, merchant_id: int, request_ids: list[int]) -> dict[int, list[RequestPhoto]]:
    """The photos of a page of one store's requests (already scoped by the caller), in one query."""
    out: dict[int, list[RequestPhoto]] = {}
    for photo in (
        RequestPhoto.objects.for_merchant(merchant_id).filter(request_id__in=request_ids).order_by("pk")
    ):
        out.setdefault(photo.request_id, []).append(photo)
    return out
