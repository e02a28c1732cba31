"""RFC 9457 problem details. Every error under /api/ leaves through ``problem_response``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://mallops.dev/problems/"

STATUS_DEFAULTS: dict[int, tuple[str, str]] = {
    400: (CoreCode.BAD_REQUEST, "Bad request"),
    401: (CoreCode.UNAUTHENTICATED, "Authentication required"),
    403: (CoreCode.PERMISSION_DENIED, "Forbidden"),
    404: (CoreCode.NOT_FOUND, "Not found"),
    405: (CoreCode.METHOD_NOT_ALLOWED, "Method not allowed"),
    409: (CoreCode.CONFLICT, "Conflict"),
    413: (CoreCode.PAYLOAD_TOO_LARGE, "Payload too large"),
    415: (CoreCode.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    422: (CoreCode.VALIDATION_ERROR, "Validation failed"),
    429: (CoreCode.RATE_LIMITED, "Too many requests"),
    500: (CoreCode.INTERNAL_ERROR, "Internal server error"),
    503: (CoreCode.UNAVAILABLE, "Service unavailable"),
}


def problem_body(
    *,
    status: int,
    code: str | None = None,
    title: str | None = None,
    detail: str = "",
    errors: list[FieldError] | None = None,
    request: HttpRequest | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    default_code, default_title = STATUS_DEFAULTS.get(status, (CoreCode.ERROR, "Error"))
    code = code or default_code
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title or default_title,
        "status": status,
        "detail": detail or (title or default_title),
        "code": code,
    }
    if request is not None:
        body["instance"] = request.path
        request_id = getattr(request, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    if extra:
        for key, value in extra.items():
            body.setdefault(key, value)
    return body


def problem_response(
    request: HttpRequest | None,
    *,
    status: int,
    code: str | None = None,
    title: str | None = None,
    detail: str = "",
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body = problem_body(
        status=status, code=code, title=title, detail=detail, errors=errors, request=request, extra=extra
    )
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def from_domain_error(request: HttpRequest | None, error: DomainError) -> HttpResponse:
    return problem_response(
        request,
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        errors=error.errors,
        headers=error.headers,
        extra=error.extra,
    )
