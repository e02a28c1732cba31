"""Writes of the privacy app: revealing a personal field in full (R1.3.2, R7.3.1)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from mallops.core.errors import FieldError, permission_denied, validation_error
from mallops.privacy.contracts import MIN_REASON_LENGTH, REVEAL_PERMISSION
from mallops.privacy.registry import UnclassifiedFieldError, personal_field


def personal_field_reveal(
    *,
    actor: Any,
    obj: models.Model,
    field_name: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Any:
    """Return the unmasked value of one declared personal field and record who saw it and why.

    Preconditions: ``actor.has_perm("privacy.reveal")`` (else 403 ``permission_denied``); ``reason`` has at
    least 5 characters after trimming and ``field_name`` is declared in the model's ``PERSONAL_DATA``
    (else 422 ``validation_error``). Side effect: one audit event ``privacy.reveal`` with the field,
    its data class and the reason, written before the value is returned; if the audit write fails,
    nothing is revealed. Runs in its own transaction (or the caller's).
    """
    if actor is None or not actor.has_perm(REVEAL_PERMISSION):
        raise permission_denied(REVEAL_PERMISSION)
    errors: list[FieldError] = []
    try:
        spec = personal_field(type(obj), field_name)
    except UnclassifiedFieldError:
        errors.append(
            FieldError(("field_name",), "This field is not declared personal data.", "unknown_field")
        )
    cleaned = (reason or "").strip()
    if len(cleaned) < MIN_REASON_LENGTH:
        errors.append(
            FieldError(("reason",), f"Give a reason of at least {MIN_REASON_LENGTH} characters.", "too_short")
        )
    if errors:
        raise validation_error(errors)

    from mallops.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="privacy.reveal",
            obj=obj,
            before=None,
            after={"field": field_name, "data_class": spec.data_class.value, "reason": cleaned},
            request=request,
        )
    return getattr(obj, field_name)
