"""Uploaded files of the catalogue: product images and certificate scans.

Files live under ``settings.DATA_DIR / "media"``; the type, size and dimension checks and the storage are
``mallops.core.uploads`` (re-exported here). Every check runs before anything is written; a violation
answers 422 with the field path.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import File
from django.db import transaction
from django.urls import reverse

from mallops.audit.services import audit_record
from mallops.catalogue.models import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    MIN_IMAGE_SIDE,
    Certificate,
    Product,
    ProductImage,
)
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.core.uploads import (
    EXTENSIONS,
    HEADER_BYTES,
    IMAGE_TYPES,
    Inspected,
    image_size,
    inspect_upload,
    media_storage,
    open_stored,
    sniff_type,
)

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024
CERTIFICATE_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_ANGLE = 32
MAX_CAPTION = 200


def _store(upload: File[Any], folder: str, content_type: str) -> str:
    name = f"{folder}/{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    upload.seek(0)
    return str(media_storage.save(name, upload))


def _delete_later(name: str) -> None:
    if name:
        transaction.on_commit(lambda: media_storage.delete(name))


@transaction.atomic
def image_upload(
    *,
    actor: Actor,
    merchant_id: int,
    product_id: int,
    upload: File[Any] | None,
    angle: str = "",
    caption: str = "",
) -> ProductImage:
    """Store an image of the product (JPEG, PNG or WebP, at most 5 MB, each side at least 200 px,
    at most 10 images per product)."""
    product: Product | None = (
        Product.objects.for_merchant(merchant_id).select_for_update().filter(pk=product_id).first()
    )
    if product is None:
        raise not_found("product")
    inspected, errors = inspect_upload(
        upload, allowed=IMAGE_TYPES, max_bytes=MAX_IMAGE_BYTES, min_side=MIN_IMAGE_SIDE
    )
    if len(angle) > MAX_ANGLE:
        errors.append(FieldError(("body", "angle"), f"at most {MAX_ANGLE} characters", "too_long"))
    if len(caption) > MAX_CAPTION:
        errors.append(FieldError(("body", "caption"), f"at most {MAX_CAPTION} characters", "too_long"))
    images = ProductImage.objects.for_merchant(merchant_id).filter(product_id=product_id)
    count = images.count()
    if count >= MAX_IMAGES:
        errors.append(FieldError(("body", "file"), f"a product has at most {MAX_IMAGES} images", "too_many"))
    if errors or inspected is None or upload is None:
        raise validation_error(errors)
    name = _store(upload, f"product-images/{merchant_id}", inspected.content_type)
    try:
        last = images.order_by("-position").values_list("position", flat=True).first()
        image: ProductImage = ProductImage.objects.create(
            merchant_id=merchant_id,
            product=product,
            url="",
            file=name,
            width=inspected.width,
            height=inspected.height,
            size_bytes=inspected.size_bytes,
            angle=angle.strip(),
            caption=caption.strip(),
            position=0 if last is None else last + 1,
        )
        image.url = reverse("review:merchant_image_file", args=[product_id, image.pk])
        image.save(update_fields=["url"])
    except Exception:
        media_storage.delete(name)
        raise
    audit_record(
        actor=actor,
        action="catalogue.image_upload",
        obj=image,
        after={"product_id": product_id, "file": name, "width": image.width, "height": image.height},
    )
    return image


@transaction.atomic
def image_delete(*, actor: Actor, merchant_id: int, product_id: int, image_id: int) -> None:
    image: ProductImage | None = (
        ProductImage.objects.for_merchant(merchant_id)
        .select_for_update()
        .filter(pk=image_id, product_id=product_id)
        .first()
    )
    if image is None:
        raise not_found("image")
    stored = str(image.file.name or "")
    before = {"product_id": product_id, "url": image.url, "file": stored}
    audit_record(actor=actor, action="catalogue.image_delete", obj=image, before=before)
    image.delete()
    _delete_later(stored)


@transaction.atomic
def certificate_file_upload(
    *, actor: Actor, merchant_id: int, certificate_id: int, upload: File[Any] | None
) -> Certificate:
    """Attach the scan of a certificate (PDF, JPEG or PNG, at most 10 MB); replaces an earlier one."""
    certificate: Certificate | None = (
        Certificate.objects.for_merchant(merchant_id).select_for_update().filter(pk=certificate_id).first()
    )
    if certificate is None:
        raise not_found("certificate")
    inspected, errors = inspect_upload(
        upload, allowed=CERTIFICATE_TYPES, max_bytes=MAX_CERTIFICATE_BYTES, min_side=None
    )
    if errors or inspected is None or upload is None:
        raise validation_error(errors)
    previous = certificate.file.name or ""
    name = _store(upload, f"certificates/{merchant_id}", inspected.content_type)
    try:
        certificate.file = name
        certificate.save(update_fields=["file"])
    except Exception:
        media_storage.delete(name)
        raise
    audit_record(
        actor=actor,
        action="catalogue.certificate_file_upload",
        obj=certificate,
        before={"file": previous},
        after={"file": name, "content_type": inspected.content_type, "size_bytes": inspected.size_bytes},
    )
    _delete_later(previous)
    return certificate


# the checks and the storage moved to mallops.core.uploads (ADR 0006); old importers keep working
__all__ = [
    "CERTIFICATE_TYPES",
    "EXTENSIONS",
    "HEADER_BYTES",
    "IMAGE_TYPES",
    "MAX_ANGLE",
    "MAX_CAPTION",
    "MAX_CERTIFICATE_BYTES",
    "Inspected",
    "certificate_file_upload",
    "image_delete",
    "image_size",
    "image_upload",
    "inspect_upload",
    "media_storage",
    "open_stored",
    "sniff_type",
]
