"""Helpers for the service tests (buyers, agents, Shanghai instants)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from mallops.accounts.actors import actor_of
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


def make_procedure(
    owner: User | None = None,
    *,
    code: str = "returns",
    categories: tuple[str, ...] = ("return",),
    steps: tuple[tuple[str, bool], ...] = (("核实订单", True), ("上传凭证", False), ("提交退货", True)),
    **extra: Any,
) -> Any:
    """A published procedure (version 1) owned by ``owner`` (a new CS supervisor by default)."""
    from mallops.service.procedures import procedure_create

    owner = owner or make_staff("cs_supervisor")
    return procedure_create(
        actor=actor_of(owner),
        code=code,
        name=f"{code} 流程",
        categories=list(categories),
        owner_id=owner.pk,
        steps=[{"title": t, "is_required": r} for t, r in steps],
        publish=True,
        **extra,
    )


def train(agent: User, procedure: Any, *, score: int = 90, version: int | None = None) -> Any:
    """Record a training of ``agent`` on the procedure's current (or the given) version."""
    from mallops.service.training import training_record

    return training_record(
        actor=actor_of(procedure.owner),
        user_id=agent.pk,
        procedure_code=procedure.code,
        version_number=version,
        score=score,
    )
