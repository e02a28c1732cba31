"""The compliance engine over a post (R1.4.1, R4.4.1): the title is read as a title, the body as a
description. A ``block`` finding refuses the submission (422 ``compliance_blocked``: each blocking span and
its cited article in ``errors``, every finding in ``findings``); ``review`` findings stay on the post for
the approver to acknowledge."""

from __future__ import annotations

from typing import Any

from mallops.compliance.engine import check_text
from mallops.content.errors import ContentCode
from mallops.core.errors import DomainError, FieldError


def post_findings(*, title: str, body: str) -> list[dict[str, Any]]:
    """The engine's findings on the title and body as stored on the post."""
    return [
        {
            "field": field,
            "rule": hit.rule,
            "start": hit.start,
            "end": hit.end,
            "text": hit.text,
            "basis": hit.basis,
            "severity": str(hit.severity),
        }
        for field, engine_field, text in (("title", "title", title), ("body", "description", body))
        for hit in check_text(engine_field, text)
    ]


def refuse_blocking(findings: list[dict[str, Any]]) -> None:
    """Raise ``compliance_blocked`` when one of ``findings`` blocks; nothing otherwise."""
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking:
        raise DomainError(
            detail="The text breaks content rules and cannot be published.",
            code=ContentCode.COMPLIANCE_BLOCKED,
            status=422,
            title="Validation failed",
            errors=[
                FieldError(("body", f["field"]), f"{f['text']}: {f['basis']}", "compliance_blocked")
                for f in blocking
            ],
            extra={"findings": findings},
        )
