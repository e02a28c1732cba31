"""Idempotency keys for POSTs that move money or stock.

A client sends ``Idempotency-Key``; the first request with a key stores its fingerprint (method, path,
body) and its response. A replay with the same fingerprint gets the stored response back (header
``Idempotent-Replayed: true``); the same key with a different request gets 409 ``idempotency_key_reused``.
Keys are scoped to the caller (token or session user) and kept ``IDEMPOTENCY_TTL_HOURS``.

Endpoints that move money or stock declare ``require_idempotency_key(request)`` so a missing key is a 428.
The storing happens in ``IdempotencyMiddleware`` for every POST under /api/ that carries a key; the
request runs inside one transaction with the key row, so a crash stores nothing and a concurrent duplicate
waits on the unique index and then replays.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from mallops.core.errors import DomainError
from mallops.core.models import IdempotencyRecord
from mallops.core.problems import problem_response

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REPLAYED_HEADERS = ("Content-Type", "Location")


def require_idempotency_key(request: HttpRequest) -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise DomainError(
            detail=f"This operation moves money or stock; send an {HEADER} header.",
            code="idempotency_key_required",
            status=428,
            title="Idempotency key required",
        )
    return key


def _scope(request: HttpRequest) -> str:
    auth = request.headers.get("Authorization", "")
    if auth:
        return "tok:" + hashlib.sha256(auth.encode()).hexdigest()[:40]
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if session_key:
        return "ses:" + hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return "anon"


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.response_body, status=record.response_status)
    for name, value in (record.response_headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _mismatch(request: HttpRequest) -> HttpResponse:
    return problem_response(
        request,
        status=409,
        code="idempotency_key_reused",
        detail=f"This {HEADER} was used for a different request.",
    )


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return problem_response(
                request,
                status=400,
                code="idempotency_key_invalid",
                detail=f"{HEADER} must be at most {MAX_KEY_LENGTH} characters.",
            )
        scope = _scope(request)
        print_ = fingerprint(request)
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is not None:
            return self._answer_existing(request, existing, print_)
        ttl = timedelta(hours=settings.MALLOPS["IDEMPOTENCY_TTL_HOURS"])
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    fingerprint=print_,
                    method=request.method,
                    path=request.path,
                    expires_due_at=timezone.now() + ttl,
                )
                response = self.get_response(request)
                if response.status_code >= 500:
                    # A crash is not an answer: roll back so a retry runs again.
                    transaction.set_rollback(True)
                    return response
                record.response_status = response.status_code
                record.response_body = response.content.decode("utf-8", errors="replace")
                record.response_headers = {
                    name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)
                }
                record.save(update_fields=["response_status", "response_body", "response_headers"])
                return response
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is None:
                raise
            return self._answer_existing(request, existing, print_)

    def _answer_existing(self, request: HttpRequest, record: IdempotencyRecord, print_: str) -> HttpResponse:
        if record.fingerprint != print_:
            return _mismatch(request)
        if record.response_status is None:
            return problem_response(
                request,
                status=409,
                code="idempotency_request_in_progress",
                detail="A request with this key is still being processed; retry shortly.",
                headers={"Retry-After": "1"},
            )
        return _replay(record)


def body_json(request: HttpRequest) -> object:
    return json.loads(request.body or b"null")
