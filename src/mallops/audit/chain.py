"""Canonical serialisation and hashing of audit events (pure; shared by append and verify).

Two link functions, chosen per event by its ``key_id``:

- keyed (every event since the switch-over, ``AuditChainHead.keyed_from_seq``): HMAC-SHA256 under the
  audit key derived from the key ring's key ``key_id``, over a version tag, the key id, the canonical JSON
  and ``prev_hash``. Without the key nobody can recompute a rewritten chain.
- legacy (``key_id == ""``, events written before the switch-over): SHA-256 over the canonical JSON and
  ``prev_hash``; verify accepts it only below the switch-over seq.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
KEYED_VERSION = b"mallops-audit-v2"
AUDIT_KEY_INFO = b"mallops audit chain key v1"
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "merchant_id",
    "before",
    "after",
    "request_id",
    "ip",
)


def _normalise(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def canonical(fields: dict[str, Any]) -> bytes:
    payload = {name: _normalise(fields.get(name)) for name in HASHED_FIELDS}
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """The legacy (unkeyed) link: SHA-256 of the canonical JSON and ``prev_hash``."""
    digest = hashlib.sha256()
    digest.update(canonical(fields))
    digest.update(prev_hash.encode())
    return digest.hexdigest()


def derive_audit_key(secret: bytes) -> bytes:
    """The audit MAC key for one key-ring key: never the encryption key itself (one key, one purpose)."""
    return hmac.new(secret, AUDIT_KEY_INFO, hashlib.sha256).digest()


def keyed_event_hash(fields: dict[str, Any], prev_hash: str, *, key_id: str, key: bytes) -> str:
    """The keyed link: HMAC-SHA256(audit key; version, key id, canonical JSON, ``prev_hash``)."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    mac.update(KEYED_VERSION + b"\0" + key_id.encode() + b"\0")
    mac.update(canonical(fields))
    mac.update(b"\0" + prev_hash.encode())
    return mac.hexdigest()
