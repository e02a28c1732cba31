"""API authentication: bearer tokens, or the console session (with CSRF) for the console's own calls.

A request that carries an ``Authorization`` header chose header authentication: when the header is not a
usable bearer token (garbage, unknown, expired, revoked, the user disabled, another scheme) the answer is
401 ``unauthenticated`` with ``WWW-Authenticate`` on every method, and the session cookie is not tried.
Trying it would run django-ninja's CSRF check for writes and answer 403 "CSRF check Failed", which tells
a client with a stale token the wrong thing (issue 13, finding 5).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from mallops.accounts.services import token_authenticate, token_user_id
from mallops.core.logging import current_user


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if header is None:
            return None  # no header credentials: the session may authenticate
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError()
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is None:
            raise AuthenticationError()
        request.user = user
        current_user.set(user.username)
        return user


class SessionAuth(APIKeyCookie):
    """The console's session cookie; CSRF is checked by django-ninja for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            current_user.set(user.username)
            return user
        return None


api_auth = [TokenAuth(), SessionAuth()]


def idempotency_principal(request: HttpRequest) -> int | None:
    """The user id an idempotency key is scoped to, found before the view runs (core.idempotency).

    The same rule as ``api_auth``: an ``Authorization`` header decides alone (a usable bearer token, else
    no principal); without one, the console session's user.
    """
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        return token_user_id(token.strip()) if scheme.lower() == "bearer" else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return int(user.pk)
    return None
