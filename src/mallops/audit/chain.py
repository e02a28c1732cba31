"""Canonical serialisation and hashing of audit events (pure; shared by append and verify)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
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
    digest = hashlib.sha256()
    digest.update(canonical(fields))
    digest.update(prev_hash.encode())
    return digest.hexdigest()
