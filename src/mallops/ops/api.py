"""Operations API: incidents (staff with the ops permission). Mounted under /api/v1/ops/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Path, Router, Status
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.inputs import Count, Id, MultilineText, Percent, Schema, Text
from mallops.ops import incidents, releases
from mallops.ops.models import ActionItem, FeatureFlag, Incident, IncidentDrill, IncidentEvent, Release

router = Router(tags=["operations"], auth=api_auth)

Kind = Literal["data_leak", "system_failure", "mass_complaints", "regulatory_investigation"]
Severity = Literal["sev1", "sev2", "sev3", "sev4"]
Status_ = Literal["open", "mitigated", "resolved", "closed"]


class IncidentIn(Schema):
    kind: Kind
    severity: Severity
    title: Text = Field(min_length=1, max_length=200)
    summary: MultilineText = Field(default="", max_length=10_000)
    detected_at: datetime | None = None
    involves_personal_data: bool = False
    affected_people: Count = 0
    owner_id: Id | None = None


class IncidentNoteIn(Schema):
    text: MultilineText = Field(min_length=1, max_length=10_000)


class IncidentAssignIn(Schema):
    owner_id: Id


class SeverityIn(Schema):
    severity: Severity
    involves_personal_data: bool | None = None


class TransitionIn(Schema):
    status: Status_
    postmortem: MultilineText = Field(default="", max_length=50_000)


class NotifyIn(Schema):
    audience: Literal["regulator", "users"]
    text: MultilineText = Field(min_length=1, max_length=10_000)


class ActionIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    owner_id: Id | None = None
    due_on: date | None = None


class ActionOut(Schema):
    id: int
    title: str
    owner: str | None
    due_on: date | None
    done_at: datetime | None


class IncidentEventOut(Schema):
    at: datetime
    kind: str
    text: str
    actor: str


class IncidentOut(Schema):
    id: int
    kind: str
    severity: str
    status: str
    title: str
    summary: str
    owner: str | None
    involves_personal_data: bool
    affected_people: int
    detected_at: datetime
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    regulator_deadline_at: datetime | None
    regulator_rule: str
    regulator_notified_at: datetime | None
    users_notified_at: datetime | None
    postmortem: str


class IncidentDetailOut(IncidentOut):
    timeline: list[IncidentEventOut]
    actions: list[ActionOut]


class IncidentListOut(Schema):
    items: list[IncidentOut]
    count: int


def _out(row: Incident) -> IncidentOut:
    return IncidentOut(
        id=row.pk,
        kind=row.kind,
        severity=row.severity,
        status=row.status,
        title=row.title,
        summary=row.summary,
        owner=row.owner.username if row.owner_id and row.owner else None,
        involves_personal_data=row.involves_personal_data,
        affected_people=row.affected_people,
        detected_at=row.detected_at,
        mitigated_at=row.mitigated_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        regulator_deadline_at=row.regulator_deadline_at,
        regulator_rule=row.regulator_rule,
        regulator_notified_at=row.regulator_notified_at,
        users_notified_at=row.users_notified_at,
        postmortem=row.postmortem,
    )


def _event_out(event: IncidentEvent) -> IncidentEventOut:
    return IncidentEventOut(at=event.at, kind=event.kind, text=event.text, actor=event.actor_username)


def _action_out(item: ActionItem) -> ActionOut:
    return ActionOut(
        id=item.pk,
        title=item.title,
        owner=item.owner.username if item.owner_id and item.owner else None,
        due_on=item.due_on,
        done_at=item.done_at,
    )


def _detail(row: Incident) -> IncidentDetailOut:
    return IncidentDetailOut(
        **_out(row).dict(),
        timeline=[_event_out(e) for e in row.events.all()],
        actions=[_action_out(a) for a in row.actions.select_related("owner")],
    )


@router.get("/ops/incidents", response=IncidentListOut, summary="Incidents, newest first")
def incident_list(
    request: HttpRequest, status: Literal["", "active", "open", "mitigated", "resolved", "closed"] = ""
) -> IncidentListOut:
    actor = request_actor(request)
    items = [_out(row) for row in incidents.incidents_list(actor=actor, status=status)[:500]]
    return IncidentListOut(items=items, count=len(items))


@router.post("/ops/incidents", response={201: IncidentDetailOut}, summary="Open an incident")
def incident_create(request: HttpRequest, payload: IncidentIn) -> Status[IncidentDetailOut]:
    actor = request_actor(request)
    row = incidents.incident_open(actor=actor, **payload.dict())
    return Status(201, _detail(row))


@router.get(
    "/ops/incidents/{incident_id}", response=IncidentDetailOut, summary="One incident with its timeline"
)
def incident_detail(request: HttpRequest, incident_id: int) -> IncidentDetailOut:
    actor = request_actor(request)
    return _detail(incidents.incident_get(actor=actor, incident_id=incident_id))


@router.post("/ops/incidents/{incident_id}/notes", response=IncidentDetailOut, summary="Add a timeline note")
def incident_add_note(request: HttpRequest, incident_id: int, payload: IncidentNoteIn) -> IncidentDetailOut:
    actor = request_actor(request)
    incidents.incident_note(actor=actor, incident_id=incident_id, text=payload.text)
    return _detail(incidents.incident_get(actor=actor, incident_id=incident_id))


@router.post("/ops/incidents/{incident_id}/owner", response=IncidentDetailOut, summary="Assign the owner")
def incident_set_owner(
    request: HttpRequest, incident_id: int, payload: IncidentAssignIn
) -> IncidentDetailOut:
    actor = request_actor(request)
    return _detail(incidents.incident_assign(actor=actor, incident_id=incident_id, owner_id=payload.owner_id))


@router.post(
    "/ops/incidents/{incident_id}/severity",
    response=IncidentDetailOut,
    summary="Triage: set the severity (recomputes the regulator's deadline)",
)
def incident_severity(request: HttpRequest, incident_id: int, payload: SeverityIn) -> IncidentDetailOut:
    actor = request_actor(request)
    row = incidents.incident_set_severity(actor=actor, incident_id=incident_id, **payload.dict())
    return _detail(row)


@router.post(
    "/ops/incidents/{incident_id}/transition", response=IncidentDetailOut, summary="Move to another status"
)
def incident_move(request: HttpRequest, incident_id: int, payload: TransitionIn) -> IncidentDetailOut:
    actor = request_actor(request)
    row = incidents.incident_transition(
        actor=actor, incident_id=incident_id, status=payload.status, postmortem=payload.postmortem
    )
    return _detail(row)


@router.post(
    "/ops/incidents/{incident_id}/notifications",
    response=IncidentDetailOut,
    summary="Record a notification to the regulator or the affected users",
)
def incident_notification(request: HttpRequest, incident_id: int, payload: NotifyIn) -> IncidentDetailOut:
    actor = request_actor(request)
    row = incidents.incident_notify(
        actor=actor, incident_id=incident_id, audience=payload.audience, text=payload.text
    )
    return _detail(row)


@router.post(
    "/ops/incidents/{incident_id}/actions",
    response={201: IncidentDetailOut},
    summary="Add a post-mortem action item",
)
def incident_action_add(
    request: HttpRequest, incident_id: int, payload: ActionIn
) -> Status[IncidentDetailOut]:
    actor = request_actor(request)
    incidents.action_add(actor=actor, incident_id=incident_id, **payload.dict())
    return Status(201, _detail(incidents.incident_get(actor=actor, incident_id=incident_id)))


@router.post(
    "/ops/incidents/{incident_id}/actions/{action_id}/done",
    response=IncidentDetailOut,
    summary="Mark an action item done",
)
def incident_action_done(request: HttpRequest, incident_id: int, action_id: int) -> IncidentDetailOut:
    actor = request_actor(request)
    incidents.action_done(actor=actor, incident_id=incident_id, action_id=action_id)
    return _detail(incidents.incident_get(actor=actor, incident_id=incident_id))


# --- incident drills (R7.4.2) ----------------------------------------------------------------------------


class DrillIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    scenario: Kind
    scheduled_at: datetime
    owner_id: Id | None = None


class DrillRecordIn(Schema):
    result: Literal["passed", "issues_found"]
    findings: MultilineText = Field(min_length=1, max_length=50_000)
    participants: MultilineText = Field(default="", max_length=5_000)
    held_at: datetime | None = None


class DrillOut(Schema):
    id: int
    title: str
    scenario: str
    scheduled_at: datetime
    owner: str | None
    result: str
    held_at: datetime | None
    participants: str
    findings: str


class DrillListOut(Schema):
    items: list[DrillOut]
    count: int


def _drill_out(row: IncidentDrill) -> DrillOut:
    return DrillOut(
        id=row.pk,
        title=row.title,
        scenario=row.scenario,
        scheduled_at=row.scheduled_at,
        owner=row.owner.username if row.owner_id and row.owner else None,
        result=row.result,
        held_at=row.held_at,
        participants=row.participants,
        findings=row.findings,
    )


@router.get("/ops/incident-drills", response=DrillListOut, summary="Incident-response drills, newest first")
def incident_drill_list(request: HttpRequest) -> DrillListOut:
    actor = request_actor(request)
    items = [_drill_out(row) for row in incidents.drills_list(actor=actor)[:500]]
    return DrillListOut(items=items, count=len(items))


@router.post("/ops/incident-drills", response={201: DrillOut}, summary="Schedule an incident-response drill")
def incident_drill_schedule(request: HttpRequest, payload: DrillIn) -> Status[DrillOut]:
    actor = request_actor(request)
    return Status(201, _drill_out(incidents.drill_schedule(actor=actor, **payload.dict())))


@router.post(
    "/ops/incident-drills/{drill_id}/record",
    response=DrillOut,
    summary="Record a held drill and its findings",
)
def incident_drill_record(request: HttpRequest, drill_id: int, payload: DrillRecordIn) -> DrillOut:
    actor = request_actor(request)
    return _drill_out(incidents.drill_record(actor=actor, drill_id=drill_id, **payload.dict()))


# --- releases and feature flags (R6.4.1, R6.4.2) -----------------------------------------------------

ReleaseStep = Literal["testing", "approved", "gray", "full", "rolled_back"]
MigrationKey = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*\.[A-Za-z0-9_]+$", max_length=200)]
CohortIds = Annotated[list[Id], Field(max_length=10_000)]


class ReleaseCreateIn(Schema):
    version: Text = Field(min_length=5, max_length=20)
    changelog: MultilineText = Field(min_length=1, max_length=50_000)
    migrations: list[MigrationKey] | None = Field(default=None, max_length=1000)
    test_evidence: MultilineText = Field(default="", max_length=20_000)


class ReleaseEvidenceIn(Schema):
    test_evidence: MultilineText = Field(min_length=1, max_length=20_000)


class ReleaseStepIn(Schema):
    status: ReleaseStep
    reason: MultilineText = Field(default="", max_length=5_000)


class ReleaseMigrationOut(Schema):
    app: str
    name: str
    reversible: bool
    irreversible: list[str]


class ReleaseOut(Schema):
    id: int
    version: str
    status: str
    changelog: str
    migrations: list[ReleaseMigrationOut]
    reversible: bool
    test_evidence: str
    created_by: str
    approved_by: str | None
    created_at: datetime
    testing_at: datetime | None
    approved_at: datetime | None
    gray_at: datetime | None
    full_at: datetime | None
    rolled_back_at: datetime | None
    rollback_reason: str
    flags: list[str]


class ReleaseListOut(Schema):
    items: list[ReleaseOut]


class FlagCohortsIn(Schema):
    merchant: CohortIds = Field(default_factory=list)
    buyer: CohortIds = Field(default_factory=list)
    staff: CohortIds = Field(default_factory=list)


class FlagSaveIn(Schema):
    description: Text | None = Field(default=None, max_length=200)
    release_id: Id | None = None
    is_enabled: bool | None = None
    percentage: Percent | None = None
    cohorts: FlagCohortsIn | None = None


class FlagOut(Schema):
    name: str
    description: str
    release: str | None
    is_enabled: bool
    percentage: int
    cohorts: dict[str, list[int]]
    updated_at: datetime


class FlagListOut(Schema):
    items: list[FlagOut]


FlagName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]


def _release_out(row: Release) -> ReleaseOut:
    return ReleaseOut(
        id=row.pk,
        version=row.version,
        status=row.status,
        changelog=row.changelog,
        migrations=[ReleaseMigrationOut(**item) for item in row.migrations],
        reversible=row.is_reversible,
        test_evidence=row.test_evidence,
        created_by=row.created_by.username,
        approved_by=row.approved_by.username if row.approved_by else None,
        created_at=row.created_at,
        testing_at=row.testing_at,
        approved_at=row.approved_at,
        gray_at=row.gray_at,
        full_at=row.full_at,
        rolled_back_at=row.rolled_back_at,
        rollback_reason=row.rollback_reason,
        flags=[flag.name for flag in row.flags.all()],
    )


def _flag_out(flag: FeatureFlag) -> FlagOut:
    return FlagOut(
        name=flag.name,
        description=flag.description,
        release=flag.release.version if flag.release else None,
        is_enabled=flag.is_enabled,
        percentage=flag.percentage,
        cohorts=flag.cohorts,
        updated_at=flag.updated_at,
    )


@router.get("/ops/releases", response=ReleaseListOut, summary="Releases, newest version first")
def release_list(request: HttpRequest) -> ReleaseListOut:
    actor = request_actor(request)
    rows = releases.releases_list(actor=actor).prefetch_related("flags")[:200]
    return ReleaseListOut(items=[_release_out(row) for row in rows])


@router.post("/ops/releases", response={201: ReleaseOut}, summary="Plan a release (migrations computed)")
def release_create(request: HttpRequest, payload: ReleaseCreateIn) -> Status[ReleaseOut]:
    actor = request_actor(request)
    row = releases.release_create(actor=actor, **payload.dict())
    return Status(201, _release_out(releases.release_get(actor=actor, release_id=row.pk)))


@router.get("/ops/releases/{release_id}", response=ReleaseOut, summary="One release")
def release_detail(request: HttpRequest, release_id: int) -> ReleaseOut:
    actor = request_actor(request)
    return _release_out(releases.release_get(actor=actor, release_id=release_id))


@router.post("/ops/releases/{release_id}/evidence", response=ReleaseOut, summary="Record the test evidence")
def release_evidence(request: HttpRequest, release_id: int, payload: ReleaseEvidenceIn) -> ReleaseOut:
    actor = request_actor(request)
    releases.release_set_evidence(actor=actor, release_id=release_id, test_evidence=payload.test_evidence)
    return _release_out(releases.release_get(actor=actor, release_id=release_id))


@router.post(
    "/ops/releases/{release_id}/status",
    response=ReleaseOut,
    summary="Move a release: testing, approved (a second person), gray, full, rolled_back",
)
def release_step(request: HttpRequest, release_id: int, payload: ReleaseStepIn) -> ReleaseOut:
    actor = request_actor(request)
    releases.release_transition(
        actor=actor, release_id=release_id, status=payload.status, reason=payload.reason
    )
    return _release_out(releases.release_get(actor=actor, release_id=release_id))


@router.get("/ops/flags", response=FlagListOut, summary="Feature flags of the gray release")
def flag_list(request: HttpRequest) -> FlagListOut:
    actor = request_actor(request)
    return FlagListOut(items=[_flag_out(flag) for flag in releases.flags_list(actor=actor)])


@router.post("/ops/flags/{name}", response=FlagOut, summary="Create or change a flag (given fields only)")
def flag_put(request: HttpRequest, name: FlagName, payload: FlagSaveIn) -> FlagOut:
    actor = request_actor(request)
    data = payload.dict(exclude_unset=True)
    if payload.cohorts is not None:
        data["cohorts"] = payload.cohorts.dict()
    flag = releases.flag_save(actor=actor, name=name, **data)
    return _flag_out(releases.flags_list(actor=actor).get(pk=flag.pk))


# technical-support tickets live in their own module; mounted here so the ops app keeps one entry in ROUTERS
from mallops.ops.support_api import router as support_router  # noqa: E402

router.add_router("", support_router)
