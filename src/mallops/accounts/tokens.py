"""The bearer-token checks, pure Python (no Django): one owner for what makes a token usable.

``accounts.services`` (the main stack's ``TokenAuth``) and the flash-sale fast path (``orders.fastpath``)
read a token's row in their own statement and decide with ``token_usable``: the raw token has the
``mlp_`` shape, its SHA-256 digest matches the stored one (constant-time), it is not revoked, not expired
and its user is active. Nothing else decides it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

TOKEN_PREFIX = "mlp_"


def token_prefix(raw: str) -> str | None:
    """The look-up prefix of a raw token (``mlp_<prefix>_<secret>``), None when it is not one of ours."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    return raw[len(TOKEN_PREFIX) :].split("_", 1)[0]


def token_digest(raw: str) -> str:
    """What is stored for a token: the hex SHA-256 of the raw string."""
    return hashlib.sha256(raw.encode()).hexdigest()


def aware(value: datetime | str) -> datetime:
    """A timestamp as the databases hand it back in raw SQL (PostgreSQL: aware; SQLite: naive UTC or
    ISO text) made an aware UTC ``datetime``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def token_usable(
    *,
    raw: str,
    digest: str,
    expires_at: datetime | str,
    revoked_at: datetime | str | None,
    user_is_active: bool,
    now: datetime,
) -> bool:
    """True when the stored row (``digest``, ``expires_at``, ``revoked_at``, its user's ``is_active``)
    makes ``raw`` a usable token at ``now``."""
    if not user_is_active or revoked_at is not None:
        return False
    if not hmac.compare_digest(digest, token_digest(raw)):
        return False
    return aware(expires_at) > now
