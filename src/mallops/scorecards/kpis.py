"""KPI values per person and per team for a period, computed from the owning apps' selectors (R8.1.2).

Nothing here reads another app's models: reviews come from ``review.selectors``, tickets from
``service.selectors``, tasks from ``tasks.selectors``, incidents from ``ops.selectors`` and GMV/conversion
from ``analytics.selectors``. docs/scorecards.md states what each KPI counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import mean, median
from typing import Any

from mallops.accounts.selectors import staff_with_role
from mallops.scorecards.catalogue import BY_CODE, INCIDENT_TARGET_HOURS, TASK_TEAMS, KpiDef, Scope, kpis_of
from mallops.scorecards.engine import Band, Period, RuleInput, band_reached

Values = dict[str, float | None]


@dataclass(frozen=True)
class Member:
    person_id: int
    username: str
    name: str


@dataclass(frozen=True)
class RoleValues:
    """The KPI values of one role's team for one period: per member and for the team."""

    role: str
    period: Period
    members: tuple[Member, ...]
    people: dict[int, Values]
    team: Values


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _reviewers(period: Period, ids: list[int]) -> tuple[dict[int, Values], Values]:
    from mallops.review.selectors import reviewer_period_facts

    facts = reviewer_period_facts(since=period.since, until=period.until)

    def values(rows: list[dict[str, Any]]) -> Values:
        seconds = [s for row in rows for s in row["turnaround_seconds"]]
        decisions = sum(row["decisions"] for row in rows)
        return {
            "listing_reviewer.turnaround_minutes": round(median(seconds) / 60, 2) if seconds else None,
            "listing_reviewer.decisions": decisions,
            "listing_reviewer.reversal_rate": _ratio(sum(row["reversed"] for row in rows), decisions),
        }

    people = {pid: values([facts[pid]] if pid in facts else []) for pid in ids}
    return people, values([facts[pid] for pid in ids if pid in facts])


def _agents(period: Period, ids: list[int]) -> tuple[dict[int, Values], Values]:
    from mallops.service.selectors import agent_period_facts

    facts = agent_period_facts(since=period.since, until=period.until)

    def values(rows: list[dict[str, Any]]) -> Values:
        scores = [s for row in rows for s in row["scores"]]
        met = sum(row["sla_met"] for row in rows)
        return {
            "cs_agent.first_response_sla": _ratio(met, met + sum(row["sla_breached"] for row in rows)),
            "cs_agent.csat": round(mean(scores), 2) if scores else None,
            "cs_agent.resolved": sum(row["resolved"] for row in rows),
        }

    people = {pid: values([facts[pid]] if pid in facts else []) for pid in ids}
    return people, values([facts[pid] for pid in ids if pid in facts])


def _tasks(role: str, period: Period, ids: list[int]) -> tuple[dict[int, Values], Values]:
    from mallops.tasks.selectors import team_period_facts

    facts = team_period_facts(team=TASK_TEAMS[role], since=period.since, until=period.until)

    def values(rows: list[dict[str, int]]) -> Values:
        out: Values = {
            f"{role}.tasks_on_time": _ratio(sum(r["on_time"] for r in rows), sum(r["due"] for r in rows))
        }
        if role == "content_ops":
            out["content_ops.moderation_handled"] = sum(r["moderation_done"] for r in rows)
        return out

    people = {pid: values([facts[pid]] if pid in facts else []) for pid in ids}
    # the team is accountable for its unassigned tasks too
    team_rows = [row for key, row in facts.items() if key is None or key in ids]
    return people, values(team_rows)


def _team_business(role: str, period: Period) -> Values:
    if role == "tech_ops":
        from mallops.ops.selectors import incidents_resolved_between

        rows = incidents_resolved_between(since=period.since, until=period.until)
        within = sum(1 for severity, hours in rows if hours <= INCIDENT_TARGET_HOURS.get(severity, 0))
        return {"tech_ops.incidents_in_target": _ratio(within, len(rows))}
    if role in ("product_ops", "user_ops"):
        from mallops.analytics.selectors import period_metric_values

        metrics = period_metric_values(start=period.start, end=period.end - timedelta(days=1))
        if role == "product_ops":
            gmv = metrics.get("gmv_fen")
            return {"product_ops.gmv_fen": None if gmv is None else int(gmv)}
        rate = metrics.get("conversion_rate")
        return {"user_ops.conversion_rate": None if rate is None else round(float(rate), 4)}
    return {}


def members_of(role: str) -> tuple[Member, ...]:
    return tuple(
        Member(user.pk, user.username, user.get_full_name() or user.username)
        for user in staff_with_role(role)
    )


def role_values(*, role: str, period: Period) -> RoleValues:
    """Every KPI of ``role`` for its members and its team in ``period``."""
    members = members_of(role)
    ids = [m.person_id for m in members]
    if role == "listing_reviewer":
        people, team = _reviewers(period, ids)
    elif role == "cs_agent":
        people, team = _agents(period, ids)
    else:
        people, team = _tasks(role, period, ids)
    team = team | _team_business(role, period)
    return RoleValues(role, period, members, people, team)


@dataclass(frozen=True)
class KpiLine:
    """One KPI on a scorecard: value, target, whether the target is met and the band reached."""

    kpi: KpiDef
    value: float | None
    target: float
    target_met: bool | None
    band: int | None


@dataclass(frozen=True)
class RuleSpec:
    target: float
    bands: tuple[Band, ...]


def rules_for(role: str) -> dict[str, RuleSpec]:
    """The rule (target and bands) of each KPI of ``role``: the manager's ``KpiRule`` or the default."""
    from mallops.scorecards.models import KpiRule

    stored = {r.kpi: r for r in KpiRule.objects.filter(kpi__in=[k.code for k in kpis_of(role)])}
    out: dict[str, RuleSpec] = {}
    for kpi in kpis_of(role):
        row = stored.get(kpi.code)
        if row is None:
            out[kpi.code] = RuleSpec(kpi.target, kpi.bands)
        else:
            bands = tuple(Band(float(b["threshold"]), int(b["points"])) for b in row.bands)
            out[kpi.code] = RuleSpec(row.target, bands)
    return out


def rule_inputs(role: str, rules: dict[str, RuleSpec]) -> tuple[RuleInput, ...]:
    return tuple(RuleInput(k.code, k.better, rules[k.code].bands) for k in kpis_of(role))


def card_lines(
    role: str, values: Values, *, team: bool, rules: dict[str, RuleSpec] | None = None
) -> list[KpiLine]:
    """Scorecard lines of ``values``; a person's card omits the team-only KPIs."""
    from mallops.scorecards.engine import reaches

    rules = rules if rules is not None else rules_for(role)
    lines = []
    for kpi in kpis_of(role):
        if kpi.scope is Scope.TEAM and not team:
            continue
        target, bands = rules[kpi.code].target, rules[kpi.code].bands
        value = values.get(kpi.code)
        lines.append(
            KpiLine(
                kpi=kpi,
                value=value,
                target=target,
                target_met=None if value is None else reaches(value, target, kpi.better),
                band=band_reached(value, bands, kpi.better),
            )
        )
    return lines


def kpi_def(code: str) -> KpiDef:
    return BY_CODE[code]
