"""Test helpers of the service app (used by the tenancy walk and the service tests)."""

from __future__ import annotations

import itertools
from typing import Any

from mallops.accounts.models import Merchant, User
from mallops.accounts.roles import Kind
from mallops.service.models import Ticket

_seq = itertools.count(1)


def make_buyer(username: str | None = None) -> User:
    user = User(username=username or f"svc_buyer{next(_seq)}", kind=Kind.BUYER, display_name="李小红")
    user.set_unusable_password()
    user.save()
    return user


def make_ticket(merchant: Merchant | None = None, *, category: str = "product", **extra: Any) -> Ticket:
    """A product ticket about ``merchant``'s store, filed by a new buyer through the normal intake."""
    from mallops.accounts.actors import actor_of
    from mallops.service.services import ticket_create

    return ticket_create(
        actor=actor_of(make_buyer()),
        subject="商品咨询",
        description="请问这款商品有现货吗",
        channel="app",
        category=category,
        merchant_id=None if merchant is None else merchant.pk,
        **extra,
    )
