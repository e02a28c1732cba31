"""Domain errors with stable codes, rendered as RFC 9457 problem+json by the API layer.

Services raise these; they never build HTTP responses. ``code`` is part of the public contract: clients
switch on it, so it never changes once published. It is a member of the raising domain's ``ProblemCode``
enum (``<app>/errors.py``, ``core.codes.CoreCode``), from which docs/api.md's list is generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mallops.core.codes import CoreCode


@dataclass(frozen=True)
class FieldError:
    loc: tuple[str | int, ...]
    msg: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "code": self.code}


@dataclass
class DomainError(Exception):
    """A refusal the caller can act on. ``status`` is the HTTP status the API answers with."""

    detail: str
    code: str = CoreCode.INVALID_REQUEST  # a ProblemCode member (a str) of the raising domain
    status: int = 400
    title: str = "Invalid request"
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def validation_error(errors: list[FieldError], detail: str = "The request is invalid.") -> DomainError:
    return DomainError(
        detail=detail, code=CoreCode.VALIDATION_ERROR, status=422, title="Validation failed", errors=errors
    )


def not_found(what: str = "object") -> DomainError:
    return DomainError(detail=f"No such {what}.", code=CoreCode.NOT_FOUND, status=404, title="Not found")


def permission_denied(permission: str) -> DomainError:
    return DomainError(
        detail=f"You lack the permission {permission!r}.",
        code=CoreCode.PERMISSION_DENIED,
        status=403,
        title="Forbidden",
        extra={"permission": permission},
    )


def conflict(detail: str, code: str = CoreCode.CONFLICT, **extra: Any) -> DomainError:
    return DomainError(detail=detail, code=code, status=409, title="Conflict", extra=extra)
