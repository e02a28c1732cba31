"""Audit MAC keys from the project's key ring (``mallops keys ...``, ``privacy.keys``).

The active key-ring key chains new events; every event stores the id of the key it was chained with, so
after ``mallops keys generate`` old events still verify under their own key. Such a key must stay in the
ring as long as its events exist (``mallops keys retire`` refuses it).
"""

from __future__ import annotations

import threading

from mallops.audit.chain import derive_audit_key
from mallops.privacy import keys as keyring

_lock = threading.Lock()
_derived: dict[tuple[str, bytes], bytes] = {}


def _derive(kid: str, secret: bytes) -> bytes:
    with _lock:
        found = _derived.get((kid, secret))
        if found is None:
            found = _derived[(kid, secret)] = derive_audit_key(secret)
        return found


def active_audit_key() -> tuple[str, bytes]:
    """(key id, audit key) of the key ring's active key."""
    key = keyring.get_keyring().active
    return key.kid, _derive(key.kid, key.secret)


def audit_key(kid: str) -> bytes | None:
    """The audit key for ``kid``; reloads the key ring once for a kid it has not seen, else None."""
    key = keyring.get_keyring().get(kid)
    if key is None:
        keyring.reset_keyring()
        key = keyring.get_keyring().get(kid)
    return _derive(kid, key.secret) if key is not None else None
