"""Token-bucket rate limit of ``POST /api/v1/events`` per API key or client address.

``settings.MALLOPS["EVENTS_RATE_LIMIT"]``: ``RATE`` (requests refilled per second, 0 turns the limit off),
``BURST`` (bucket size) and ``KEYS`` (``{api_key: {"RATE": r, "BURST": b}}``). A request whose
``X-Api-Key`` header names a configured key draws on that key's bucket; every other request draws on its
client address's bucket (``REMOTE_ADDR``), so inventing keys does not escape the limit.

With ``REDIS_URL`` set the buckets live in Redis (one Lua script per request, Redis's clock: shared by
every web worker on every host); otherwise in a small SQLite file next to the event store
(``ratelimit.sqlite``: shared by the web workers of this host). Either costs one round trip and is taken
before the body is read, so a limited client costs almost nothing.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.http import HttpRequest

from mallops.analytics.errors import AnalyticsCode
from mallops.core.errors import DomainError

DEFAULTS: Final = {"RATE": 50.0, "BURST": 200}
_clock = time.time  # the local buckets' clock (tests move it)
_PREFIX: Final = "mallops:events-rate:"

_REDIS_SCRIPT: Final = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


@dataclass(frozen=True)
class Limit:
    bucket: str
    rate: float
    burst: int


def _config() -> dict[str, Any]:
    mallops: dict[str, Any] = getattr(settings, "MALLOPS", {}) or {}
    return {**DEFAULTS, **(mallops.get("EVENTS_RATE_LIMIT") or {})}


def limit_for(request: HttpRequest) -> Limit | None:
    """The bucket this request draws on, or None when the limit is off."""
    config = _config()
    key = request.headers.get("X-Api-Key", "")
    keys: dict[str, dict[str, Any]] = config.get("KEYS") or {}
    if key and key in keys:
        own = {**config, **keys[key]}
        bucket = "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
        rate, burst = float(own["RATE"]), int(own["BURST"])
    else:
        bucket = "ip:" + (request.META.get("REMOTE_ADDR") or "unknown")
        rate, burst = float(config["RATE"]), int(config["BURST"])
    if rate <= 0:
        return None
    return Limit(bucket, rate, max(1, burst))


# --- Redis ---------------------------------------------------------------------------------------------

_redis_lock = threading.Lock()
_redis_scripts: dict[str, Any] = {}  # REDIS_URL -> the registered script (its client pools connections)


def _redis_wait(url: str, limit: Limit) -> float:
    with _redis_lock:
        script = _redis_scripts.get(url)
        if script is None:
            import redis

            script = redis.Redis.from_url(url).register_script(_REDIS_SCRIPT)
            _redis_scripts[url] = script
    return float(script(keys=[_PREFIX + limit.bucket], args=[limit.rate, limit.burst]))


# --- local SQLite --------------------------------------------------------------------------------------

_local = threading.local()
_SQLITE_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS bucket (name TEXT PRIMARY KEY, tokens REAL NOT NULL, at REAL NOT NULL) "
    "WITHOUT ROWID"
)


def _sqlite(path: Path) -> sqlite3.Connection:
    connections: dict[Path, sqlite3.Connection] = getattr(_local, "connections", None) or {}
    _local.connections = connections
    connection = connections.get(path)
    if connection is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")  # a lost bucket after a crash refills: harmless
        connection.execute(_SQLITE_SCHEMA)
        connections[path] = connection
    return connection


def _sqlite_wait(path: Path, limit: Limit) -> float:
    db = _sqlite(path)
    now = _clock()
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute("SELECT tokens, at FROM bucket WHERE name = ?", (limit.bucket,)).fetchone()
        tokens = float(limit.burst) if row is None else float(row[0])
        at = now if row is None else float(row[1])
        tokens = min(float(limit.burst), tokens + max(0.0, now - at) * limit.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / limit.rate
        db.execute(
            "INSERT INTO bucket (name, tokens, at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
            (limit.bucket, tokens, now),
        )
        if row is None:  # a new bucket: forget the ones that have been full for a while
            db.execute("DELETE FROM bucket WHERE at < ?", (now - 3600,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return wait


def reset_local() -> None:
    """Close this thread's SQLite connections (tests switch directories)."""
    connections: dict[Path, sqlite3.Connection] = getattr(_local, "connections", None) or {}
    for connection in connections.values():
        connection.close()
    _local.connections = {}


def check_events_rate(request: HttpRequest) -> None:
    """Take a token for this request or raise 429 ``events_rate_limited`` with ``Retry-After``."""
    limit = limit_for(request)
    if limit is None:
        return
    url = str(getattr(settings, "REDIS_URL", "") or "")
    if url:
        wait = _redis_wait(url, limit)
    else:
        from mallops.analytics.storage import store_dir

        wait = _sqlite_wait(store_dir() / "ratelimit.sqlite", limit)
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise DomainError(
            detail=f"Too many event batches from this client; retry after {retry} s.",
            code=AnalyticsCode.EVENTS_RATE_LIMITED,
            status=429,
            title="Too many requests",
            headers={"Retry-After": str(retry)},
            extra={"retry_after": retry},
        )
