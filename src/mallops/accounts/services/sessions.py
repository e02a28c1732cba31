"""Signing in: throttling failed sign-ins (locks per account and per address) and API tokens.

Each public function is one transaction and writes an audit event for every state change."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.errors import AccountsCode
from mallops.accounts.models import ApiToken, LoginFailure, LoginLock, User
from mallops.accounts.services.common import PHONE_RE, TOKEN_PREFIX, _policy, require_permission
from mallops.accounts.tokens import aware, token_digest, token_prefix, token_usable
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, not_found
from mallops.privacy.keys import blind_index

# ---------------------------------------------------------------- sign-in throttling
#
# Failures count per account, whichever alias was typed (username in any case, mobile number): the
# counter and the lock are keyed ``user:<the account's username, lower-case>``. An alias that names no
# account counts under itself (``user:<alias>``), so the answer and the work done are the same whether or
# not the account exists. Every address also has its own counter (``ip:<addr>``).


def _resolve_account(alias: str) -> User | None:
    """The account an alias signs in to: a mainland mobile number (blind index) or the exact username
    (as Django's ``authenticate`` matches it)."""
    alias = alias.strip()
    if not alias:
        return None
    # one query whether or not the account exists, and whichever alias matches (same work either way)
    match = Q(username=alias)
    if PHONE_RE.match(alias):
        match |= Q(phone_index=blind_index(alias, namespace="phone"))
    found = list(User.objects.filter(match)[:2])
    by_phone = [user for user in found if user.username != alias]
    preferred = by_phone or found
    return preferred[0] if preferred else None


def _counter_name(alias: str, account: User | None) -> str:
    """``user:<name>`` counts for: the account's username, else the alias (both lower-case, so an alias
    differing from a username only by case counts against that account too)."""
    return (account.username if account is not None else alias).strip().lower()


def _lock_key_user(name: str) -> str:
    return f"user:{name}"


def login_lock_check(*, username: str, ip: str | None, now: datetime | None = None) -> None:
    """Raise 429 (with Retry-After) while the account (any alias) or the address is locked."""
    _raise_if_locked(_counter_name(username, _resolve_account(username)), ip, now or timezone.now())


def _raise_if_locked(name: str, ip: str | None, now: datetime) -> None:
    keys = [_lock_key_user(name)] + ([f"ip:{ip}"] if ip else [])
    lock = LoginLock.objects.filter(key__in=keys, locked_until__gt=now).order_by("-locked_until").first()
    if lock is not None:
        retry = max(1, int((lock.locked_until - now).total_seconds()) + 1)
        raise DomainError(
            detail="Too many failed sign-ins; try again later.",
            code=AccountsCode.LOGIN_LOCKED,
            status=429,
            title="Too many requests",
            headers={"Retry-After": str(retry)},
            extra={"retry_after": retry},
        )


@transaction.atomic
def login_failure_record(*, username: str, ip: str | None, now: datetime | None = None) -> None:
    """Count a failed sign-in against the account the alias names (else the alias) and the address."""
    now = now or timezone.now()
    policy = _policy()
    window = timedelta(minutes=policy["WINDOW_MINUTES"])
    lock_for = timedelta(minutes=policy["LOCK_MINUTES"])
    name = _counter_name(username, _resolve_account(username))
    LoginFailure.objects.create(username=name, ip=ip, at=now, expires_due_at=now + window + lock_for)
    checks = [(_lock_key_user(name), LoginFailure.objects.filter(username=name), policy["USER_LIMIT"])]
    if ip:
        checks.append((f"ip:{ip}", LoginFailure.objects.filter(ip=ip), policy["IP_LIMIT"]))
    for key, failures, limit in checks:
        count = failures.filter(at__gt=now - window).count()
        if count >= limit:
            LoginLock.objects.update_or_create(
                key=key, defaults={"locked_until": now + lock_for, "failures": count}
            )
            audit_record(
                actor=None,
                action="accounts.login_locked",
                object_type="login",
                object_id=key,
                after={"failures": count, "locked_minutes": policy["LOCK_MINUTES"]},
            )


def login_success_record(*, username: str) -> None:
    LoginFailure.objects.filter(username=_counter_name(username, _resolve_account(username))).delete()


@transaction.atomic
def login_unlock(*, actor: Actor, username: str) -> int:
    """Lift the lock of the account ``username`` names (any alias), or of that alias when it names none."""
    require_permission(actor, "staff.unlock")
    name = _counter_name(username, _resolve_account(username))
    removed, _ = LoginLock.objects.filter(key=_lock_key_user(name)).delete()
    LoginFailure.objects.filter(username=name).delete()
    audit_record(
        actor=actor, action="accounts.login_unlocked", object_type="login", object_id=_lock_key_user(name)
    )
    return removed


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    record: ApiToken


@transaction.atomic
def token_issue(
    *,
    username: str,
    password: str,
    ip: str | None = None,
    scopes: list[str] | None = None,
    request: Any = None,
) -> IssuedToken:
    """Check the lock, the credentials, then issue a token. Failures answer 401 alike for any cause.

    ``username`` is any alias of the account (username, mobile number); the lock and the failure counter
    belong to the account, not to the alias typed.
    """
    account = _resolve_account(username)
    _raise_if_locked(_counter_name(username, account), ip, timezone.now())
    # an unknown alias is still run through ``authenticate`` (Django hashes once for a missing user), so
    # both cases cost one password hash
    user = authenticate(
        request=None, username=account.username if account else username.strip(), password=password
    )
    if user is None or not user.is_active:
        raise _InvalidCredentials(username=username, ip=ip)
    login_success_record(username=username)
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    ttl = timedelta(hours=settings.MALLOPS["TOKEN_TTL_HOURS"])
    record = ApiToken.objects.create(
        user=user,
        prefix=prefix,
        digest=token_digest(raw),
        scopes=scopes or ["*"],
        expires_at=timezone.now() + ttl,
    )
    audit_record(
        actor=actor_of(user, request=request),
        action="accounts.token_issued",
        obj=record,
        after={"prefix": prefix},
    )
    return IssuedToken(token=raw, expires_at=record.expires_at, record=record)


class _InvalidCredentials(DomainError):
    def __init__(self, *, username: str, ip: str | None) -> None:
        super().__init__(
            detail="Invalid username or password.",
            code="invalid_credentials",
            status=401,
            title="Unauthorized",
        )
        self.username = username
        self.ip = ip


def token_issue_or_record_failure(**kwargs: Any) -> IssuedToken:
    """``token_issue``, and on bad credentials record the failure in its own transaction."""
    try:
        return token_issue(**kwargs)
    except _InvalidCredentials as exc:
        login_failure_record(username=exc.username, ip=exc.ip)
        raise


# The token and its user in one fixed statement: the hottest read of the API (every bearer request), where
# compiling the equivalent ORM query cost more than running it (docs/performance.md).
_TOKEN_USER_SQL = (
    "SELECT u.*, t.id AS token_pk, t.digest AS token_digest, t.expires_at AS token_expires_at, "
    "t.revoked_at AS token_revoked_at, t.last_used_at AS token_last_used_at, t.scopes AS token_scopes "
    f"FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.prefix = %s"
)


_TOKEN_COLUMNS: tuple[str, ...] = ("token_pk", "token_digest", "token_expires_at", "token_revoked_at")
_TOKEN_COLUMNS += ("token_last_used_at", "token_scopes")


@dataclass(frozen=True)
class _TokenUse:
    """A usable token's row: its id, its user (a full ``User``), scopes and last use."""

    pk: int
    user: User
    scopes: list[str]
    last_used_at: datetime | None


def _usable_token(raw: str, now: datetime) -> _TokenUse | None:
    """The token row for ``raw`` when ``accounts.tokens.token_usable`` says so (genuine, unexpired,
    unrevoked, its user active)."""
    prefix = token_prefix(raw)
    if prefix is None:
        return None
    found = list(User.objects.raw(_TOKEN_USER_SQL, [prefix]))
    if not found:
        return None
    user: Any = found[0]
    if not token_usable(
        raw=raw,
        digest=user.token_digest,
        expires_at=user.token_expires_at,
        revoked_at=user.token_revoked_at,
        user_is_active=user.is_active,
        now=now,
    ):
        return None
    scopes = user.token_scopes
    if isinstance(scopes, (str, bytes)):  # SQLite (and a raw jsonb) hand JSON back as text
        scopes = json.loads(scopes)
    use = _TokenUse(
        pk=int(user.token_pk),
        user=user,
        scopes=list(scopes),
        last_used_at=aware(user.token_last_used_at) if user.token_last_used_at is not None else None,
    )
    for name in _TOKEN_COLUMNS:  # the User handed on carries only its own fields
        delattr(user, name)
    return use


def token_user_id(raw: str) -> int | None:
    """The user a usable token belongs to, without recording its use (idempotency scope look-up)."""
    record = _usable_token(raw, timezone.now())
    return int(record.user.pk) if record is not None else None


def token_authenticate(raw: str) -> User | None:
    now = timezone.now()
    record = _usable_token(raw, now)
    if record is None:
        return None
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    user = record.user
    user._token_scopes = list(record.scopes)  # type: ignore[attr-defined]
    user._token_id = record.pk  # type: ignore[attr-defined]
    return user


@transaction.atomic
def token_revoke(*, actor: Actor, token_id: int) -> None:
    record = ApiToken.objects.select_for_update().filter(pk=token_id, user_id=actor.user_id or 0).first()
    if record is None:
        raise not_found("token")
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="accounts.token_revoked", obj=record)
