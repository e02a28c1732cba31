"""Uploaded files: where they are kept and how they are checked before anything is written.

Files live under ``settings.DATA_DIR / "media"`` (:data:`media_storage`). The content type is read from
the magic bytes and image dimensions from the PNG/JPEG/WebP headers (no imaging library). Used by the
catalogue (product images, certificate scans), accounts (business licence scans) and product reviews
(pictures); it moved here from the catalogue so that identity does not import the catalogue (ADR 0006).
``mallops.catalogue.uploads`` and ``mallops.catalogue.storage`` re-export these names.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from mallops.core.errors import FieldError


# The path stays the catalogue's: the catalogue's migrations name the storage by it.
@deconstructible(path="mallops.catalogue.storage.CatalogueMediaStorage")
class MediaStorage(FileSystemStorage):
    """File system storage at ``settings.DATA_DIR / "media"``, resolved on every access (so a test or
    a deployment that changes the data directory is honoured)."""

    @property
    def base_location(self) -> str:
        return str(Path(settings.DATA_DIR) / "media")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


media_storage = MediaStorage()

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
HEADER_BYTES = 512 * 1024  # enough for a JPEG's metadata segments before its frame header
# A 5 MB PNG of one colour can announce 60,000 x 60,000 px: the staff's browser would decode gigabytes. No
# camera photo or product image comes near 64 MP (8,000 x 8,000).
MAX_IMAGE_PIXELS = 64_000_000


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
        if width * height > MAX_IMAGE_PIXELS:
            return None, [
                FieldError(loc, f"at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels", "too_many_pixels")
            ]
        if min_side is not None and min(width, height) < min_side:
            return None, [
                FieldError(loc, f"each side is at least {min_side} px (got {width}x{height})", "too_small")
            ]
    return Inspected(content_type, size, width, height), []


def open_stored(name: str) -> File[Any]:
    return media_storage.open(name, "rb")
