"""Risk control API: the analysts' queue (view, confirm, clear) and the rule profiles (publish, dry run)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.inputs import MultilineText, Schema, Text
from mallops.core.inputs import Schema as InputSchema
from mallops.core.pagination import Pagination
from mallops.risk import early_warning, register, selectors, services
from mallops.risk.engine import BASELINE
from mallops.risk.models import RegisteredRisk, RiskAlert, RiskDecision, RiskProfileVersion

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
    actor = request_actor(request)
    return selectors.decision_queue(actor, status=status, rule=rule)


@router.get(
    "/risk/decisions/{decision_id}", response=DecisionDetailOut, summary="One decision with its evidence"
)
def decision_detail(request: HttpRequest, decision_id: int) -> Any:
    actor = request_actor(request)
    return selectors.decision_get(actor, decision_id)


@router.post(
    "/risk/decisions/{decision_id}/confirm",
    response=DecisionDetailOut,
    summary="Confirm the risk (risk.decide)",
)
def decision_confirm(request: HttpRequest, decision_id: int, payload: ReviewIn) -> Any:
    actor = request_actor(request)
    row = services.decision_confirm(actor=actor, decision_id=decision_id, note=payload.note)
    return selectors.decision_get(actor, row.pk)


@router.post(
    "/risk/decisions/{decision_id}/clear",
    response=DecisionDetailOut,
    summary="Clear the decision (risk.decide)",
)
def decision_clear(request: HttpRequest, decision_id: int, payload: ReviewIn) -> Any:
    actor = request_actor(request)
    row = services.decision_clear(actor=actor, decision_id=decision_id, note=payload.note)
    return selectors.decision_get(actor, row.pk)


@router.get(
    "/risk/profiles", response=list[ProfileOut], summary="Rule profile versions, newest first (risk.view)"
)
def profile_list(request: HttpRequest) -> Any:
    actor = request_actor(request)
    rows = [_profile_out(row) for row in selectors.profile_versions(actor)]
    if not any(row["is_active"] for row in rows):
        baseline = {"version": 0, "rules": BASELINE.to_json(), "is_active": True, "note": "baseline"}
        rows.append({**baseline, "created_by": None, "created_at": None})
    return rows


@router.post(
    "/risk/profiles", response={201: ProfileOut}, summary="Publish and activate a profile (risk.manage)"
)
def profile_publish(request: HttpRequest, payload: ProfileIn) -> Status[Any]:
    actor = request_actor(request)
    row = services.profile_publish(actor=actor, rules=payload.rules, note=payload.note)
    return Status(201, _profile_out(row))


@router.post(
    "/risk/profiles/dry-run",
    response=DryRunOut,
    summary="How a candidate profile would have decided the last N days (risk.manage; writes nothing)",
)
def profile_dry_run(request: HttpRequest, payload: DryRunIn) -> Any:
    actor = request_actor(request)
    return services.profile_dry_run(actor=actor, rules=payload.rules, days=payload.days)


# -- risk register (R7.2.1) -------------------------------------------------------------------------------


class RegisterIn(InputSchema):
    code: Text = Field(min_length=1, max_length=40)
    title: Text = Field(min_length=1, max_length=120)
    category: str
    description: MultilineText = Field("", max_length=2000)
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    owner_role: str
    owner_id: int | None = Field(None, ge=1)
    controls: list[Text] = Field(default_factory=list, max_length=20)
    metrics: list[str] = Field(default_factory=list, max_length=20)
    status: str = "active"


class RegisterOut(Schema):
    id: int
    code: str
    title: str
    category: str
    category_label: str
    description: str
    likelihood: int
    impact: int
    score: int
    level: str
    owner_role: str
    owner: str | None
    controls: list[str]
    metrics: list[str]
    status: str
    updated_at: datetime

    @staticmethod
    def resolve_category_label(obj: RegisteredRisk) -> str:
        return obj.get_category_display()

    @staticmethod
    def resolve_owner(obj: RegisteredRisk) -> str | None:
        return obj.owner.username if obj.owner else None


def _register_input(payload: RegisterIn) -> register.RiskInput:
    return register.RiskInput(**payload.dict())


@router.get("/risk/register", response=list[RegisterOut], summary="The risk register, most severe first")
@paginate(Pagination)
def register_list(request: HttpRequest, category: str = "", status: str = "", **kwargs: Any) -> Any:
    actor = request_actor(request)
    return register.risk_list(actor, category=category, status=status)


@router.post("/risk/register", response={201: RegisterOut}, summary="Add a register entry (risk.manage)")
def register_create(request: HttpRequest, payload: RegisterIn) -> Status[Any]:
    actor = request_actor(request)
    row = register.risk_create(actor=actor, data=_register_input(payload))
    return Status(201, register.risk_get(actor, row.pk))


@router.get("/risk/register/{risk_id}", response=RegisterOut, summary="One register entry")
def register_detail(request: HttpRequest, risk_id: int) -> Any:
    actor = request_actor(request)
    return register.risk_get(actor, risk_id)


@router.put("/risk/register/{risk_id}", response=RegisterOut, summary="Replace an entry (risk.manage)")
def register_update(request: HttpRequest, risk_id: int, payload: RegisterIn) -> Any:
    actor = request_actor(request)
    row = register.risk_update(actor=actor, risk_id=risk_id, data=_register_input(payload))
    return register.risk_get(actor, row.pk)


@router.delete("/risk/register/{risk_id}", response={204: None}, summary="Delete an entry (risk.manage)")
def register_delete(request: HttpRequest, risk_id: int) -> Status[Any]:
    actor = request_actor(request)
    register.risk_delete(actor=actor, risk_id=risk_id)
    return Status(204, None)


# -- early warning (R7.2.3) -------------------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    rule: str
    metric: str
    value: int
    threshold: int
    raised_at: datetime
    owner_role: str
    status: str
    escalate_due_at: datetime | None
    escalated_at: datetime | None
    escalation_role: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    note: str

    @staticmethod
    def resolve_rule(obj: RiskAlert) -> str:
        return obj.rule.name

    @staticmethod
    def resolve_acknowledged_by(obj: RiskAlert) -> str | None:
        return obj.acknowledged_by.username if obj.acknowledged_by else None


class AcknowledgeIn(InputSchema):
    note: MultilineText = Field("", max_length=1000)


class WarningRuleOut(Schema):
    id: int
    name: str
    metric: str
    threshold: int
    window_minutes: int
    every_minutes: int
    owner_role: str
    escalate_after_minutes: int
    escalation_role: str
    is_active: bool
    last_value: int | None
    last_checked_at: datetime | None


class WarningRuleIn(InputSchema):
    threshold: int = Field(ge=0, le=2**53 - 1)
    window_minutes: int = Field(ge=1, le=60 * 24 * 31)
    escalate_after_minutes: int = Field(ge=1, le=60 * 24 * 7)
    is_active: bool = True


@router.get("/risk/alerts", response=list[AlertOut], summary="Early-warning alerts, open first (risk.view)")
@paginate(Pagination)
def alert_list(request: HttpRequest, mine: bool = False, **kwargs: Any) -> Any:
    actor = request_actor(request)
    return early_warning.alert_list(actor, mine=mine)


@router.post(
    "/risk/alerts/{alert_id}/acknowledge", response=AlertOut, summary="The owner acknowledges an alert"
)
def alert_acknowledge(request: HttpRequest, alert_id: int, payload: AcknowledgeIn) -> Any:
    actor = request_actor(request)
    return early_warning.alert_acknowledge(actor=actor, alert_id=alert_id, note=payload.note)


@router.get("/risk/warning-rules", response=list[WarningRuleOut], summary="Early-warning rules (risk.view)")
def warning_rule_list(request: HttpRequest) -> Any:
    actor = request_actor(request)
    return list(early_warning.rule_list(actor))


@router.put(
    "/risk/warning-rules/{rule_id}", response=WarningRuleOut, summary="Change a warning rule (risk.manage)"
)
def warning_rule_update(request: HttpRequest, rule_id: int, payload: WarningRuleIn) -> Any:
    actor = request_actor(request)
    return early_warning.rule_update(actor=actor, rule_id=rule_id, **payload.dict())
