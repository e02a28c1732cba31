"""Scorecard reads: a team's card (team values and each member's), a person's card, the last periods for
the chart, incentive runs. Every read checks ``access`` first (403 ``scorecard_forbidden``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from mallops.core.actors import Actor
from mallops.core.errors import DomainError, not_found
from mallops.scorecards import access
from mallops.scorecards.engine import Period, PeriodKind, last_periods, period_at
from mallops.scorecards.errors import ScorecardsCode
from mallops.scorecards.kpis import KpiLine, Member, Values, card_lines, role_values, rules_for
from mallops.scorecards.models import IncentiveResult, IncentiveRun

HISTORY_PERIODS = 6


def forbidden() -> DomainError:
    return DomainError(
        detail=gettext_noop("you may not see this scorecard"),
        code=ScorecardsCode.SCORECARD_FORBIDDEN,
        status=403,
        title="Forbidden",
    )


def current_period(kind: str = PeriodKind.WEEK, now: datetime | None = None) -> Period:
    return period_at(kind, now or timezone.now())


@dataclass(frozen=True)
class MemberCard:
    member: Member
    lines: list[KpiLine]


@dataclass(frozen=True)
class TeamCard:
    role: str
    period: Period
    lines: list[KpiLine]
    members: list[MemberCard]


@dataclass(frozen=True)
class PersonCard:
    role: str
    period: Period
    member: Member
    lines: list[KpiLine]
    history: list[tuple[Period, Values]]


def team_scorecard(*, actor: Actor, role: str, period: Period) -> TeamCard:
    if not access.can_view_team(actor, role):
        raise forbidden()
    rules = rules_for(role)
    values = role_values(role=role, period=period)
    return TeamCard(
        role=role,
        period=period,
        lines=card_lines(role, values.team, team=True, rules=rules),
        members=[
            MemberCard(m, card_lines(role, values.people.get(m.person_id, {}), team=False, rules=rules))
            for m in values.members
        ],
    )


def team_history(*, actor: Actor, role: str, period: Period) -> list[tuple[Period, Values]]:
    """The team's values of the last ``HISTORY_PERIODS`` periods ending with ``period``, oldest first."""
    if not access.can_view_team(actor, role):
        raise forbidden()
    return [(p, role_values(role=role, period=p).team) for p in last_periods(period, HISTORY_PERIODS)]


def person_scorecard(*, actor: Actor, role: str, person_id: int, period: Period) -> PersonCard:
    if not access.can_view_person(actor, role, person_id):
        raise forbidden()
    rules = rules_for(role)
    history: list[tuple[Period, Values]] = []
    member: Member | None = None
    lines: list[KpiLine] = []
    for p in last_periods(period, HISTORY_PERIODS):
        values = role_values(role=role, period=p)
        found = next((m for m in values.members if m.person_id == person_id), None)
        if found is None:
            raise not_found("member of this team")
        member = found
        person = values.people.get(person_id, {})
        history.append((p, person))
        if p == period:
            lines = card_lines(role, person, team=False, rules=rules)
    assert member is not None
    return PersonCard(role=role, period=period, member=member, lines=lines, history=history)


def runs(*, actor: Actor) -> QuerySet[IncentiveRun]:
    if not access.can_manage(actor):
        raise forbidden()
    return IncentiveRun.objects.select_related("created_by", "approved_by", "locked_by")


def run_get(*, actor: Actor, run_id: int) -> IncentiveRun:
    run = runs(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise not_found("incentive run")
    return run


def run_results(run: IncentiveRun) -> QuerySet[IncentiveResult]:
    return run.results.select_related("person")


def my_results(*, actor: Actor) -> QuerySet[IncentiveResult]:
    """The actor's own results of approved or locked runs."""
    return (
        IncentiveResult.objects.filter(person_id=actor.user_id, run__status__in=["approved", "locked"])
        .select_related("run")
        .order_by("-run__period_start")
    )
