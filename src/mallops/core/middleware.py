"""Request ids, access logs, and problem+json for every error under /api/ (even Django's own 404/405/500)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from mallops.core import inputs
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError
from mallops.core.logging import current_request_id, current_user
from mallops.core.problems import PROBLEM_CONTENT_TYPE, from_domain_error, problem_response

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


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
CONSOLE_OUT_OF_RANGE = "提交的数字超出允许的范围，请检查后重新提交。"
CONSOLE_BAD_TEXT = "提交的内容含有不允许的字符（控制字符或无效的 Unicode），请删除后重新提交。"
# A console or storefront form post: six 5 MB photos (after-sales, reviews) and the form's text fit well.
MAX_FORM_BODY_BYTES = 40 * 1024 * 1024
CONSOLE_TOO_LARGE = "提交的内容过大（上限 40 MB），请减少或压缩文件后重新提交。"


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def _bad_text(request: HttpRequest, error: FieldError) -> HttpResponse:
    """A text rule broken in the path or query: 422 problem+json under /api/, a plain 400 on pages."""
    if not _is_api(request):
        return HttpResponseBadRequest(CONSOLE_BAD_TEXT, content_type="text/plain; charset=utf-8")
    return problem_response(
        request, status=422, code=CoreCode.VALIDATION_ERROR, detail="The request is invalid.", errors=[error]
    )


class InputPolicyMiddleware:
    """The edge of the input policy (``mallops.core.inputs``, docs/api.md "Input policy").

    Under /api/: a body above its limit is 413 problem+json before it is read (multipart bodies have the
    larger upload limit and are left unparsed, so upload endpoints can check permissions first); a JSON
    body is depth-scanned, parsed once, checked (text, integer range) and normalised (NFC), and handed to
    django-ninja through ``InputParser``. Console and storefront form posts (urlencoded or multipart) with
    control characters in a text field are 400, above ``MAX_FORM_BODY_BYTES`` 413;
    their text is normalised to NFC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._check_query(request)
        if refused is not None:
            return refused
        if _is_api(request):
            refused = self._check_api(request)
            if refused is not None:
                return refused
        elif request.method == "POST" and request.content_type in _FORM_TYPES:
            # multipart too: the storefront's after-sales and review forms carry text beside their photos
            refused = self._check_console_form(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check_query(self, request: HttpRequest) -> HttpResponse | None:
        """Query parameters (filters, search) obey the text rules too: a NUL reaches PostgreSQL otherwise.
        So does the path: ``/marketing/tags/%00/`` looked the tag up with a NUL."""
        if inputs.text_problem(request.path, multiline=False) is not None:
            return _bad_text(
                request, FieldError(("path",), "The path holds a control character.", "invalid_text")
            )
        for key, values in request.GET.lists():
            for text in (key, *values):
                problem = inputs.text_problem(text)
                if problem is not None:
                    return _bad_text(request, FieldError(("query", key), problem, "invalid_text"))
        return None

    def _check_api(self, request: HttpRequest) -> HttpResponse | None:
        content_type = request.content_type or ""
        is_multipart = content_type.startswith("multipart/")
        limit = inputs.MAX_UPLOAD_BODY_BYTES if is_multipart else inputs.MAX_JSON_BODY_BYTES
        django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if not is_multipart and django_limit is not None:
            limit = min(limit, django_limit)
        declared = _declared_length(request)
        if declared is None:
            return problem_response(request, status=400, detail="The Content-Length header is not a number.")
        if declared > limit:
            return from_domain_error(request, inputs.payload_too_large(limit))
        if is_multipart or content_type in _FORM_TYPES or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        try:
            raw = request.body
        except RequestDataTooBig:
            return from_domain_error(request, inputs.payload_too_large(limit))
        if not raw:
            return None
        if len(raw) > limit:
            return from_domain_error(request, inputs.payload_too_large(limit))
        try:
            checked = inputs.check_json_body(raw)
        except DomainError as error:
            return from_domain_error(request, error)
        except (ValueError, RecursionError):
            return None  # not JSON: the endpoint answers (django-ninja: 400 "Cannot parse request body")
        setattr(request, inputs.CHECKED_BODY_ATTR, checked)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A console page given a number the database cannot hold answers 400, not 500 (the API: 422)."""
        from mallops.core.api import _is_out_of_range

        if _is_api(request) or not _is_out_of_range(exception):
            return None
        return HttpResponseBadRequest(CONSOLE_OUT_OF_RANGE, content_type="text/plain; charset=utf-8")

    def _check_console_form(self, request: HttpRequest) -> HttpResponse | None:
        if (_declared_length(request) or 0) > MAX_FORM_BODY_BYTES:
            # before Django streams the files to disk: any client reached here before the CSRF check
            return HttpResponse(CONSOLE_TOO_LARGE, status=413, content_type="text/plain; charset=utf-8")
        try:
            form = request.POST
        except RequestDataTooBig:
            return None  # Django answers 400 itself
        for key, values in form.lists():
            for text in (key, *values):
                if inputs.text_problem(text) is not None:
                    return HttpResponseBadRequest(CONSOLE_BAD_TEXT, content_type="text/plain; charset=utf-8")
        normalised = form.copy()
        for key, values in form.lists():
            normalised.setlist(key, [inputs.normalise_text(v) for v in values])
        normalised._mutable = False
        request.POST = normalised  # type: ignore[assignment]
        return None
