"""Scorecards API (staff), under /api/v1/scorecards: the KPI catalogue, team and person scorecards,
incentive rules (managers edit), incentive runs (compute, approve by a second manager, lock)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.inputs import Id, Schema
from mallops.scorecards import access, selectors, services
from mallops.scorecards.catalogue import KPIS, ROLES
from mallops.scorecards.engine import Period, period_of
from mallops.scorecards.kpis import KpiLine, rules_for
from mallops.scorecards.models import IncentiveRun

router = Router(tags=["scorecards"], auth=api_auth)

RoleCode = Literal[
    "listing_reviewer", "cs_agent", "content_ops", "user_ops", "product_ops", "data_ops", "tech_ops"
]
PeriodKindCode = Literal["week", "month"]
assert set(RoleCode.__args__) == set(ROLES)  # type: ignore[attr-defined]


class ScorecardPeriodQuery(Schema):
    period: PeriodKindCode = "week"
    day: date | None = None  # any day of the period (Asia/Shanghai); default: today


class ScorecardBandIn(Schema):
    threshold: float = Field(ge=0, le=1e12)
    points: int = Field(ge=0, le=100_000)


class ScorecardRuleIn(Schema):
    target: float = Field(ge=0, le=1e12)
    bands: list[ScorecardBandIn] = Field(min_length=1, max_length=services.MAX_BANDS)


class IncentiveRunIn(Schema):
    role: RoleCode
    period_kind: PeriodKindCode = "month"
    day: date


class ScorecardBandOut(Schema):
    threshold: float
    points: int


class ScorecardKpiOut(Schema):
    code: str
    role: str
    unit: str
    better: str
    scope: str
    target: float
    bands: list[ScorecardBandOut]


class ScorecardLineOut(Schema):
    kpi: str
    unit: str
    value: float | None
    target: float
    target_met: bool | None
    band: int | None


class ScorecardMemberOut(Schema):
    person_id: int
    username: str
    lines: list[ScorecardLineOut]


class ScorecardTeamOut(Schema):
    role: str
    period: str
    start: date
    end: date
    lines: list[ScorecardLineOut]
    members: list[ScorecardMemberOut]


class ScorecardHistoryOut(Schema):
    period: str
    values: dict[str, float | None]


class ScorecardPersonOut(Schema):
    role: str
    period: str
    person_id: int
    username: str
    lines: list[ScorecardLineOut]
    history: list[ScorecardHistoryOut]


class IncentiveResultOut(Schema):
    person_id: int
    username: str
    points: int
    lines: list[dict[str, object]]


class IncentiveRunOut(Schema):
    id: int
    role: str
    period_kind: str
    period_start: date
    status: str
    created_by: str | None
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    locked_at: datetime | None
    results: list[IncentiveResultOut]


def _period(query: ScorecardPeriodQuery) -> Period:
    return period_of(query.period, query.day or timezone.localdate(timezone.now()))


def _lines(lines: list[KpiLine]) -> list[ScorecardLineOut]:
    return [
        ScorecardLineOut(
            kpi=line.kpi.code,
            unit=line.kpi.unit,
            value=line.value,
            target=line.target,
            target_met=line.target_met,
            band=line.band,
        )
        for line in lines
    ]


def _run_out(run: IncentiveRun) -> IncentiveRunOut:
    return IncentiveRunOut(
        id=run.pk,
        role=run.role,
        period_kind=run.period_kind,
        period_start=run.period_start,
        status=run.status,
        created_by=run.created_by.username if run.created_by else None,
        created_at=run.created_at,
        approved_by=run.approved_by.username if run.approved_by else None,
        approved_at=run.approved_at,
        locked_at=run.locked_at,
        results=[
            IncentiveResultOut(
                person_id=r.person_id, username=r.person.username, points=r.points, lines=r.lines
            )
            for r in selectors.run_results(run)
        ],
    )


@router.get("/scorecards/kpis", response=list[ScorecardKpiOut])
def kpi_catalogue(request: HttpRequest) -> list[ScorecardKpiOut]:
    if not access.roles_visible(request.user):
        raise selectors.forbidden()
    out = []
    for role in ROLES:
        rules = rules_for(role)
        for kpi in (k for k in KPIS if k.role == role):
            spec = rules[kpi.code]
            out.append(
                ScorecardKpiOut(
                    code=kpi.code,
                    role=role,
                    unit=kpi.unit,
                    better=kpi.better,
                    scope=kpi.scope,
                    target=spec.target,
                    bands=[ScorecardBandOut(threshold=b.threshold, points=b.points) for b in spec.bands],
                )
            )
    return out


@router.put("/scorecards/kpis/{kpi}", response=ScorecardKpiOut)
def kpi_rule_set(request: HttpRequest, kpi: str, payload: ScorecardRuleIn) -> ScorecardKpiOut:
    actor = request_actor(request)
    services.kpi_rule_set(
        actor=actor,
        kpi=kpi,
        target=payload.target,
        bands=[(b.threshold, b.points) for b in payload.bands],
    )
    definition = next(k for k in KPIS if k.code == kpi)
    spec = rules_for(definition.role)[kpi]
    return ScorecardKpiOut(
        code=kpi,
        role=definition.role,
        unit=definition.unit,
        better=definition.better,
        scope=definition.scope,
        target=spec.target,
        bands=[ScorecardBandOut(threshold=b.threshold, points=b.points) for b in spec.bands],
    )


@router.get("/scorecards/teams/{role}", response=ScorecardTeamOut)
def team_card(request: HttpRequest, role: RoleCode, query: Query[ScorecardPeriodQuery]) -> ScorecardTeamOut:
    actor = request_actor(request)
    card = selectors.team_scorecard(actor=actor, role=role, period=_period(query))
    return ScorecardTeamOut(
        role=role,
        period=card.period.key,
        start=card.period.start,
        end=card.period.end,
        lines=_lines(card.lines),
        members=[
            ScorecardMemberOut(
                person_id=m.member.person_id, username=m.member.username, lines=_lines(m.lines)
            )
            for m in card.members
        ],
    )


@router.get("/scorecards/teams/{role}/people/{person_id}", response=ScorecardPersonOut)
def person_card(
    request: HttpRequest, role: RoleCode, person_id: int, query: Query[ScorecardPeriodQuery]
) -> ScorecardPersonOut:
    actor = request_actor(request)
    card = selectors.person_scorecard(actor=actor, role=role, person_id=person_id, period=_period(query))
    return ScorecardPersonOut(
        role=role,
        period=card.period.key,
        person_id=person_id,
        username=card.member.username,
        lines=_lines(card.lines),
        history=[ScorecardHistoryOut(period=p.key, values=values) for p, values in card.history],
    )


@router.get("/scorecards/runs", response=list[IncentiveRunOut])
def run_list(request: HttpRequest) -> list[IncentiveRunOut]:
    actor = request_actor(request)
    return [_run_out(run) for run in selectors.runs(actor=actor)[:100]]


@router.post("/scorecards/runs", response={201: IncentiveRunOut})
def run_compute(request: HttpRequest, payload: IncentiveRunIn) -> tuple[int, IncentiveRunOut]:
    actor = request_actor(request)
    run = services.incentive_run_compute(
        actor=actor, role=payload.role, period_kind=payload.period_kind, day=payload.day
    )
    return 201, _run_out(selectors.run_get(actor=actor, run_id=run.pk))


@router.get("/scorecards/runs/{run_id}", response=IncentiveRunOut)
def run_detail(request: HttpRequest, run_id: Id) -> IncentiveRunOut:
    actor = request_actor(request)
    return _run_out(selectors.run_get(actor=actor, run_id=run_id))


@router.post("/scorecards/runs/{run_id}/approve", response=IncentiveRunOut)
def run_approve(request: HttpRequest, run_id: Id) -> IncentiveRunOut:
    actor = request_actor(request)
    selectors.run_get(actor=actor, run_id=run_id)
    services.incentive_run_approve(actor=actor, run_id=run_id)
    return _run_out(selectors.run_get(actor=actor, run_id=run_id))


@router.post("/scorecards/runs/{run_id}/lock", response=IncentiveRunOut)
def run_lock(request: HttpRequest, run_id: Id) -> IncentiveRunOut:
    actor = request_actor(request)
    selectors.run_get(actor=actor, run_id=run_id)
    services.incentive_run_lock(actor=actor, run_id=run_id)
    return _run_out(selectors.run_get(actor=actor, run_id=run_id))
