"""Helpers for the service tests (buyers, agents, Shanghai instants)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.service.models import AgentProfile
from mallops.testing.factories import PASSWORD, make_staff
from mallops.workdays.engine import SHANGHAI

_seq = itertools.count(1)


def sh(*parts: int) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def make_buyer(username: str | None = None) -> User:
    user = User(
        username=username or f"svcbuyer{next(_seq)}",
        kind=Kind.BUYER,
        display_name="李小红",
        phone="13912345678",
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_agent(
    *skills: str, role: str = "cs_agent", merchant: Any = None, user: User | None = None, **extra: Any
) -> User:
    agent = user or make_staff(role)
    AgentProfile.objects.create(user=agent, skills=list(skills), merchant=merchant, **extra)
    return agent
