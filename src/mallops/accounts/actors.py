"""Building the ``Actor`` (``mallops.core.actors``) at the edge, once per request, job or command.

``request_actor(request)`` in an API operation or a console view; ``actor_of(user)`` where there is no
request (CLI, tasks, tests). The roles, the store and its suspension are read here, once, so services
authorise from the ``Actor`` without querying accounts again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.accounts.selectors import merchant_is_suspended, user_merchant, user_merchant_id, user_role_codes
from mallops.core.actors import ANONYMOUS, SYSTEM, Actor, ActorKind
from mallops.core.logging import current_request_id


class UntypedActorWarning(DeprecationWarning):
    """A service got a ``User`` where its type says ``Actor`` (``services.common._legacy_actor``)."""


_KINDS = {Kind.BUYER: ActorKind.BUYER, Kind.STAFF: ActorKind.STAFF, Kind.MERCHANT: ActorKind.MERCHANT}


def actor_of(user: Any, *, request: HttpRequest | None = None) -> Actor:
    """The ``Actor`` of ``user`` (a ``User``, or an ``Actor`` returned as it is); ``ANONYMOUS`` for nobody
    or an inactive user. ``request`` gives the request id and the client address for the audit trail."""
    if isinstance(user, Actor):
        return user
    request_id = (getattr(request, "request_id", None) if request else None) or current_request_id.get() or ""
    ip = (request.META.get("REMOTE_ADDR") or None) if request is not None else None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Actor(user_id=None, kind=ANONYMOUS.kind, request_id=request_id, ip=ip)
    roles = user_role_codes(user)  # reads the store with the role (no query of its own for the store)
    scopes = getattr(user, "_token_scopes", None)
    return Actor(
        user_id=user.pk,
        kind=_KINDS.get(user.kind, ActorKind.ANONYMOUS),
        username=user.username,
        roles=roles,
        merchant_id=user_merchant_id(user),
        merchant_suspended=merchant_is_suspended(user),
        token_scopes=tuple(scopes) if scopes is not None else None,
        request_id=request_id,
        ip=ip,
    )


def request_actor(request: HttpRequest) -> Actor:
    """The actor of an API operation or a console view (the signed-in user of ``request``)."""
    return actor_of(getattr(request, "user", None), request=request)


def system_actor(request: HttpRequest) -> Actor:
    """The system acting on a request nobody signed in to (a payment provider's notification): ``SYSTEM``
    with the request id and the client address for the audit trail."""
    anonymous = actor_of(None, request=request)
    return replace(SYSTEM, request_id=anonymous.request_id, ip=anonymous.ip)


def user_row(actor: Actor) -> User:
    """The actor's ``User`` row as far as the actor knows it (id, username, kind), without a query: for a
    foreign key written from an ``Actor`` whose row is read again at once (the analytics order signal reads
    the buyer's username). Any other field is deferred and read on first use. A ``User`` is returned as is.
    """
    if not isinstance(actor, Actor):
        return actor
    row: User = User.from_db(
        None, ["id", "username", "kind"], [actor.user_id, actor.username, str(actor.kind)]
    )
    return row


def merchant_store_id(request: HttpRequest, permission: str) -> int:
    """The signed-in merchant member's store for a console page (403 without ``permission`` or a store)."""
    user: Any = request.user
    member = user_merchant(user) if user.has_perm(permission) else None
    if member is None:
        raise PermissionDenied(permission)
    return int(member.merchant_id)
