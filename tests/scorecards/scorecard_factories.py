"""Rows the scorecards count, built directly so that every figure can be worked out by hand."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from mallops.accounts.models import User
from mallops.ops.models import Incident
from mallops.scorecards.engine import SHANGHAI
from mallops.service.models import SlaPolicy, Target, Ticket, TicketRating, TicketSla
from mallops.tasks.models import Kind, Status, WorkTask
from mallops.testing.factories import make_staff

_seq = itertools.count(1)
WEEK_DAY = date(2026, 3, 4)  # the week 2026-03-02 .. 03-08 (2026-W10)


def sh(*parts: int) -> datetime:
    """A Beijing wall-clock instant."""
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def buyer() -> User:
    user = User(username=f"scbuyer{next(_seq)}", kind="buyer", display_name="王五")
    user.set_unusable_password()
    user.save()
    return user


def _policy() -> SlaPolicy:
    policy, _ = SlaPolicy.objects.get_or_create(
        code="sc-first",
        defaults={"label": "first response", "target": Target.FIRST_RESPONSE, "basis": "calendar_hours"},
    )
    return policy


def ticket(
    agent: User | None,
    *,
    created: datetime,
    first_met: datetime | None = None,
    first_breached: datetime | None = None,
    resolved: datetime | None = None,
    rated: tuple[datetime, str] | None = None,
    superseded: bool = False,
) -> Ticket:
    row = Ticket.objects.unscoped(reason="test rows").create(
        number=f"SC{next(_seq):06d}",
        channel="chat",
        category="service",
        subject="问题",
        description="请处理",
        buyer=buyer(),
        assignee=agent,
        created_at=created,
        resolved_at=resolved,
    )
    if first_met or first_breached:
        TicketSla.objects.create(
            ticket=row,
            policy=_policy(),
            target=Target.FIRST_RESPONSE,
            started_at=created,
            due_at=created + timedelta(minutes=15),
            met_at=first_met,
            breached_at=first_breached,
            superseded=superseded,
        )
    if rated:
        at, score = rated
        value = int(Decimal(score))
        TicketRating.objects.create(
            ticket=row,
            speed=value,
            efficiency=value,
            quality=value,
            attitude=value,
            score=Decimal(score),
            rated_at=at,
        )
    return row


def task(
    team: str,
    assignee: User | None,
    *,
    due: datetime | None,
    closed: datetime | None = None,
    status: str = Status.DONE,
    kind: str = Kind.OTHER,
) -> WorkTask:
    created = (due or closed or sh(2026, 3, 1, 9, 0)) - timedelta(days=1)
    return WorkTask.objects.create(
        team=team,
        kind=kind,
        status=status if closed or status != Status.DONE else Status.OPEN,
        title="任务",
        assignee=assignee,
        created_at=created,
        updated_at=created,
        due_at=due,
        closed_at=closed,
    )


def incident(severity: str, *, detected: datetime, resolved: datetime | None) -> Incident:
    return Incident.objects.create(
        kind="system_failure",
        severity=severity,
        status="resolved" if resolved else "open",
        title="故障",
        detected_at=detected,
        resolved_at=resolved,
    )


def staff(role: str, username: str, **extra: Any) -> User:
    return make_staff(role, username=username)
