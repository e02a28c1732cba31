"""Idempotency keys for POSTs that move money or stock.

A client sends ``Idempotency-Key``; the first request with a key stores its fingerprint (method, path,
body) and its response. A replay with the same fingerprint gets the stored response back (header
``Idempotent-Replayed: true``); the same key with a different request gets 409 ``idempotency_key_reused``.
Keys are kept ``IDEMPOTENCY_TTL_HOURS``.

Scope (issue 13, finding 4): per principal for an authenticated caller (``usr:<user id>``, the same for
every token and the console session of one user, resolved by the function the accounts app registers with
``set_principal_resolver``), per client for anonymous callers (``anon:`` + a hash of the address, the
User-Agent and any unusable ``Authorization`` header), so one anonymous client's key never refuses another.

Never stored: responses that carry a secret. An endpoint declares itself with ``never_store(view_name)``
(token issuance: a retry with the same key issues a fresh token), and any response marked
``Cache-Control: no-store`` is not stored either. The key row is removed in the request's transaction, so
no raw token ever reaches the idempotency table.

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

from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError
from mallops.core.models import IdempotencyRecord
from mallops.core.problems import from_domain_error
from mallops.core.transactions import business_transaction

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REPLAYED_HEADERS = ("Content-Type", "Location")


# ---------------------------------------------------------------- what a key binds and its refusals
#
# Shared by this middleware and the flash-sale fast path (``orders.fastpath``), which answers its one
# request without Django's stack: the same fingerprint, the same four refusals (codes, statuses, texts).


def request_fingerprint(method: str, full_path: str, body: bytes) -> str:
    """What a key is bound to: SHA-256 over the method, the path with its query string and the body."""
    return hashlib.sha256(method.encode() + b"\0" + full_path.encode() + b"\0" + body).hexdigest()


def key_required() -> DomainError:
    """428: a write that moves money or stock was sent without a key."""
    return DomainError(
        detail=f"This operation moves money or stock; send an {HEADER} header.",
        code=CoreCode.IDEMPOTENCY_KEY_REQUIRED,
        status=428,
        title="Idempotency key required",
    )


def key_invalid() -> DomainError:
    """400: the key is longer than ``MAX_KEY_LENGTH``."""
    return DomainError(
        detail=f"{HEADER} must be at most {MAX_KEY_LENGTH} characters.",
        code=CoreCode.IDEMPOTENCY_KEY_INVALID,
        status=400,
        title="Bad request",
    )


def key_reused() -> DomainError:
    """409: the key was used before for a request with another fingerprint."""
    return DomainError(
        detail=f"This {HEADER} was used for a different request.",
        code=CoreCode.IDEMPOTENCY_KEY_REUSED,
        status=409,
        title="Conflict",
    )


def request_in_progress() -> DomainError:
    """409 with ``Retry-After``: the first request with this key has not answered yet."""
    return DomainError(
        detail="A request with this key is still being processed; retry shortly.",
        code=CoreCode.IDEMPOTENCY_REQUEST_IN_PROGRESS,
        status=409,
        title="Conflict",
        headers={"Retry-After": "1"},
    )


def require_idempotency_key(request: HttpRequest) -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise key_required()
    return key


PrincipalResolver = Callable[[HttpRequest], int | None]
_principal_resolver: list[PrincipalResolver] = []
_never_stored: set[str] = set()


def set_principal_resolver(resolver: PrincipalResolver) -> None:
    """Register how a request's principal (user id, or None) is found before the view runs."""
    _principal_resolver[:] = [resolver]


def never_store(view_name: str) -> None:
    """Declare an endpoint whose answers are never stored (they carry secrets), e.g. ``api-v1:x``."""
    _never_stored.add(view_name)


def _scope(request: HttpRequest) -> str:
    principal = _principal_resolver[0](request) if _principal_resolver else None
    if principal is not None:
        return f"usr:{principal}"
    client = "\0".join(
        (
            request.META.get("REMOTE_ADDR", ""),
            request.headers.get("User-Agent", ""),
            request.headers.get("Authorization", ""),
        )
    )
    return "anon:" + hashlib.sha256(client.encode()).hexdigest()[:40]


def _declared_secret(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in _never_stored


TEXT_TYPES = ("application/json", "application/problem+json", "text/")


def _is_text(response: HttpResponse) -> bool:
    """Only JSON and text answers are kept for replay: a binary body (an XLSX export) cannot be stored in
    the text column (PostgreSQL refuses NUL bytes) and a retry of such a read may simply run again."""
    if getattr(response, "streaming", False):
        return False
    if not response.get("Content-Type", "").startswith(TEXT_TYPES):
        return False
    content = response.content
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        not _declared_secret(request)
        and "no-store" not in response.get("Cache-Control", "")
        and _is_text(response)
    )


def _no_store(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Answers of declared secret-bearing endpoints are not cached anywhere (RFC 6749 section 5.1)."""
    if _declared_secret(request):
        response["Cache-Control"] = "no-store"
    return response


def fingerprint(request: HttpRequest) -> str:
    return request_fingerprint(request.method or "", request.get_full_path(), request.body)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.response_body, status=record.response_status)
    for name, value in (record.response_headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _mismatch(request: HttpRequest) -> HttpResponse:
    return from_domain_error(request, key_reused())


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return _no_store(request, self.get_response(request))
        if len(key) > MAX_KEY_LENGTH:
            return from_domain_error(request, key_invalid())
        scope = _scope(request)
        print_ = fingerprint(request)
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is not None:
            return self._answer_existing(request, existing, print_)
        ttl = timedelta(hours=settings.MALLOPS["IDEMPOTENCY_TTL_HOURS"])
        try:
            # an audited block when the audit app is installed: every event of the request is chained
            # when it ends, after every row the request locks (the lock-order rule, core.transactions)
            with business_transaction():
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
                if not _storable(request, response):
                    # a secret (an issued token) or a binary body never reaches this table; a retry runs again
                    record.delete()
                    return _no_store(request, response)
                record.response_status = response.status_code
                record.response_body = response.content.decode("utf-8")
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
            return from_domain_error(request, request_in_progress())
        return _replay(record)


def body_json(request: HttpRequest) -> object:
    return json.loads(request.body or b"null")
