"""Writes of the privacy app: revealing a personal field in full (R1.3.2, R7.3.1) and recording a bulk export
of personal data (R7.1.2: the compliance self-inspection checks both against the role matrix)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models, transaction

from mallops.core.actors import Actor
from mallops.core.errors import FieldError, permission_denied, validation_error
from mallops.privacy.contracts import MIN_REASON_LENGTH, REVEAL_PERMISSION, DataClass
from mallops.privacy.registry import UnclassifiedFieldError, personal_field

# the audit app (above privacy in docs/adr/0006) registers its ``audit_record`` when it starts
# (``AuditConfig.ready``); a reveal or an export is never done unaudited (``LookupError`` without it)
_RECORDER: list[Callable[..., Any]] = []


def register_audit_recorder(recorder: Callable[..., Any]) -> None:
    _RECORDER[:] = [recorder]


def _audit_record() -> Callable[..., Any]:
    if not _RECORDER:
        raise LookupError("no app registered the audit recorder (privacy.services.register_audit_recorder)")
    return _RECORDER[0]


def personal_field_reveal(
    *,
    actor: Actor | None,
    obj: models.Model,
    field_name: str,
    reason: str,
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

    with transaction.atomic():
        _audit_record()(
            actor=actor,
            action="privacy.reveal",
            obj=obj,
            before=None,
            after={"field": field_name, "data_class": spec.data_class.value, "reason": cleaned},
        )
    return getattr(obj, field_name)


def personal_data_export_record(
    *,
    actor: Actor | None,
    what: str,
    rows: int,
    data_classes: list[DataClass],
    purpose: str = "",
    columns: Sequence[str] = (),
) -> None:
    """Record that ``rows`` records holding personal data of ``data_classes`` left the system as a file.

    Called by every export of personal data (a list page's CSV/XLSX, a retargeting file) after its own
    permission check. Writes one audit event ``privacy.export`` (``what``, ``rows``, the classes and the
    stated ``purpose``, and the exported ``columns`` when given); the compliance self-inspection flags an
    export whose actor's roles do not grant the
    unmasked view of each class (PIPL Art. 51) and a bulk export without a purpose (PIPL Art. 6). Errors:
    422 ``validation_error`` when ``rows`` is negative or ``what`` is empty."""
    errors: list[FieldError] = []
    if not what.strip():
        errors.append(FieldError(("what",), "Say what was exported.", "required"))
    if rows < 0:
        errors.append(FieldError(("rows",), "The number of records cannot be negative.", "invalid"))
    if errors:
        raise validation_error(errors)
    with transaction.atomic():
        _audit_record()(
            actor=actor,
            action="privacy.export",
            obj=None,
            before=None,
            after={
                "what": what.strip(),
                "rows": rows,
                "data_classes": sorted({DataClass(value).value for value in data_classes}),
                "purpose": purpose.strip(),
                **({"columns": [str(column) for column in columns]} if columns else {}),
            },
        )
