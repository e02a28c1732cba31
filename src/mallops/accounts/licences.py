"""A merchant's business licence scan (营业执照): upload and read back.

The file is checked like a catalogue certificate scan (type from the magic bytes: PDF, JPEG or PNG; at most
10 MB; ``core.uploads.inspect_upload``) and kept in the same media storage under
``licences/<merchant id>/``. The merchant row holds the stored name; a replaced file is deleted after the
commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import File
from django.db import transaction

from mallops.accounts.models import Merchant
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import not_found, validation_error
from mallops.core.uploads import EXTENSIONS, inspect_upload, media_storage

MAX_LICENCE_BYTES = 10 * 1024 * 1024
LICENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _storage() -> Any:
    # the media storage (``$MALLOPS_DATA_DIR/media``) shared with the catalogue
    return media_storage


@transaction.atomic
def merchant_licence_upload(*, actor: Actor, merchant_id: int, upload: File[Any] | None) -> Merchant:
    """Attach (or replace) the licence scan of a store. Needs ``merchant.onboard``.

    Errors: 422 at ``body.file`` (``required``, ``empty``, ``too_large``, ``unsupported_type``), 404.
    """
    require_permission(actor, "merchant.onboard")
    merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
    if merchant is None:
        raise not_found("merchant")
    inspected, errors = inspect_upload(
        upload, allowed=LICENCE_TYPES, max_bytes=MAX_LICENCE_BYTES, min_side=None
    )
    if errors or inspected is None or upload is None:
        raise validation_error(errors)
    storage = _storage()
    previous = merchant.licence_file
    upload.seek(0)
    name = str(
        storage.save(
            f"licences/{merchant.pk}/{uuid.uuid4().hex}.{EXTENSIONS[inspected.content_type]}", upload
        )
    )
    try:
        merchant.licence_file = name
        merchant.licence_content_type = inspected.content_type
        merchant.save(update_fields=["licence_file", "licence_content_type"])
    except Exception:
        storage.delete(name)
        raise
    audit_record(
        actor=actor,
        action="accounts.merchant_licence_uploaded",
        obj=merchant,
        before={"file": previous},
        after={"file": name, "content_type": inspected.content_type, "size_bytes": inspected.size_bytes},
    )
    if previous:
        transaction.on_commit(lambda: storage.delete(previous))
    return merchant


def merchant_licence_open(*, actor: Actor, merchant_id: int) -> tuple[File[Any], str]:
    """The stored licence scan and its content type. Needs ``merchant.onboard`` (the scan names the legal
    representative). Errors: 404 when the store or its scan is missing."""
    require_permission(actor, "merchant.onboard")
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None or not merchant.licence_file:
        raise not_found("licence")
    return _storage().open(merchant.licence_file, "rb"), merchant.licence_content_type
