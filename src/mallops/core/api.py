"""The one NinjaAPI instance under /api/v1 and its problem+json error handlers.

Feature apps add routers in ``mallops.urls`` (the list ``ROUTERS``); an app's ``api.py`` parses,
authorises, calls one service and serialises; business rules live in services.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

import mallops
from mallops.core import inputs
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError
from mallops.core.problems import from_domain_error, problem_response

log = logging.getLogger("mallops.api")


class Utf8Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


def _loc(raw: Any) -> tuple[str | int, ...]:
    return tuple(part if isinstance(part, int) else str(part) for part in raw)


def _is_out_of_range(exc: BaseException) -> bool:
    """An integer from the request that the database cannot hold (SQLite and PostgreSQL say it differently)."""
    from django.db import DataError, IntegrityError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OverflowError):
            return True
        if isinstance(seen, DataError) and "out of range" in str(seen):
            return True
        if isinstance(seen, IntegrityError) and "datatype mismatch" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Mallops API",
        version=mallops.__version__,
        description=(
            "Operations platform for multi-merchant marketplaces. Errors are RFC 9457 problem+json with a "
            "stable `code`; list endpoints page with `limit`/`offset` (docs/api.md)."
        ),
        urls_namespace="api-v1",
        renderer=Utf8Renderer(),
        parser=inputs.InputParser(),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )

    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return from_domain_error(request, exc)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = []
        for err in exc.errors:
            loc = _loc(err.get("loc", ()))
            errors.append(
                FieldError(loc=loc, msg=str(err.get("msg", "invalid")), code=str(err.get("type", "invalid")))
            )
        return problem_response(request, status=422, detail="The request is invalid.", errors=errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(
            request,
            status=401,
            detail="Missing, invalid or expired credentials.",
            headers={"WWW-Authenticate": 'Bearer realm="mallops"'},
        )

    @api.exception_handler(AuthorizationError)
    def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return problem_response(request, status=403, detail=str(exc.message or "Forbidden"))

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem_response(request, status=exc.status_code, detail=str(exc.message))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(request, status=404, detail="Not found.")

    @api.exception_handler(MultiPartParserError)
    def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return from_domain_error(request, inputs.invalid_multipart())

    @api.exception_handler(TooManyFieldsSent)
    def _too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
        return from_domain_error(request, inputs.invalid_multipart("The form has too many fields."))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return from_domain_error(request, inputs.payload_too_large(inputs.MAX_JSON_BODY_BYTES))

    @api.exception_handler(Exception)
    def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
        if _is_out_of_range(exc):
            return problem_response(
                request,
                status=422,
                code=CoreCode.VALUE_OUT_OF_RANGE,
                detail="A number in the request is outside the range the API accepts (64-bit integers).",
            )
        log.exception("unhandled API error")
        return problem_response(
            request,
            status=500,
            detail="An unexpected error occurred; it has been logged with the request id.",
        )

    return api
