"""API authentication: bearer tokens, or the console session (with CSRF) for the console's own calls."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from mallops.accounts.services import token_authenticate
from mallops.core.logging import current_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
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
