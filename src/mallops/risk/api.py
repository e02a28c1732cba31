"""Risk control API: the analysts' queue (view, confirm, clear) and the rule profiles (publish, dry run)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status
from ninja.pagination import paginate

from mallops.accounts.auth import api_auth
from mallops.core.inputs import MultilineText, Schema
from mallops.core.pagination import Pagination
from mallops.risk import selectors, services
from mallops.risk.engine import BASELINE
from mallops.risk.models import RiskDecision, RiskProfileVersion

router = Router(tags=["risk"], auth=api_auth)


class ReasonOut(Schema):
    rule: str
    decision: str
    detail: str


class DecisionOut(Schema):
    id: int
    event_id: str
    event_type: str
    buyer: str
    subject_ref: str
    decision: str
    rules: list[str]
    reasons: list[ReasonOut]
    created_at: datetime
    status: str
    analyst: str | None
    note: str
    reviewed_at: datetime | None
    profile_version: int

    @staticmethod
    def resolve_event_id(obj: RiskDecision) -> str:
        return obj.event.event_id

    @staticmethod
    def resolve_decision(obj: RiskDecision) -> str:
        return obj.outcome

    @staticmethod
    def resolve_analyst(obj: RiskDecision) -> str | None:
        return obj.analyst.username if obj.analyst else None


class DecisionDetailOut(DecisionOut):
    evidence: dict[str, Any]


class ReviewIn(Schema):
    note: MultilineText = Field("", max_length=1000)


class ProfileIn(Schema):
    rules: dict[str, Any]
    note: MultilineText = Field("", max_length=500)


class DryRunIn(Schema):
    rules: dict[str, Any]
    days: int = Field(30, ge=1, le=365)


class ProfileOut(Schema):
    version: int
    rules: dict[str, Any]
    is_active: bool
    note: str
    created_by: str | None
    created_at: datetime | None


class DryRunOut(Schema):
    days: int
    events: int
    changed: int
    before: dict[str, int]
    after: dict[str, int]
    changed_by_rule: dict[str, int]


def _profile_out(row: RiskProfileVersion) -> dict[str, Any]:
    return {
        "version": row.version,
        "rules": row.rules,
        "is_active": row.is_active,
        "note": row.note,
        "created_by": row.created_by.username if row.created_by else None,
        "created_at": row.created_at,
    }


@router.get("/risk/decisions", response=list[DecisionOut], summary="The risk review queue (risk.view)")
@paginate(Pagination)
def decision_list(request: HttpRequest, status: str = "open", rule: str = "", **kwargs: Any) -> Any:
    return selectors.decision_queue(request.user, status=status, rule=rule)


@router.get(
    "/risk/decisions/{decision_id}", response=DecisionDetailOut, summary="One decision with its evidence"
)
def decision_detail(request: HttpRequest, decision_id: int) -> Any:
    return selectors.decision_get(request.user, decision_id)


@router.post(
    "/risk/decisions/{decision_id}/confirm",
    response=DecisionDetailOut,
    summary="Confirm the risk (risk.decide)",
)
def decision_confirm(request: HttpRequest, decision_id: int, payload: ReviewIn) -> Any:
    row = services.decision_confirm(
        actor=request.user, decision_id=decision_id, note=payload.note, request=request
    )
    return selectors.decision_get(request.user, row.pk)


@router.post(
    "/risk/decisions/{decision_id}/clear",
    response=DecisionDetailOut,
    summary="Clear the decision (risk.decide)",
)
def decision_clear(request: HttpRequest, decision_id: int, payload: ReviewIn) -> Any:
    row = services.decision_clear(
        actor=request.user, decision_id=decision_id, note=payload.note, request=request
    )
    return selectors.decision_get(request.user, row.pk)


@router.get(
    "/risk/profiles", response=list[ProfileOut], summary="Rule profile versions, newest first (risk.view)"
)
def profile_list(request: HttpRequest) -> Any:
    rows = [_profile_out(row) for row in selectors.profile_versions(request.user)]
    if not any(row["is_active"] for row in rows):
        baseline = {"version": 0, "rules": BASELINE.to_json(), "is_active": True, "note": "baseline"}
        rows.append({**baseline, "created_by": None, "created_at": None})
    return rows


@router.post(
    "/risk/profiles", response={201: ProfileOut}, summary="Publish and activate a profile (risk.manage)"
)
def profile_publish(request: HttpRequest, payload: ProfileIn) -> Status[Any]:
    row = services.profile_publish(
        actor=request.user, rules=payload.rules, note=payload.note, request=request
    )
    return Status(201, _profile_out(row))


@router.post(
    "/risk/profiles/dry-run",
    response=DryRunOut,
    summary="How a candidate profile would have decided the last N days (risk.manage; writes nothing)",
)
def profile_dry_run(request: HttpRequest, payload: DryRunIn) -> Any:
    return services.profile_dry_run(actor=request.user, rules=payload.rules, days=payload.days)
