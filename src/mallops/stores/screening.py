"""The compliance engine over store texts (R1.4.1): a store name is read as a title, an announcement as a
description. A ``block`` finding refuses the text (422 ``compliance_blocked``; each blocking span and its
article in ``errors``, every finding in ``findings``)."""

from __future__ import annotations

from typing import Any

from mallops.compliance.engine import check_text
from mallops.core.errors import DomainError, FieldError
from mallops.stores.errors import StoresCode


def text_findings(engine_field: str, text: str) -> list[dict[str, Any]]:
    """The engine's findings on ``text`` as stored on a row: rule, span, words, article, severity."""
    return [
        {
            "rule": hit.rule,
            "start": hit.start,
            "end": hit.end,
            "text": hit.text,
            "basis": hit.basis,
            "severity": str(hit.severity),
        }
        for hit in check_text(engine_field, text)
    ]


def refuse_blocking(findings: list[dict[str, Any]], *, field: str) -> None:
    """Raise ``compliance_blocked`` when one of ``findings`` blocks; nothing otherwise."""
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking:
        raise DomainError(
            detail="The text breaks content rules and cannot be published.",
            code=StoresCode.COMPLIANCE_BLOCKED,
            status=422,
            title="Validation failed",
            errors=[
                FieldError(("body", field), f"{f['text']}: {f['basis']}", "compliance_blocked")
                for f in blocking
            ],
            extra={"findings": findings},
        )


def store_name_check(name: str) -> None:
    """Refuse a store name with a ``block`` finding (onboarding and renaming, ``accounts.services``). A
    ``review`` finding does not stop the platform staff who set the name; the self-inspection lists it."""
    if name.strip():
        refuse_blocking(text_findings("title", name.strip()), field="name")
