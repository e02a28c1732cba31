"""Technical-support tickets API (R6.3.1), mounted under /api/v1/ops/support-tickets.

Staff and store members report and read their own; technical operations (``system.operate``) handle all.
The store, the reporter, the targets and the status come from the server, never from the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.inputs import Id, MultilineText, Schema, Text
from mallops.ops import support
from mallops.ops.models import SupportTicket, SupportTicketEvent

router = Router(tags=["operations"], auth=api_auth)

SupportKindCode = Literal["fault", "question", "request"]
SupportSeverityCode = Literal["p1", "p2", "p3", "p4"]
SupportStatusCode = Literal["new", "acknowledged", "in_progress", "resolved", "closed"]


class SupportTicketIn(Schema):
    kind: SupportKindCode
    severity: SupportSeverityCode
    title: Text = Field(min_length=1, max_length=200)
    description: MultilineText = Field(default="", max_length=20_000)


class SupportCommentIn(Schema):
    text: MultilineText = Field(min_length=1, max_length=20_000)
    internal: bool = False


class SupportAssignIn(Schema):
    assignee_id: Id


class SupportTransitionIn(Schema):
    status: SupportStatusCode
    resolution: MultilineText = Field(default="", max_length=20_000)


class SupportSeverityIn(Schema):
    severity: SupportSeverityCode


class SupportLinkIn(Schema):
    incident_id: Id


class SupportEventOut(Schema):
    at: datetime
    kind: str
    text: str
    before: str
    after: str
    actor: str
    internal: bool


class SupportTicketOut(Schema):
    id: int
    number: str
    kind: str
    severity: str
    status: str
    title: str
    description: str
    merchant_id: int | None
    reporter: str
    assignee: str | None
    incident_id: int | None
    created_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution: str
    response_deadline_at: datetime
    resolution_deadline_at: datetime
    response_missed: bool
    resolution_missed: bool


class SupportTicketDetailOut(SupportTicketOut):
    timeline: list[SupportEventOut]


class SupportTicketListOut(Schema):
    items: list[SupportTicketOut]
    count: int


def _missed(done_at: datetime | None, deadline: datetime, now: datetime) -> bool:
    return (done_at or now) > deadline


def _out(row: SupportTicket) -> SupportTicketOut:
    from django.utils import timezone

    now = timezone.now()
    return SupportTicketOut(
        id=row.pk,
        number=row.number,
        kind=row.kind,
        severity=row.severity,
        status=row.status,
        title=row.title,
        description=row.description,
        merchant_id=row.merchant_id,
        reporter=row.reporter.username,
        assignee=row.assignee.username if row.assignee is not None else None,
        incident_id=row.incident_id,
        created_at=row.created_at,
        responded_at=row.responded_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        resolution=row.resolution,
        response_deadline_at=row.response_deadline_at,
        resolution_deadline_at=row.resolution_deadline_at,
        response_missed=_missed(row.responded_at, row.response_deadline_at, now),
        resolution_missed=_missed(row.resolved_at, row.resolution_deadline_at, now),
    )


def _event_out(event: SupportTicketEvent) -> SupportEventOut:
    return SupportEventOut(
        at=event.at,
        kind=event.kind,
        text=event.text,
        before=event.before,
        after=event.after,
        actor=event.actor_username,
        internal=event.is_internal,
    )


def _detail(request: HttpRequest, ticket_id: int) -> SupportTicketDetailOut:
    actor = request_actor(request)
    row = support.ticket_get(actor=actor, ticket_id=ticket_id)
    events = support.timeline(actor=actor, ticket=row)
    return SupportTicketDetailOut(**_out(row).dict(), timeline=[_event_out(e) for e in events])


@router.get(
    "/ops/support-tickets", response=SupportTicketListOut, summary="Support tickets the caller may see"
)
def support_list(
    request: HttpRequest,
    status: Literal["", "active", "new", "acknowledged", "in_progress", "resolved", "closed"] = "",
    severity: Literal["", "p1", "p2", "p3", "p4"] = "",
) -> SupportTicketListOut:
    actor = request_actor(request)
    qs = support.tickets_visible(actor=actor)
    if status == "active":
        qs = qs.exclude(status="closed")
    elif status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    items = [_out(row) for row in qs[:500]]
    return SupportTicketListOut(items=items, count=len(items))


@router.post(
    "/ops/support-tickets", response={201: SupportTicketDetailOut}, summary="Report a technical problem"
)
def support_create(request: HttpRequest, payload: SupportTicketIn) -> Status[SupportTicketDetailOut]:
    actor = request_actor(request)
    row = support.support_ticket_report(actor=actor, **payload.dict())
    return Status(201, _detail(request, row.pk))


@router.get(
    "/ops/support-tickets/{ticket_id}",
    response=SupportTicketDetailOut,
    summary="One ticket with its timeline",
)
def support_detail(request: HttpRequest, ticket_id: int) -> SupportTicketDetailOut:
    return _detail(request, ticket_id)


@router.post(
    "/ops/support-tickets/{ticket_id}/comments",
    response=SupportTicketDetailOut,
    summary="Reply (or, technical operations, an internal note)",
)
def support_comment(
    request: HttpRequest, ticket_id: int, payload: SupportCommentIn
) -> SupportTicketDetailOut:
    actor = request_actor(request)
    support.support_ticket_comment(actor=actor, ticket_id=ticket_id, **payload.dict())
    return _detail(request, ticket_id)


@router.post(
    "/ops/support-tickets/{ticket_id}/assign", response=SupportTicketDetailOut, summary="Assign to tech ops"
)
def support_assign(request: HttpRequest, ticket_id: int, payload: SupportAssignIn) -> SupportTicketDetailOut:
    actor = request_actor(request)
    support.support_ticket_assign(actor=actor, ticket_id=ticket_id, assignee_id=payload.assignee_id)
    return _detail(request, ticket_id)


@router.post(
    "/ops/support-tickets/{ticket_id}/transition", response=SupportTicketDetailOut, summary="Move the status"
)
def support_transition(
    request: HttpRequest, ticket_id: int, payload: SupportTransitionIn
) -> SupportTicketDetailOut:
    actor = request_actor(request)
    support.support_ticket_transition(actor=actor, ticket_id=ticket_id, **payload.dict())
    return _detail(request, ticket_id)


@router.post(
    "/ops/support-tickets/{ticket_id}/severity",
    response=SupportTicketDetailOut,
    summary="Triage: set the severity (recomputes the targets)",
)
def support_severity(
    request: HttpRequest, ticket_id: int, payload: SupportSeverityIn
) -> SupportTicketDetailOut:
    actor = request_actor(request)
    support.support_ticket_set_severity(actor=actor, ticket_id=ticket_id, severity=payload.severity)
    return _detail(request, ticket_id)


@router.post(
    "/ops/support-tickets/{ticket_id}/escalate",
    response={201: SupportTicketDetailOut},
    summary="Open an operations incident for a P1/P2 fault and link it",
)
def support_escalate(request: HttpRequest, ticket_id: int) -> Status[SupportTicketDetailOut]:
    actor = request_actor(request)
    support.support_ticket_escalate(actor=actor, ticket_id=ticket_id)
    return Status(201, _detail(request, ticket_id))


@router.post(
    "/ops/support-tickets/{ticket_id}/incident",
    response=SupportTicketDetailOut,
    summary="Link to an existing incident",
)
def support_link(request: HttpRequest, ticket_id: int, payload: SupportLinkIn) -> SupportTicketDetailOut:
    actor = request_actor(request)
    support.support_ticket_link(actor=actor, ticket_id=ticket_id, incident_id=payload.incident_id)
    return _detail(request, ticket_id)


class SupportNoticeOut(Schema):
    id: int
    kind: str
    ticket_id: int
    ticket_number: str
    ticket_title: str
    created_at: datetime
    read_at: datetime | None


class SupportNoticeListOut(Schema):
    items: list[SupportNoticeOut]
    count: int


class SupportNoticesReadOut(Schema):
    marked_read: int


@router.get("/ops/support-notices", response=SupportNoticeListOut, summary="My support notices, newest first")
def support_notices(request: HttpRequest, unread: bool = True) -> SupportNoticeListOut:
    actor = request_actor(request)
    rows = support.notices(actor=actor, unread_only=unread)[:200]
    items = [
        SupportNoticeOut(
            id=row.pk,
            kind=row.kind,
            ticket_id=row.ticket_id,
            ticket_number=row.ticket.number,
            ticket_title=row.ticket.title,
            created_at=row.created_at,
            read_at=row.read_at,
        )
        for row in rows
    ]
    return SupportNoticeListOut(items=items, count=len(items))


@router.post("/ops/support-notices/read", response=SupportNoticesReadOut, summary="Mark all my notices read")
def support_notices_mark_read(request: HttpRequest) -> SupportNoticesReadOut:
    actor = request_actor(request)
    return SupportNoticesReadOut(marked_read=support.notices_read(actor=actor))
