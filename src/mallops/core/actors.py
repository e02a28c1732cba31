"""Who acts: one frozen ``Actor`` built once at the edge and passed to services (issue 16, ADR 0006).

The edge (an API operation, a console view, a CLI command, a task) knows the signed-in user and the
request; services should know neither the ``User`` row nor the ``HttpRequest``. ``Actor`` carries what a
service needs to authorise and to audit: the user's id, kind and roles, the store they act for, the
request id and the client address. ``mallops.accounts.actors`` builds it (``actor_of``,
``request_actor``); core cannot read accounts' rows. ``SYSTEM`` is the actor of timers and sweeps.

An ``Actor`` also answers the few attributes code written for a ``User`` reads (``pk``, ``kind``,
``is_authenticated``, ``is_active``), so an app can move to it one service at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    BUYER = "buyer"
    STAFF = "staff"
    MERCHANT = "merchant"
    SYSTEM = "system"  # timers, sweeps, provider notifications
    ANONYMOUS = "anonymous"  # nobody signed in: services refuse with 401


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user (or the system) acting through one request.

    ``roles``: the role codes the user holds now (staff grants, or the store member's role);
    ``merchant_id``: the store a merchant member acts for (None otherwise); ``merchant_suspended``: that
    store is suspended (permissions narrow, ``accounts.selectors.user_permissions``); ``token_scopes``:
    the API token's scopes (None for a console session); ``request_id``/``ip``: for the audit event.
    """

    user_id: int | None
    kind: ActorKind
    username: str = ""
    roles: frozenset[str] = frozenset()
    merchant_id: int | None = None
    merchant_suspended: bool = False
    token_scopes: tuple[str, ...] | None = None
    request_id: str = ""
    ip: str | None = None

    @property
    def pk(self) -> int | None:
        return self.user_id

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_active(self) -> bool:
        """Actors are built for active users only (an inactive user cannot sign in)."""
        return self.user_id is not None

    @property
    def is_buyer(self) -> bool:
        return self.kind == ActorKind.BUYER

    def has_perm(self, permission: str, obj: object = None) -> bool:
        """Django's permission check over the actor (the accounts app's backend reads its roles)."""
        from django.contrib.auth import get_backends
        from django.core.exceptions import PermissionDenied

        if not self.is_active:
            return False
        for backend in get_backends():
            try:
                # the accounts backend reads roles from an Actor (``accounts.selectors.user_permissions``)
                if hasattr(backend, "has_perm") and backend.has_perm(self, permission, obj):  # type: ignore[arg-type]
                    return True
            except PermissionDenied:
                return False
        return False


SYSTEM = Actor(user_id=None, kind=ActorKind.SYSTEM)
ANONYMOUS = Actor(user_id=None, kind=ActorKind.ANONYMOUS)
