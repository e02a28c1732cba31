"""The KPI catalogue: which KPIs each role is measured on, their unit, direction and default bands.

Pure data (no Django). What each KPI counts is written in docs/scorecards.md and computed in
``mallops.scorecards.kpis`` from the owning apps' selectors. A manager may change a KPI's target and
bands (``KpiRule``); these defaults apply until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mallops.scorecards.engine import Band, Better


class Unit(StrEnum):
    COUNT = "count"
    RATE = "rate"  # 0..1
    MINUTES = "minutes"
    SCORE = "score"  # CSAT 1..5
    FEN = "fen"


class Scope(StrEnum):
    PERSON = "person"  # measured per person; the team value counts every member's rows
    TEAM = "team"  # a business result of the whole team (no per-person value)


@dataclass(frozen=True)
class KpiDef:
    code: str
    role: str
    unit: Unit
    better: Better
    scope: Scope
    target: float
    bands: tuple[Band, ...]


# role codes as in mallops.accounts.roles; the task team each role's tasks live on (tasks.Team)
ROLES: tuple[str, ...] = (
    "listing_reviewer",
    "cs_agent",
    "content_ops",
    "user_ops",
    "product_ops",
    "data_ops",
    "tech_ops",
)
TASK_TEAMS: dict[str, str] = {
    "content_ops": "content_ops",
    "user_ops": "user_ops",
    "product_ops": "product_ops",
    "data_ops": "data_ops",
    "tech_ops": "tech_ops",
}
# incidents resolved within these hours of detection count as "within target" (by severity)
INCIDENT_TARGET_HOURS: dict[str, int] = {"sev1": 4, "sev2": 8, "sev3": 24, "sev4": 72}


def _on_time(role: str) -> KpiDef:
    return KpiDef(
        f"{role}.tasks_on_time",
        role,
        Unit.RATE,
        Better.UP,
        Scope.PERSON,
        0.9,
        (Band(0.8, 5), Band(0.9, 10), Band(1.0, 15)),
    )


KPIS: tuple[KpiDef, ...] = (
    KpiDef(
        "listing_reviewer.turnaround_minutes",
        "listing_reviewer",
        Unit.MINUTES,
        Better.DOWN,
        Scope.PERSON,
        240,
        (Band(480, 5), Band(240, 10), Band(60, 15)),
    ),
    KpiDef(
        "listing_reviewer.decisions",
        "listing_reviewer",
        Unit.COUNT,
        Better.UP,
        Scope.PERSON,
        100,
        (Band(50, 5), Band(100, 10), Band(200, 15)),
    ),
    KpiDef(
        "listing_reviewer.reversal_rate",
        "listing_reviewer",
        Unit.RATE,
        Better.DOWN,
        Scope.PERSON,
        0.02,
        (Band(0.05, 5), Band(0.02, 10), Band(0.0, 15)),
    ),
    KpiDef(
        "cs_agent.first_response_sla",
        "cs_agent",
        Unit.RATE,
        Better.UP,
        Scope.PERSON,
        0.95,
        (Band(0.9, 5), Band(0.95, 10), Band(0.99, 15)),
    ),
    KpiDef(
        "cs_agent.csat",
        "cs_agent",
        Unit.SCORE,
        Better.UP,
        Scope.PERSON,
        4.5,
        (Band(4.0, 5), Band(4.5, 10), Band(4.8, 15)),
    ),
    KpiDef(
        "cs_agent.resolved",
        "cs_agent",
        Unit.COUNT,
        Better.UP,
        Scope.PERSON,
        100,
        (Band(50, 5), Band(100, 10), Band(150, 15)),
    ),
    KpiDef(
        "content_ops.moderation_handled",
        "content_ops",
        Unit.COUNT,
        Better.UP,
        Scope.PERSON,
        50,
        (Band(20, 5), Band(50, 10), Band(100, 15)),
    ),
    _on_time("content_ops"),
    _on_time("user_ops"),
    KpiDef(
        "user_ops.conversion_rate",
        "user_ops",
        Unit.RATE,
        Better.UP,
        Scope.TEAM,
        0.03,
        (Band(0.02, 5), Band(0.03, 10), Band(0.05, 15)),
    ),
    _on_time("product_ops"),
    KpiDef(
        "product_ops.gmv_fen",
        "product_ops",
        Unit.FEN,
        Better.UP,
        Scope.TEAM,
        10_000_000,
        (Band(5_000_000, 5), Band(10_000_000, 10), Band(20_000_000, 15)),
    ),
    _on_time("data_ops"),
    _on_time("tech_ops"),
    KpiDef(
        "tech_ops.incidents_in_target",
        "tech_ops",
        Unit.RATE,
        Better.UP,
        Scope.TEAM,
        0.9,
        (Band(0.8, 5), Band(0.9, 10), Band(1.0, 15)),
    ),
)
BY_CODE: dict[str, KpiDef] = {k.code: k for k in KPIS}


def kpis_of(role: str) -> tuple[KpiDef, ...]:
    return tuple(k for k in KPIS if k.role == role)
