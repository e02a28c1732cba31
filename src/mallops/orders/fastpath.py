"""A lean WSGI handler for the one request a flash sale's opening second is made of.

``FlashFastPath(app)`` wraps the Django WSGI application (``mallops.wsgi.application`` is this, so it
is what ``mallops serve`` serves) and answers ``POST /api/v1/flash-sales/{id}/attempts`` itself, with
the same contract as the API view (bearer token, Idempotency-Key with replay and
``idempotency_key_reused``, 202 with an ``attempt_id``, problem+json refusals with the same codes), but
without the middleware stack. Everything else goes to Django unchanged.

Redis path: the token comes from the Redis token cache (``flash.tokens``: no SQL, revocation
immediate), then ONE Lua call checks the idempotency record, the per-buyer limit and the stock,
decrements, queues and stores the acceptance's record.

Database path: one SQL statement reads the token and the key's idempotency record together; a sale
seen sold out in this process answers ``sold_out`` for ``SOLD_OUT_SECONDS`` without writing anything
(unpaid orders give units back, hence the short time); otherwise one short transaction inserts the
record, runs the conditional UPDATEs and writes the order.

Refusals (sold out, over the limit, ended ...) store no idempotency record on either path: running a
refused attempt again changes nothing, so a retry is simply decided again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError

from mallops.accounts.tokens import aware, token_prefix, token_usable
from mallops.core import idempotency
from mallops.core.actors import Actor, ActorKind
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError, conflict
from mallops.core.problems import PROBLEM_CONTENT_TYPE, problem_body
from mallops.orders import conf
from mallops.orders.errors import OrdersCode
from mallops.orders.flash.tokens import Buyer

log = logging.getLogger("mallops.orders.fastpath")

PATH = re.compile(r"^/api/v1/flash-sales/(\d+)/attempts/?$")
SALE_CACHE_SECONDS = 1.0
SOLD_OUT_SECONDS = 0.5
MAX_BODY = 4096

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes]


class FlashFastPath:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._sales: dict[int, tuple[float, Any]] = {}
        self._sold_out: dict[int, float] = {}  # sale id -> monotonic time until which it is sold out
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = PATH.match(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "POST" or match is None:
            return self.app(environ, start_response)
        status, headers, body = self.handle(environ, int(match.group(1)))
        start_response(status, headers)
        return [body]

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

    def handle(self, environ: dict[str, Any], sale_id: int) -> Answer:
        try:
            return self._handle(environ, sale_id)
        except DomainError as exc:
            return _problem(exc, environ)
        finally:
            _tidy_connections()  # after every attempt, so the next one starts with usable connections

    def _handle(self, environ: dict[str, Any], sale_id: int) -> Answer:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if not authorization.startswith("Bearer "):
            raise _unauthenticated()
        raw_token = authorization[len("Bearer ") :].strip()
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
        if len(key) > idempotency.MAX_KEY_LENGTH:
            raise idempotency.key_invalid()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(min(length, MAX_BODY)) if length else b""
        full_path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            full_path += "?" + environ["QUERY_STRING"]
        fingerprint = idempotency.request_fingerprint("POST", full_path, raw)
        scope = "tok:" + hashlib.sha256(authorization.encode()).hexdigest()[:40]
        if conf.redis_url():
            return self._handle_redis(environ, sale_id, raw_token, key, raw, fingerprint, scope)
        return self._handle_db(environ, sale_id, raw_token, key, raw, fingerprint, scope)

    def _handle_redis(
        self,
        environ: dict[str, Any],
        sale_id: int,
        raw_token: str,
        key: str,
        raw: bytes,
        fingerprint: str,
        scope: str,
    ) -> Answer:
        redis_path, tokens, flash = _redis_modules()
        prefix = token_prefix(raw_token)
        if prefix is None:
            raise _unauthenticated()
        if not key:
            _require_buyer(tokens.owner(raw_token, _token_row))
            raise _key_required()
        scoped = f"{scope}:{key}"
        try:
            qty = _qty(raw)
            sale = flash._check_open(self._sale(sale_id), qty, _now())
        except DomainError:
            # an accepted attempt replays even after the sale ended
            _require_buyer(tokens.owner(raw_token, _token_row))
            stored = redis_path.client().get(redis_path.idempotency_key(sale_id, scoped))
            if stored is None:
                raise
            return _replay(stored, fingerprint, environ)
        attempt_id = uuid.uuid4().hex
        body = json.dumps(flash.AttemptResult(attempt_id, "queued", path="redis").__dict__)
        record = json.dumps({"fp": fingerprint, "status": 202, "type": "application/json", "body": body})
        idempotency = (scoped, record, int(settings.MALLOPS["IDEMPOTENCY_TTL_HOURS"]) * 3600)
        # the buyer comes from the token cache inside the same script: one round trip in all
        token = (
            tokens.sale_key(sale_id, prefix),
            hashlib.sha256(raw_token.encode()).hexdigest(),
            int(time.time()),
        )
        try:
            try:
                flash._attempt_redis(
                    sale, None, qty, attempt_id=attempt_id, idempotency=idempotency, token=token
                )
            except flash.TokenRefused as refused:
                if refused.code == redis_path.BAD_TOKEN:
                    raise _unauthenticated() from None
                if refused.code == redis_path.NOT_BUYER:
                    raise _buyer_only() from None
                # the sale has no copy yet (or it expired): the token cache or the database, then again
                buyer = _require_buyer(tokens.owner(raw_token, _token_row, sale_id=sale_id))
                flash._attempt_redis(sale, buyer.pk, qty, attempt_id=attempt_id, idempotency=idempotency)
        except flash.IdempotencyRecorded as done:
            return _replay(done.record, fingerprint, environ)
        return "202 Accepted", [("Content-Type", "application/json")], body.encode()

    def _handle_db(
        self,
        environ: dict[str, Any],
        sale_id: int,
        raw_token: str,
        key: str,
        raw: bytes,
        fingerprint: str,
        scope: str,
    ) -> Answer:
        from mallops.audit.services import audited
        from mallops.core.models import IdempotencyRecord
        from mallops.orders.flash.services import _check_open, attempt_db_in_transaction

        row = _token_and_record(raw_token, scope, key)
        buyer = _require_buyer(_usable(row[:5], raw_token) if row else None)
        if not key:
            raise _key_required()
        assert row is not None
        if row[5] is not None:  # the key was used before: replay, in progress or reused
            stored = {"fp": row[5], "status": row[6], "type": (row[8] or {}).get("Content-Type", "")}
            return _replay(json.dumps({**stored, "body": row[7]}), fingerprint, environ)
        if self._sold_out.get(sale_id, 0.0) > time.monotonic():
            raise conflict("Sold out.", code=OrdersCode.SOLD_OUT)
        qty = _qty(raw)
        sale = _check_open(self._sale(sale_id), qty, _now())
        try:
            # audited: the order's event is chained after the sale's hot row, right before the commit
            with audited():
                record = IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    method="POST",
                    path=environ.get("PATH_INFO", ""),
                    expires_due_at=_now() + timedelta(hours=settings.MALLOPS["IDEMPOTENCY_TTL_HOURS"]),
                )
                result = attempt_db_in_transaction(
                    sale, Actor(user_id=buyer.pk, kind=ActorKind.BUYER), qty, _now()
                )
                body = json.dumps(result.__dict__)
                record.response_status = 202
                record.response_body = body
                record.response_headers = {"Content-Type": "application/json"}
                record.save(update_fields=["response_status", "response_body", "response_headers"])
        except IntegrityError:
            # the same key at the same time: the other request holds (or held) the record
            again = _token_and_record(raw_token, scope, key)
            if again is None or again[5] is None:
                raise
            stored = {"fp": again[5], "status": again[6], "type": "application/json", "body": again[7]}
            return _replay(json.dumps(stored), fingerprint, environ)
        except DomainError as exc:
            if exc.code == "sold_out":
                self._sold_out[sale_id] = time.monotonic() + SOLD_OUT_SECONDS
            raise
        return "202 Accepted", [("Content-Type", "application/json")], body.encode()


@functools.cache
def _redis_modules() -> tuple[Any, Any, Any]:
    """The Redis path's modules, imported once (they need the app registry, so not at import time)."""
    from mallops.orders.flash import redis_path, tokens
    from mallops.orders.flash import services as flash

    return redis_path, tokens, flash


def _tidy_connections() -> None:
    """Django's ``close_old_connections`` (drop broken or too old connections), except that a database
    configured to close after every request (SQLite, ``CONN_MAX_AGE = 0``) keeps its connection here:
    opening one costs about 1.5 ms of PRAGMAs, ten times the attempt itself. Broken ones still go."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:  # inside a transaction someone else opened (a test's): not ours to close
            continue
        if conn.settings_dict.get("CONN_MAX_AGE") == 0:
            conn.close_at = None
        conn.close_if_unusable_or_obsolete()


def _unauthenticated() -> DomainError:
    return DomainError(
        detail="Missing, invalid or expired credentials.",
        code=CoreCode.UNAUTHENTICATED,
        status=401,
        title="Authentication required",
        headers={"WWW-Authenticate": 'Bearer realm="mallops"'},
    )


def _key_required() -> DomainError:
    return idempotency.key_required()


def _require_buyer(buyer: Buyer | None) -> Buyer:
    if buyer is None:
        raise _unauthenticated()
    if buyer.kind != "buyer":
        raise _buyer_only()
    return buyer


def _buyer_only() -> DomainError:
    return DomainError(
        detail="Only buyer accounts can do this.", code=CoreCode.BUYER_ONLY, status=403, title="Forbidden"
    )


_TOKEN_SQL = (
    "SELECT t.digest, t.expires_at, t.revoked_at, u.id, u.kind, u.is_active "
    "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id WHERE t.prefix = %s"
)
# the token and the key's idempotency record in one statement (database path)
_TOKEN_RECORD_SQL = (
    "SELECT t.digest, t.expires_at, t.revoked_at, u.id, u.kind, u.is_active, "
    "r.fingerprint, r.response_status, r.response_body, r.response_headers "
    "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id "
    "LEFT JOIN core_idempotencyrecord r ON r.scope = %s AND r.key = %s WHERE t.prefix = %s"
)


def _token_and_record(raw: str, scope: str, key: str) -> tuple[Any, ...] | None:
    """(digest, expires, revoked, user id, kind, is_active, fp, status, body, headers) or None."""
    from django.db import connection

    prefix = token_prefix(raw)
    if prefix is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_RECORD_SQL, [scope, key, prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    headers = row[9]
    if isinstance(headers, str):  # SQLite hands JSON back as text
        headers = json.loads(headers)
    return _shape(row, headers)


def _shape(row: tuple[Any, ...], headers: Any) -> tuple[Any, ...]:
    digest, expires_at, revoked_at, user_id, kind, is_active, fp, status, body, _ = row
    usable = (digest, expires_at, revoked_at, user_id, kind if is_active else None)
    return (*usable, fp, status, body, headers)


def _usable(row: tuple[Any, ...], raw: str) -> Buyer | None:
    """The main stack's checks (``accounts.tokens.token_usable``: digest, expiry, revocation, active
    user) on the fast path's own row; ``last_used_at`` is left to the regular API. A deactivated user's
    kind comes in as None."""
    digest, expires_at, revoked_at, user_id, kind = row
    usable = token_usable(
        raw=raw,
        digest=digest,
        expires_at=expires_at,
        revoked_at=revoked_at,
        user_is_active=kind is not None,
        now=_now(),
    )
    return Buyer(int(user_id), str(kind)) if usable else None


def _token_row(raw: str) -> tuple[str, int, str, float] | None:
    """For the Redis token cache on a miss: (digest, user id, kind, expires epoch) of a usable token."""
    from django.db import connection

    prefix = token_prefix(raw)
    if prefix is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    digest, expires_at, revoked_at, user_id, kind, is_active = row
    buyer = _usable((digest, expires_at, revoked_at, user_id, kind if is_active else None), raw)
    if buyer is None:
        return None
    return str(digest), buyer.pk, buyer.kind, aware(expires_at).timestamp()


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _qty(raw: bytes) -> int:
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise DomainError(detail="The body is not JSON.", code=CoreCode.BAD_REQUEST, status=400) from exc
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


_PROBLEMS: dict[tuple[Any, ...], Answer] = {}


def _problem(exc: DomainError, environ: dict[str, Any]) -> Answer:
    """The problem+json answer; the plain ones (sold out, over the limit: most of a rush) are rendered
    once per sale path and reused."""
    plain = not (exc.errors or exc.extra or exc.headers)
    cache_key = (exc.status, exc.code, exc.title, exc.detail, environ.get("PATH_INFO", ""))
    if plain and cache_key in _PROBLEMS:
        return _PROBLEMS[cache_key]
    answer = _render_problem(exc, environ)
    if plain:
        if len(_PROBLEMS) > 1000:
            _PROBLEMS.clear()
        _PROBLEMS[cache_key] = answer
    return answer


def _render_problem(exc: DomainError, environ: dict[str, Any]) -> Answer:
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
        return _problem(idempotency.key_reused(), environ)
    if record.get("status") is None:
        return _problem(idempotency.request_in_progress(), environ)
    status = int(record["status"])
    headers = [("Content-Type", record["type"]), ("Idempotent-Replayed", "true")]
    return f"{status} {_REASONS.get(status, 'Accepted')}", headers, record["body"].encode()
