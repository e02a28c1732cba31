"""Small request readers the console's pages share: the merchant member's store and a day from the query."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.dateparse import parse_date

from mallops.accounts.selectors import user_merchant


def query_day(text: str) -> date | None:
    """``YYYY-MM-DD`` or nothing (an empty or malformed value is no bound, never an error page)."""
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def merchant_store_id(request: HttpRequest, permission: str) -> int:
    """The signed-in merchant member's store (403 without ``permission`` or without a store)."""
    user: Any = request.user
    member = user_merchant(user) if user.has_perm(permission) else None
    if member is None:
        raise PermissionDenied(permission)
    return int(member.merchant_id)
