"""Request ids, access logs, and problem+json for every error under /api/ (even Django's own 404/405/500)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mallops.core.logging import current_request_id, current_user
from mallops.core.problems import PROBLEM_CONTENT_TYPE, problem_response

log = logging.getLogger("mallops.request")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class RequestIdMiddleware:
    """Keeps a well-formed client ``X-Request-ID`` or makes one; echoes it and logs the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        user_token = current_user.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        username = getattr(user, "username", None) if user is not None else None
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "user": username or current_user.get(),
                "status": response.status_code,
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                "method": request.method,
                "path": request.path,
            },
        )
        current_user.reset(user_token)
        return response


class ApiProblemMiddleware:
    """Turns any non-problem error response under /api/ into problem+json, and catches crashes there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            return response
        headers = {}
        if response.status_code == 405 and response.has_header("Allow"):
            headers["Allow"] = response["Allow"]
        if response.has_header("Retry-After"):
            headers["Retry-After"] = response["Retry-After"]
        detail = ""
        if response.status_code == 404:
            detail = f"No resource at {request.path}."
        elif response.status_code == 405:
            detail = f"{request.method} is not allowed on {request.path}."
        return problem_response(request, status=response.status_code, detail=detail, headers=headers)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_api(request):
            return None
        log.exception("unhandled error", extra={"request_id": getattr(request, "request_id", None)})
        return problem_response(
            request,
            status=500,
            detail="An unexpected error occurred; it has been logged with the request id.",
        )
