"""Uploaded files of the catalogue: product images and certificate scans.

Files live under ``settings.DATA_DIR / "media"`` (:class:`CatalogueMediaStorage`). The content type is
read from the magic bytes and image dimensions from the PNG/JPEG/WebP headers (no imaging library).
Every check runs before anything is written; a violation answers 422 with the field path.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
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
from mallops.catalogue.storage import media_storage
from mallops.core.errors import FieldError, not_found, validation_error

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
CERTIFICATE_TYPES = ("application/pdf", "image/jpeg", "image/png")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
HEADER_BYTES = 512 * 1024  # enough for a JPEG's metadata segments before its frame header
MAX_ANGLE = 32
MAX_CAPTION = 200


def sniff_type(head: bytes) -> str | None:
    """The content type the magic bytes announce (JPEG, PNG, WebP or PDF), else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _png_size(head: bytes) -> tuple[int, int] | None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


# start-of-frame markers carry the frame's dimensions (C4 DHT, C8 JPG and CC DAC do not)
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # stand-alone markers
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            return None
        (length,) = struct.unpack(">H", head[pos + 2 : pos + 4])
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            if pos + 9 > len(head):
                return None
            height, width = struct.unpack(">HH", head[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    if len(head) < 30:
        return None
    chunk = head[12:16]
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return int(width & 0x3FFF), int(height & 0x3FFF)
    if chunk == b"VP8L" and head[20] == 0x2F:
        b0, b1, b2, b3 = head[21:25]
        return 1 + (b0 | (b1 & 0x3F) << 8), 1 + ((b1 >> 6) | b2 << 2 | (b3 & 0x0F) << 10)
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    return None


def image_size(content_type: str, head: bytes) -> tuple[int, int] | None:
    """Width and height from the file header, or None when the header cannot be read."""
    reader = {"image/png": _png_size, "image/jpeg": _jpeg_size, "image/webp": _webp_size}.get(content_type)
    return reader(head) if reader else None


@dataclass(frozen=True)
class Inspected:
    content_type: str
    size_bytes: int
    width: int
    height: int


def _read_head(upload: File[Any]) -> bytes:
    upload.seek(0)
    head = upload.read(HEADER_BYTES)
    upload.seek(0)
    return bytes(head)


def inspect_upload(
    upload: File[Any] | None, *, allowed: tuple[str, ...], max_bytes: int, min_side: int | None
) -> tuple[Inspected | None, list[FieldError]]:
    """Check a file's type (magic bytes), size and, for images, dimensions. Errors sit at ``body.file``."""
    loc = ("body", "file")
    if upload is None:
        return None, [FieldError(loc, "send the file as multipart form field 'file'", "required")]
    size = int(upload.size or 0)
    if size == 0:
        return None, [FieldError(loc, "the file is empty", "empty")]
    if size > max_bytes:
        limit = max_bytes // (1024 * 1024)
        return None, [FieldError(loc, f"the file is at most {limit} MB", "too_large")]
    head = _read_head(upload)
    content_type = sniff_type(head)
    if content_type not in allowed:
        kinds = ", ".join(EXTENSIONS[t].upper() for t in allowed)
        return None, [
            FieldError(loc, f"the file must be {kinds} (judged by its content)", "unsupported_type")
        ]
    width = height = 0
    if content_type.startswith("image/"):
        dimensions = image_size(content_type, head)
        if dimensions is None and content_type == "image/jpeg" and size > len(head):
            # large metadata segments (EXIF thumbnails, ICC profiles) can push the frame header further
            upload.seek(0)
            dimensions = image_size(content_type, bytes(upload.read()))
            upload.seek(0)
        if dimensions is None:
            return None, [FieldError(loc, "the image header cannot be read", "unreadable_image")]
        width, height = dimensions
        if min_side is not None and min(width, height) < min_side:
            return None, [
                FieldError(loc, f"each side is at least {min_side} px (got {width}x{height})", "too_small")
            ]
    return Inspected(content_type, size, width, height), []


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
    actor: Any,
    merchant_id: int,
    product_id: int,
    upload: File[Any] | None,
    angle: str = "",
    caption: str = "",
    request: Any = None,
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
        request=request,
    )
    return image


@transaction.atomic
def image_delete(
    *, actor: Any, merchant_id: int, product_id: int, image_id: int, request: Any = None
) -> None:
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
    audit_record(actor=actor, action="catalogue.image_delete", obj=image, before=before, request=request)
    image.delete()
    _delete_later(stored)


@transaction.atomic
def certificate_file_upload(
    *, actor: Any, merchant_id: int, certificate_id: int, upload: File[Any] | None, request: Any = None
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
        request=request,
    )
    _delete_later(previous)
    return certificate


def open_stored(name: str) -> File[Any]:
    return media_storage.open(name, "rb")
