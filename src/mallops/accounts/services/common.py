"""What every part of the identity services shares: the permission check, the token prefix and the
validation of usernames, passwords, mobile numbers and licence numbers."""

from __future__ import annotations

import re
import warnings

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError

from mallops.accounts import uscc
from mallops.accounts.models import Merchant, User
from mallops.accounts.selectors import user_permissions
from mallops.accounts.tokens import TOKEN_PREFIX as TOKEN_PREFIX  # re-exported by the facade
from mallops.core.actors import Actor
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError, permission_denied

USCC_MESSAGE = "not a valid unified social credit code (18 characters, check character per GB 32100)"
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)  # not \d: it matches non-ASCII digits too


def _policy() -> dict[str, int]:
    policy: dict[str, int] = settings.MALLOPS["LOGIN_POLICY"]
    return policy


# ---------------------------------------------------------------- permission checks


def require_permission(actor: Actor, permission: str) -> None:
    """Raise 403 naming ``permission`` unless the actor's roles (and token scopes) grant it; 401 for
    nobody signed in (``ANONYMOUS``, an inactive user). The edge builds the ``Actor``
    (``accounts.actors.request_actor`` / ``actor_of``); a ``User`` here is a caller to fix (see
    ``_legacy_actor``), not a 403."""
    if not isinstance(actor, Actor):
        actor = _legacy_actor(actor)
    if not actor.is_authenticated:
        raise DomainError(
            detail="Authentication required.", code=CoreCode.UNAUTHENTICATED, status=401, title="Unauthorized"
        )
    if permission not in user_permissions(actor):
        raise permission_denied(permission)
    scopes = actor.token_scopes
    if scopes is not None and "*" not in scopes and permission not in scopes:
        raise permission_denied(permission)


def _legacy_actor(user: object) -> Actor:
    """The ``Actor`` of a caller that still passes a ``User`` (or ``request.user``) where the type says
    ``Actor``: a view or test whose variable is typed ``Any``, which mypy cannot catch. It is authorised as
    before (``actor_of`` reads the same roles, store and token scopes) and reported with an
    ``UntypedActorWarning`` naming the caller, so a test run lists every one left (issue 16)."""
    from mallops.accounts.actors import UntypedActorWarning, actor_of

    warnings.warn(
        f"an Actor is expected, got {type(user).__name__}: build it at the edge (accounts.actors)",
        UntypedActorWarning,
        stacklevel=3,
    )
    return actor_of(user)


def require_any_permission(actor: Actor, permissions: tuple[str, ...]) -> None:
    """:func:`require_permission` for the first of ``permissions`` the actor's roles grant (a duty two roles
    share, e.g. buyer tags: 用户运营 and 商品运营); 401/403 as for the first when none is granted."""
    if not isinstance(actor, Actor):
        actor = _legacy_actor(actor)
    held = user_permissions(actor) if actor.is_authenticated else frozenset()
    require_permission(actor, next((p for p in permissions if p in held), permissions[0]))


# ---------------------------------------------------------------- validation helpers


def _check_password(password: str, loc: tuple[str, ...], user: User | None = None) -> list[FieldError]:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        return [FieldError(loc=loc, msg=" ".join(str(m) for m in exc.messages), code="weak_password")]
    return []


def _check_username(username: str, loc: tuple[str, ...]) -> list[FieldError]:
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{3,150}", username or ""):
        return [FieldError(loc=loc, msg="3-150 letters, digits or _.@+-", code="invalid_username")]
    if User.objects.filter(username__iexact=username).exists():
        return [FieldError(loc=loc, msg="already taken", code="duplicate")]
    return []


def _check_phone(phone: str, loc: tuple[str, ...]) -> list[FieldError]:
    if not PHONE_RE.match(phone or ""):
        return [FieldError(loc=loc, msg="must be an 11-digit mainland mobile number", code="invalid_phone")]
    return []


def _check_licence_number(
    licence_number: str, loc: tuple[str, ...], *, merchant_id: int | None = None
) -> list[FieldError]:
    """A valid 统一社会信用代码 (GB 32100-2015, ``accounts.uscc``) that no other merchant holds."""
    if not uscc.is_valid(licence_number):
        return [FieldError(loc, USCC_MESSAGE, "invalid_uscc")]
    holders = Merchant.objects.filter(licence_number=licence_number)
    if merchant_id is not None:
        holders = holders.exclude(pk=merchant_id)
    if holders.exists():
        return [FieldError(loc, "already registered", "duplicate")]
    return []
