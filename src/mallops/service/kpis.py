"""Customer-service KPIs computed from the tickets themselves (R8.1.2, R5.4.1 bottlenecks, R5.1.3 CSAT).

Everything is derived from ticket rows, SLA clocks, pauses and ratings of tickets created in the last
``days`` days; nothing is entered by hand. Durations are wall-clock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from statistics import mean, median
from typing import Any

from django.utils import timezone

from mallops.service.models import OPEN_STATUSES, Status, Ticket, TicketPause, TicketRating, TicketSla
from mallops.workdays.engine import SHANGHAI

CSAT_TARGET = 4.5


@dataclass(frozen=True)
class PolicyKpi:
    code: str
    label: str
    met: int
    breached: int
    pending: int
    attainment: float | None


@dataclass(frozen=True)
class StepKpi:
    step: str
    average_hours: float | None
    tickets: int


@dataclass(frozen=True)
class AgentKpi:
    agent_id: int
    username: str
    assigned: int
    open: int
    resolved: int
    first_response_minutes: float | None
    sla_attainment: float | None
    csat: float | None
    breaches: int


@dataclass
class Kpis:
    days: int
    tickets: int
    open_now: int
    first_response_minutes_avg: float | None
    first_response_minutes_median: float | None
    resolution_hours_avg: float | None
    resolution_hours_median: float | None
    csat: float | None
    csat_target: float
    ratings: int
    csat_dimensions: dict[str, float | None]
    policies: list[PolicyKpi] = field(default_factory=list)
    backlog_by_status: dict[str, int] = field(default_factory=dict)
    daily: list[dict[str, Any]] = field(default_factory=list)
    steps: list[StepKpi] = field(default_factory=list)
    bottleneck: str | None = None
    agents: list[AgentKpi] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _avg(values: list[float]) -> float | None:
    return round(mean(values), 2) if values else None


def _median(values: list[float]) -> float | None:
    return round(median(values), 2) if values else None


def _rate(met: int, breached: int) -> float | None:
    return round(met / (met + breached), 4) if met + breached else None


def compute(*, days: int = 30, now: datetime | None = None) -> Kpis:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    tickets = list(
        Ticket.objects.unscoped(reason="CS KPIs").filter(created_at__gte=since).select_related("assignee")
    )
    ids = [t.pk for t in tickets]
    slas = list(TicketSla.objects.filter(ticket_id__in=ids, superseded=False).select_related("policy"))
    ratings = {r.ticket_id: r for r in TicketRating.objects.filter(ticket_id__in=ids)}
    paused: dict[int, float] = defaultdict(float)
    for pause in TicketPause.objects.filter(ticket_id__in=ids):
        paused[pause.ticket_id] += ((pause.ended_at or now) - pause.started_at).total_seconds()

    first = [
        (t.first_response_at - t.created_at).total_seconds() / 60 for t in tickets if t.first_response_at
    ]
    resolution = [(t.resolved_at - t.created_at).total_seconds() / 3600 for t in tickets if t.resolved_at]
    scores = [float(r.score) for r in ratings.values()]
    dims = {
        d: _avg([float(getattr(r, d)) for r in ratings.values()])
        for d in ("speed", "efficiency", "quality", "attitude")
    }

    per_policy: dict[str, list[TicketSla]] = defaultdict(list)
    for row in slas:
        per_policy[row.policy.code].append(row)
    policies = []
    for code, rows in sorted(per_policy.items()):
        met = sum(1 for r in rows if r.met_at and not r.breached_at)
        breached = sum(1 for r in rows if r.breached_at)
        policies.append(
            PolicyKpi(
                code, rows[0].policy.label, met, breached, len(rows) - met - breached, _rate(met, breached)
            )
        )

    backlog: dict[str, int] = {s: 0 for s in OPEN_STATUSES}
    open_rows = (
        Ticket.objects.unscoped(reason="CS KPIs")
        .filter(status__in=OPEN_STATUSES)
        .values_list("status", flat=True)
    )
    for status in open_rows:
        backlog[status] += 1
    daily = []
    for offset in range(min(days, 30) - 1, -1, -1):
        day = (now - timedelta(days=offset)).astimezone(SHANGHAI).date()
        created = sum(1 for t in tickets if t.created_at.astimezone(SHANGHAI).date() == day)
        resolved = sum(
            1 for t in tickets if t.resolved_at and t.resolved_at.astimezone(SHANGHAI).date() == day
        )
        daily.append({"day": day.isoformat(), "created": created, "resolved": resolved})

    step_values: dict[str, list[float]] = {
        "assignment": [
            (t.assigned_at - t.created_at).total_seconds() / 3600 for t in tickets if t.assigned_at
        ],
        "first response": [v / 60 for v in first],
        "waiting for customer": [paused[t.pk] / 3600 for t in tickets if t.pk in paused],
        "handling": [
            max(0.0, ((t.resolved_at - t.first_response_at).total_seconds() - paused[t.pk]) / 3600)
            for t in tickets
            if t.resolved_at and t.first_response_at
        ],
        "follow-up": [
            ((t.followup_done_at or now) - t.resolved_at).total_seconds() / 3600
            for t in tickets
            if t.resolved_at and (t.followup_done_at or t.status == Status.RESOLVED)
        ],
    }
    steps = [StepKpi(name, _avg(values), len(values)) for name, values in step_values.items()]
    measured = [s for s in steps if s.average_hours is not None]
    bottleneck = max(measured, key=lambda s: s.average_hours or 0).step if measured else None

    agents: dict[int, dict[str, Any]] = {}
    sla_by_ticket: dict[int, list[TicketSla]] = defaultdict(list)
    for row in slas:
        sla_by_ticket[row.ticket_id].append(row)
    for t in tickets:
        if t.assignee_id is None:
            continue
        a = agents.setdefault(t.assignee_id, {"user": t.assignee, "tickets": []})
        a["tickets"].append(t)
    scorecards = []
    for agent_id, a in agents.items():
        mine: list[Ticket] = a["tickets"]
        rows = [r for t in mine for r in sla_by_ticket[t.pk]]
        met = sum(1 for r in rows if r.met_at and not r.breached_at)
        breached = sum(1 for r in rows if r.breached_at)
        scorecards.append(
            AgentKpi(
                agent_id=agent_id,
                username=a["user"].username,
                assigned=len(mine),
                open=sum(1 for t in mine if t.status in OPEN_STATUSES),
                resolved=sum(1 for t in mine if t.resolved_at),
                first_response_minutes=_avg(
                    [
                        (t.first_response_at - t.created_at).total_seconds() / 60
                        for t in mine
                        if t.first_response_at
                    ]
                ),
                sla_attainment=_rate(met, breached),
                csat=_avg([float(ratings[t.pk].score) for t in mine if t.pk in ratings]),
                breaches=breached,
            )
        )
    scorecards.sort(key=lambda s: (-s.assigned, s.username))
    return Kpis(
        days=days,
        tickets=len(tickets),
        open_now=sum(backlog.values()),
        first_response_minutes_avg=_avg(first),
        first_response_minutes_median=_median(first),
        resolution_hours_avg=_avg(resolution),
        resolution_hours_median=_median(resolution),
        csat=_avg(scores),
        csat_target=CSAT_TARGET,
        ratings=len(scores),
        csat_dimensions=dims,
        policies=policies,
        backlog_by_status=backlog,
        daily=daily,
        steps=steps,
        bottleneck=bottleneck,
        agents=scorecards,
    )
