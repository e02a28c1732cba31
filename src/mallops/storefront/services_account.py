"""Writes of the buyer's own storefront pages that no other app owns: the photos attached to an
after-sales request. One transaction and one audit event each."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import File

from mallops.accounts.roles import require_buyer
from mallops.aftersales import selectors as aftersales
from mallops.audit.services import audit_record, audited
from mallops.core.errors import FieldError, validation_error
from mallops.core.uploads import EXTENSIONS, IMAGE_TYPES, inspect_upload, media_storage
from mallops.storefront.models import AfterSalesPhoto

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MIN_PHOTO_SIDE = 200


@audited()
def aftersales_photo_add(
    *, buyer: Any, aftersales_request_id: int, upload: File[Any] | None, request: Any = None
) -> AfterSalesPhoto:
    """Attach one photo to the buyer's own after-sales request (JPEG, PNG or WebP judged by content, at
    most 5 MB, each side at least 200 px, at most MAX_PHOTOS per request).

    Errors: 401/403 for a non-buyer; 404 for another buyer's request; 422 at ``body.file``
    (``unsupported_type``, ``too_large``, ``too_small``, ``unreadable_image``, ``too_many``)."""
    require_buyer(buyer)
    aftersales.one(aftersales.buyer_requests(buyer), aftersales_request_id)  # 404 for anyone else's
    inspected, errors = inspect_upload(
        upload, allowed=IMAGE_TYPES, max_bytes=MAX_PHOTO_BYTES, min_side=MIN_PHOTO_SIDE
    )
    count = (
        AfterSalesPhoto.objects.select_for_update()
        .filter(buyer=buyer, aftersales_request_id=aftersales_request_id)
        .count()
    )
    if count >= MAX_PHOTOS:
        errors.append(FieldError(("body", "file"), f"at most {MAX_PHOTOS} photos", "too_many"))
    if errors or inspected is None or upload is None:
        raise validation_error(errors)
    name = f"aftersales-photos/{buyer.pk}/{uuid.uuid4().hex}.{EXTENSIONS[inspected.content_type]}"
    upload.seek(0)
    stored = str(media_storage.save(name, upload))
    try:
        photo = AfterSalesPhoto.objects.create(
            buyer=buyer,
            aftersales_request_id=aftersales_request_id,
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
        actor=buyer,
        action="storefront.aftersales_photo_add",
        obj=photo,
        after={"aftersales_request_id": aftersales_request_id, "size_bytes": photo.size_bytes},
        request=request,
    )
    return photo


def aftersales_photos(*, buyer: Any, aftersales_request_id: int) -> list[AfterSalesPhoto]:
    """The buyer's photos of one of their own requests, oldest first."""
    return list(
        AfterSalesPhoto.objects.filter(buyer=buyer, aftersales_request_id=aftersales_request_id).order_by(
            "pk"
        )
    )


def checkout_risk_assess(
    *, buyer: Any, idempotency_key: str, only_sku: str = "", address_id: int | None, request: Any = None
) -> None:
    """Risk control of a storefront checkout before it is placed, as the checkout API does
    (``orders.risk_checks.checkout_assess``: commits on its own; 403 ``risk_blocked``). The order is then
    in the risk register, where the risk check of a later review finds its purchase."""
    from mallops.orders.checkout import CartLine as OrderCartLine
    from mallops.orders.checkout import CheckoutRequest
    from mallops.orders.risk_checks import checkout_assess
    from mallops.risk.flows import request_context
    from mallops.storefront.models import CartLine

    rows = CartLine.objects.filter(buyer=buyer).order_by("pk")
    if only_sku:
        rows = rows.filter(sku_code=only_sku)
    req = CheckoutRequest(
        lines=[OrderCartLine(sku=row.sku_code, qty=row.qty) for row in rows], address_id=address_id
    )
    checkout_assess(actor=buyer, idempotency_key=idempotency_key, req=req, context=request_context(request))
