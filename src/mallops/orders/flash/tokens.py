"""Bearer tokens in Redis for the flash fast path, so a rush of new buyers costs no SQL per buyer.

``auth:tok:<prefix>`` holds ``digest|user id|kind|expires (epoch s)`` of a usable token, or ``-`` for a
token that must be refused. Written when a token is issued (``post_save``, after commit), overwritten
with ``-`` when it is revoked or deleted or its user is deactivated (after commit, so revocation is
immediate on the fast path), and filled on a miss from the database with ``SET NX`` (a fill never
overwrites a revocation written meanwhile). Entries live at most ``TTL_SECONDS`` and never past the
token's expiry. The writes run after commit and ``robust``: Redis being down never fails a sign-in or
a revocation (Django logs the error); a revocation that could not be written is then unseen by the
fast path for at most ``TTL_SECONDS``. Without ``REDIS_URL`` all of this is off and the fast path asks
the database.

The attempt script reads the token from the sale's own copy, ``flash:{S}:tok:<prefix>`` (in the sale's
hash slot, so one script call touches one slot of a Redis Cluster). Writes (issue, revocation) go to
``auth:tok:<prefix>`` and to the copies of every sale that is running or starts within ``TTL_SECONDS``
(older copies cannot outlive their TTL); a missing copy is filled from ``auth:tok:<prefix>`` or the
database with ``SET NX`` on the first attempt (``owner(..., sale_id=S)``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from mallops.orders import conf

TTL_SECONDS = 600  # also bounds how long a revocation that could not reach Redis goes unseen
REFUSED = "-"


class Buyer:
    """Just enough of a user for the flash services (``pk``, ``kind``, authenticated)."""

    is_authenticated = True
    is_active = True

    def __init__(self, pk: int, kind: str) -> None:
        self.pk = pk
        self.kind = kind


def key(prefix: str) -> str:
    return f"auth:tok:{prefix}"


def sale_key(sale_id: int, prefix: str) -> str:
    """The sale's copy of the token's entry, in the sale's hash slot (``redis_path``)."""
    return f"flash:{{{sale_id}}}:tok:{prefix}"


def _sale_ids() -> list[int]:
    """Sales whose copies a write must reach: not finalised, not ended, starting within the TTL."""
    from datetime import timedelta

    from django.utils import timezone

    from mallops.orders.models import FlashSale

    now = timezone.now()
    running = FlashSale.objects.unscoped(reason="token cache: copies of every running flash sale")
    return list(
        running.filter(finalized=False, ends_at__gt=now, starts_at__lte=now + timedelta(seconds=TTL_SECONDS))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _client() -> Any:
    from mallops.orders.flash import redis_path

    return redis_path.client()


def _value(digest: str, user_id: int, kind: str, expires: float) -> str:
    return f"{digest}|{user_id}|{kind}|{int(expires)}"


def store(tokens: Iterable[Any]) -> None:
    """Write usable tokens (``ApiToken`` rows with their user) to the cache; refused ones as ``-``."""
    if not conf.redis_url():
        return
    now = time.time()
    sales = _sale_ids()
    pipe = _client().pipeline(transaction=False)
    for token in tokens:
        expires = token.expires_at.timestamp()
        usable = token.revoked_at is None and token.user.is_active and expires > now
        if usable:
            value = _value(token.digest, token.user_id, token.user.kind, expires)
            ttl = max(1, min(TTL_SECONDS, int(expires - now)))
        else:
            value, ttl = REFUSED, TTL_SECONDS
        for name in (key(token.prefix), *(sale_key(s, token.prefix) for s in sales)):
            pipe.set(name, value, ex=ttl)
    pipe.execute()


def refuse(prefixes: Iterable[str]) -> None:
    if not conf.redis_url():
        return
    sales = _sale_ids()
    pipe = _client().pipeline(transaction=False)
    for prefix in prefixes:
        for name in (key(prefix), *(sale_key(s, prefix) for s in sales)):
            pipe.set(name, REFUSED, ex=TTL_SECONDS)
    pipe.execute()


def owner(raw: str, load: Any, *, sale_id: int | None = None) -> Buyer | None:
    """The buyer a raw token belongs to, or None; ``load(raw)`` reads the database on a miss and returns
    ``(digest, user id, kind, expires epoch)`` for a usable token or None. With ``sale_id`` the sale's
    copy is filled too (``SET NX``: never over a refusal written meanwhile)."""
    from mallops.accounts.services import TOKEN_PREFIX

    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    client = _client()
    cached = client.get(key(prefix))
    now = time.time()
    if cached is None:
        found = load(raw)
        if found is None:
            return None
        digest, user_id, kind, expires = found
        if expires > now:
            ttl = max(1, min(TTL_SECONDS, int(expires - now)))
            client.set(key(prefix), _value(digest, user_id, kind, expires), ex=ttl, nx=True)
        cached = _value(digest, user_id, kind, expires)
    if sale_id is not None:
        ttl = (
            TTL_SECONDS
            if cached == REFUSED
            else max(1, min(TTL_SECONDS, int(cached.split("|")[3]) - int(now)))
        )
        client.set(sale_key(sale_id, prefix), cached, ex=ttl, nx=True)
    if cached == REFUSED:
        return None
    digest, user_id, kind, expires = str(cached).split("|")
    if int(expires) <= now or not hmac.compare_digest(digest, hashlib.sha256(raw.encode()).hexdigest()):
        return None
    return Buyer(int(user_id), kind)


# ---------------------------------------------------------------- keeping it true (signal receivers)


def _on_token_saved(sender: Any, instance: Any, created: bool, **_: Any) -> None:
    """Issued, revoked or changed: the cache gets the token's state (``-`` once it is unusable)."""
    if conf.redis_url():
        transaction.on_commit(lambda: store([instance]), robust=True)


def _on_token_deleted(sender: Any, instance: Any, **_: Any) -> None:
    if conf.redis_url():
        prefix = instance.prefix
        transaction.on_commit(lambda: refuse([prefix]), robust=True)


def _on_user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if created or not conf.redis_url() or (fields is not None and not {"is_active", "kind"} & set(fields)):
        return
    from django.utils import timezone

    from mallops.accounts.models import ApiToken

    # a deactivated user's tokens are refused; an active user's are rewritten (their kind may have changed)
    tokens = list(ApiToken.objects.filter(user_id=instance.pk, expires_at__gt=timezone.now()))
    if not tokens:
        return
    for token in tokens:
        token.user = instance
    transaction.on_commit(lambda: store(tokens), robust=True)


def connect() -> None:
    """Called from ``OrdersConfig.ready``."""
    from django.db.models.signals import post_delete, post_save

    from mallops.accounts.models import ApiToken, User

    post_save.connect(_on_token_saved, sender=ApiToken, dispatch_uid="flash_tokens_saved")
    post_delete.connect(_on_token_deleted, sender=ApiToken, dispatch_uid="flash_tokens_deleted")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid="flash_tokens_user")
