"""Operations API: incidents (staff with the ops permission). Mounted under /api/v1/ops/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from mallops.accounts.auth import api_auth
from mallops.core.inputs import Count, Id, MultilineText, Schema, Text
from mallops.ops import incidents
from mallops.ops.models import ActionItem, Incident, IncidentDrill, IncidentEvent

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
    items = [_out(row) for row in incidents.incidents_list(actor=request.user, status=status)[:500]]
    return IncidentListOut(items=items, count=len(items))


@router.post("/ops/incidents", response={201: IncidentDetailOut}, summary="Open an incident")
def incident_create(request: HttpRequest, payload: IncidentIn) -> Status[IncidentDetailOut]:
    row = incidents.incident_open(actor=request.user, **payload.dict())
    return Status(201, _detail(row))


@router.get(
    "/ops/incidents/{incident_id}", response=IncidentDetailOut, summary="One incident with its timeline"
)
def incident_detail(request: HttpRequest, incident_id: int) -> IncidentDetailOut:
    return _detail(incidents.incident_get(actor=request.user, incident_id=incident_id))


@router.post("/ops/incidents/{incident_id}/notes", response=IncidentDetailOut, summary="Add a timeline note")
def incident_add_note(request: HttpRequest, incident_id: int, payload: IncidentNoteIn) -> IncidentDetailOut:
    incidents.incident_note(actor=request.user, incident_id=incident_id, text=payload.text)
    return _detail(incidents.incident_get(actor=request.user, incident_id=incident_id))


@router.post("/ops/incidents/{incident_id}/owner", response=IncidentDetailOut, summary="Assign the owner")
def incident_set_owner(
    request: HttpRequest, incident_id: int, payload: IncidentAssignIn
) -> IncidentDetailOut:
    return _detail(
        incidents.incident_assign(actor=request.user, incident_id=incident_id, owner_id=payload.owner_id)
    )


@router.post(
    "/ops/incidents/{incident_id}/severity",
    response=IncidentDetailOut,
    summary="Triage: set the severity (recomputes the regulator's deadline)",
)
def incident_severity(request: HttpRequest, incident_id: int, payload: SeverityIn) -> IncidentDetailOut:
    row = incidents.incident_set_severity(actor=request.user, incident_id=incident_id, **payload.dict())
    return _detail(row)


@router.post(
    "/ops/incidents/{incident_id}/transition", response=IncidentDetailOut, summary="Move to another status"
)
def incident_move(request: HttpRequest, incident_id: int, payload: TransitionIn) -> IncidentDetailOut:
    row = incidents.incident_transition(
        actor=request.user, incident_id=incident_id, status=payload.status, postmortem=payload.postmortem
    )
    return _detail(row)


@router.post(
    "/ops/incidents/{incident_id}/notifications",
    response=IncidentDetailOut,
    summary="Record a notification to the regulator or the affected users",
)
def incident_notification(request: HttpRequest, incident_id: int, payload: NotifyIn) -> IncidentDetailOut:
    row = incidents.incident_notify(
        actor=request.user, incident_id=incident_id, audience=payload.audience, text=payload.text
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
    incidents.action_add(actor=request.user, incident_id=incident_id, **payload.dict())
    return Status(201, _detail(incidents.incident_get(actor=request.user, incident_id=incident_id)))


@router.post(
    "/ops/incidents/{incident_id}/actions/{action_id}/done",
    response=IncidentDetailOut,
    summary="Mark an action item done",
)
def incident_action_done(request: HttpRequest, incident_id: int, action_id: int) -> IncidentDetailOut:
    incidents.action_done(actor=request.user, incident_id=incident_id, action_id=action_id)
    return _detail(incidents.incident_get(actor=request.user, incident_id=incident_id))


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
    items = [_drill_out(row) for row in incidents.drills_list(actor=request.user)[:500]]
    return DrillListOut(items=items, count=len(items))


@router.post("/ops/incident-drills", response={201: DrillOut}, summary="Schedule an incident-response drill")
def incident_drill_schedule(request: HttpRequest, payload: DrillIn) -> Status[DrillOut]:
    return Status(201, _drill_out(incidents.drill_schedule(actor=request.user, **payload.dict())))


@router.post(
    "/ops/incident-drills/{drill_id}/record",
    response=DrillOut,
    summary="Record a held drill and its findings",
)
def incident_drill_record(request: HttpRequest, drill_id: int, payload: DrillRecordIn) -> DrillOut:
    return _drill_out(incidents.drill_record(actor=request.user, drill_id=drill_id, **payload.dict()))
