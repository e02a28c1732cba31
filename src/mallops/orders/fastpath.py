"""A lean WSGI handler for the one request a flash sale's opening second is made of.

``FlashFastPath(app)`` wraps the Django WSGI application and answers
``POST /api/v1/flash-sales/{id}/attempts`` itself, with the same contract as the API view (bearer token,
Idempotency-Key, 202 with an ``attempt_id``, problem+json refusals with the same codes), but without the
full middleware stack: the token is checked with one SQL statement and remembered for
``TOKEN_CACHE_SECONDS`` per process. With Redis the idempotency record lives in Redis next to the sale's
counters and the decision is the same Lua script (``flash.services._attempt_redis``); without Redis the
database path runs behind the core idempotency middleware (the same records and replays as the API).
Everything else goes to Django unchanged.

Trade-offs: a revoked token keeps working on this one endpoint for up to ``TOKEN_CACHE_SECONDS``; the
idempotency records of attempts are kept in Redis for ``IDEMPOTENCY_TTL_HOURS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from mallops.core.errors import DomainError, FieldError
from mallops.core.problems import PROBLEM_CONTENT_TYPE, problem_body

log = logging.getLogger("mallops.orders.fastpath")

PATH = re.compile(r"^/api/v1/flash-sales/(\d+)/attempts/?$")
TOKEN_CACHE_SECONDS = 30.0
SALE_CACHE_SECONDS = 1.0
MAX_BODY = 4096

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _Buyer:
    """Just enough of a user for the flash services (``pk``, ``kind``, authenticated)."""

    is_authenticated = True
    is_active = True

    def __init__(self, pk: int, kind: str, username: str = "") -> None:
        self.pk = pk
        self.kind = kind
        self.username = username


class FlashFastPath:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._tokens: dict[str, tuple[float, _Buyer | None]] = {}
        self._sales: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:

        match = PATH.match(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "POST" or match is None:
            return self.app(environ, start_response)
        status, headers, body = self.handle(environ, int(match.group(1)))
        start_response(status, headers)
        return [body]

    # ---------------------------------------------------------------- pieces

    def _buyer(self, authorization: str) -> _Buyer | None:
        if not authorization.startswith("Bearer "):
            return None
        digest = hashlib.sha256(authorization.encode()).hexdigest()
        now = time.monotonic()
        cached = self._tokens.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        buyer = _token_owner(authorization[len("Bearer ") :].strip())
        with self._lock:
            if len(self._tokens) > 200_000:
                self._tokens.clear()
            self._tokens[digest] = (now + TOKEN_CACHE_SECONDS, buyer)
        return buyer

    def _sale(self, sale_id: int) -> Any:
        now = time.monotonic()
        cached = self._sales.get(sale_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        from mallops.orders.flash.services import _sale

        sale = _sale(sale_id)
        with self._lock:
            self._sales[sale_id] = (now + SALE_CACHE_SECONDS, sale)
        return sale

    def _handle_db(
        self, environ: dict[str, Any], sale_id: int, buyer: _Buyer
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        response = _db_attempt(environ, self._sale, sale_id, buyer)
        return f"{response.status_code} {response.reason_phrase}", list(response.items()), response.content

    def handle(self, environ: dict[str, Any], sale_id: int) -> tuple[str, list[tuple[str, str]], bytes]:
        from django.db import close_old_connections

        close_old_connections()
        try:
            return self._handle(environ, sale_id)
        except DomainError as exc:
            return _problem(exc, environ)
        finally:
            close_old_connections()

    def _handle(self, environ: dict[str, Any], sale_id: int) -> tuple[str, list[tuple[str, str]], bytes]:
        from mallops.orders.flash import redis_path
        from mallops.orders.flash.services import _attempt_redis, _check_open

        authorization = environ.get("HTTP_AUTHORIZATION", "")
        buyer = self._buyer(authorization)
        if buyer is None:
            raise DomainError(
                detail="Missing, invalid or expired credentials.",
                code="unauthenticated",
                status=401,
                title="Authentication required",
                headers={"WWW-Authenticate": 'Bearer realm="mallops"'},
            )
        if buyer.kind != "buyer":
            raise DomainError(
                detail="Only buyer accounts can do this.", code="buyer_only", status=403, title="Forbidden"
            )
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
        if not key:
            raise DomainError(
                detail="This operation moves money or stock; send an Idempotency-Key header.",
                code="idempotency_key_required",
                status=428,
                title="Idempotency key required",
            )
        if len(key) > 200:
            raise DomainError(
                detail="Idempotency-Key is too long.", code="idempotency_key_invalid", status=400
            )
        from mallops.orders import conf

        if not conf.redis_url():
            return self._handle_db(environ, sale_id, buyer)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(min(length, MAX_BODY)) if length else b""
        fingerprint = hashlib.sha256(f"POST\0{environ.get('PATH_INFO', '')}\0".encode() + raw).hexdigest()
        scope = "tok:" + hashlib.sha256(authorization.encode()).hexdigest()[:40]
        idem_key = f"flash:{{{sale_id}}}:idem:{scope}:{key}"
        client = redis_path.client()
        ttl = int(settings.MALLOPS["IDEMPOTENCY_TTL_HOURS"]) * 3600
        if not client.set(idem_key, json.dumps({"fp": fingerprint}), nx=True, ex=ttl):
            return _replay(client.get(idem_key), fingerprint, environ)
        try:
            qty = _qty(raw)
            sale = _check_open(self._sale(sale_id), qty, _now())
            result = _attempt_redis(sale, buyer.pk, qty)
            body = json.dumps(result.__dict__).encode()
            answer = ("202 Accepted", [("Content-Type", "application/json")], body)
        except DomainError as exc:
            answer = _problem(exc, environ)
        code = int(answer[0].split(" ", 1)[0])
        client.set(
            idem_key,
            json.dumps(
                {"fp": fingerprint, "status": code, "type": answer[1][0][1], "body": answer[2].decode()}
            ),
            ex=ttl,
        )
        return answer


_TOKEN_SQL = (
    "SELECT t.digest, t.expires_at, t.revoked_at, u.id, u.kind, u.is_active, u.username "
    "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id WHERE t.prefix = %s"
)


def _db_attempt(environ: dict[str, Any], sale: Callable[[int], Any], sale_id: int, buyer: _Buyer) -> Any:
    """The database path behind the core idempotency middleware (same records, same replays)."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpRequest, HttpResponse

    from mallops.core.idempotency import IdempotencyMiddleware
    from mallops.core.problems import from_domain_error
    from mallops.orders.flash.services import _attempt_db, _check_open

    def respond(request: HttpRequest) -> HttpResponse:
        try:
            qty = _qty(request.body)
            result = _attempt_db(_check_open(sale(sale_id), qty, _now()), buyer, qty, _now())
        except DomainError as exc:
            return from_domain_error(request, exc)
        return HttpResponse(json.dumps(result.__dict__), status=202, content_type="application/json")

    return IdempotencyMiddleware(respond)(WSGIRequest(environ))


def _token_owner(raw: str) -> _Buyer | None:
    """The same checks as ``accounts.services.token_authenticate`` (digest, expiry, revocation, active user)
    in one SQL statement; ``last_used_at`` is left to the regular API."""
    import hmac

    from django.db import connection

    from mallops.accounts.services import TOKEN_PREFIX

    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    digest, expires_at, revoked_at, user_id, kind, is_active, username = row
    if not hmac.compare_digest(digest, hashlib.sha256(raw.encode()).hexdigest()):
        return None
    if isinstance(expires_at, str):
        expires_at = datetime.fromisoformat(expires_at)
    if expires_at.tzinfo is None:  # SQLite hands raw timestamps back naive (stored in UTC)
        expires_at = expires_at.replace(tzinfo=UTC)
    if revoked_at is not None or not is_active or expires_at <= _now():
        return None
    return _Buyer(int(user_id), str(kind), str(username))


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _qty(raw: bytes) -> int:
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise DomainError(detail="The body is not JSON.", code="bad_request", status=400) from exc
    qty = data.get("qty", 1) if isinstance(data, dict) else None
    if not isinstance(qty, int) or isinstance(qty, bool):
        from mallops.core.errors import validation_error

        raise validation_error([FieldError(("body", "qty"), "Must be an integer.", "int_type")])
    return qty


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    428: "Precondition Required",
}


def _problem(exc: DomainError, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    body = problem_body(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        extra=exc.extra,
    )
    body["instance"] = environ.get("PATH_INFO", "")
    headers = [("Content-Type", PROBLEM_CONTENT_TYPE), *exc.headers.items()]
    return (
        f"{exc.status} {_REASONS.get(exc.status, 'Error')}",
        headers,
        json.dumps(body, ensure_ascii=False).encode(),
    )


def _replay(
    stored: Any, fingerprint: str, environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], bytes]:
    record = json.loads(stored) if stored else {}
    if record.get("fp") != fingerprint:
        return _problem(
            DomainError(
                detail="This Idempotency-Key was used for a different request.",
                code="idempotency_key_reused",
                status=409,
                title="Conflict",
            ),
            environ,
        )
    if "status" not in record:
        return _problem(
            DomainError(
                detail="A request with this key is still being processed; retry shortly.",
                code="idempotency_request_in_progress",
                status=409,
                title="Conflict",
                headers={"Retry-After": "1"},
            ),
            environ,
        )
    status = int(record["status"])
    headers = [("Content-Type", record["type"]), ("Idempotent-Replayed", "true")]
    return f"{status} {_REASONS.get(status, 'Accepted')}", headers, record["body"].encode()


def build() -> FlashFastPath:
    """The Django WSGI application behind the flash fast path: ``gunicorn 'mallops.orders.fastpath:build()'``.

    To serve it by default, ``mallops.wsgi`` would export ``FlashFastPath(get_wsgi_application())``.
    """
    from mallops.wsgi import application as django_application

    return FlashFastPath(django_application)
