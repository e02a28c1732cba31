"""Service API: platform desk (/service/...), buyer intake (/buyer/tickets) and store CS (/merchant/tickets).

Every write calls one service; the scope (staff, own store, own tickets) is decided by
``services.tickets_for``, so another store's or buyer's ticket answers 404.
"""

# No ``from __future__ import annotations`` in this module: ``@paginate`` wraps the view and django-ninja
# resolves string annotations in the wrapper's globals (ninja.pagination), where ``Query[TicketFilters]``
# does not exist; real annotation objects keep the list endpoints' query parameters as they were.

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.roles import Kind, require_buyer
from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, not_found
from mallops.core.inputs import QuerySchema, Schema
from mallops.core.pagination import FixedPage, PageRows, Pagination, paginate_rows
from mallops.service import assist, kpis, list_reads, notifications, selectors, services, supervision
from mallops.service.models import Notification, ServiceTask, Ticket
from mallops.service.schemas import (
    AssignIn,
    BuyerReplyIn,
    BuyerTicketIn,
    BuyerTicketOut,
    DetectIn,
    EscalateIn,
    EventOut,
    ExtendIn,
    FollowupIn,
    NoteIn,
    PauseIn,
    PolicyPatch,
    RatingIn,
    RatingOut,
    ReplyIn,
    ResolveIn,
    ServiceTaskOut,
    SlaPolicyOut,
    SuggestionOut,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    event_out,
)

router = Router(tags=["service"], auth=api_auth)


class TicketFilters(QuerySchema):
    """The ticket list's query parameters (platform desk and store CS share them)."""

    status: str = ""
    category: str = ""
    priority: str = ""
    channel: str = ""
    assignee_id: int | None = None
    merchant_id: int | None = None
    order_ref: str = ""
    q: str = ""
    mine: bool = False
    breached: bool = False
    held: bool = False


def _detail(ticket: Ticket) -> TicketDetailOut:
    out: TicketDetailOut = TicketDetailOut.from_orm(ticket)
    return out


def _buyer_only(request: HttpRequest) -> Actor:
    return require_buyer(request_actor(request))  # 403 buyer_only (once permission_denied, issue 16)


def _merchant_only(request: HttpRequest) -> Actor:
    if getattr(request.user, "kind", None) != Kind.MERCHANT:
        raise not_found("merchant")
    return request_actor(request)


def _staff_only(request: HttpRequest) -> Actor:
    if getattr(request.user, "kind", None) != Kind.STAFF:
        raise DomainError(
            detail="Staff accounts only.", code=CoreCode.PERMISSION_DENIED, status=403, title="Forbidden"
        )
    return request_actor(request)


def _staff(request: HttpRequest) -> Actor:
    """The staff caller's ``Actor`` (403 for anyone else), built once for a write."""
    return _staff_only(request)


def _buyer(request: HttpRequest) -> Actor:
    _buyer_only(request)
    return request_actor(request)


def _merchant(request: HttpRequest) -> Actor:
    return _merchant_only(request)


def _list(actor: Actor, filters: TicketFilters) -> Any:
    data = filters.dict()
    q, mine, breached, held = data.pop("q"), data.pop("mine"), data.pop("breached"), data.pop("held")
    return selectors.ticket_list(actor=actor, filters=data, q=q, mine=mine, breached=breached, held=held)


# --- platform desk ---------------------------------------------------------------------------------


@router.post(
    "/service/tickets", response={201: TicketOut}, summary="Open a ticket (any channel; staff intake)"
)
def ticket_create(request: HttpRequest, payload: TicketIn) -> Status[Any]:
    ticket = services.ticket_create(actor=_staff(request), **payload.dict())
    return Status(201, ticket)


@router.get("/service/tickets", response=list[TicketOut], summary="Tickets, newest first, with filters")
@paginate_rows
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> PageRows | FixedPage:
    _staff_only(request)
    if all(value is None or value == "" or value is False for value in filters.dict().values()):
        # no filter at all (0 is a filter): the desk's queue, the hot read, with SQL compiled once
        return list_reads.desk_ticket_page(actor=request_actor(request))
    return PageRows(_list(request_actor(request), filters), selectors.ticket_rows)


@router.get("/service/tickets/{ticket_id}", response=TicketDetailOut, summary="A ticket with its timeline")
def ticket_get(request: HttpRequest, ticket_id: int) -> TicketDetailOut:
    return _detail(selectors.ticket_get(actor=_staff_only(request), ticket_id=ticket_id))


def _write_routes(prefix: str, actor_of: Callable[[HttpRequest], Actor], tag: str) -> None:
    """Reply, note, pause, resume and resolve: the same for the platform desk and store CS."""

    @router.post(
        f"{prefix}/{{ticket_id}}/replies",
        response={201: EventOut},
        summary=f"{tag}: reply to the customer",
        operation_id=f"{tag}_reply",
    )
    def reply(request: HttpRequest, ticket_id: int, payload: ReplyIn) -> Status[Any]:
        actor = actor_of(request)
        event = services.ticket_reply(actor=actor, ticket_id=ticket_id, **payload.dict())
        return Status(201, event_out(event, by=actor))

    @router.post(
        f"{prefix}/{{ticket_id}}/notes",
        response={201: EventOut},
        summary=f"{tag}: internal note",
        operation_id=f"{tag}_note",
    )
    def note(request: HttpRequest, ticket_id: int, payload: NoteIn) -> Status[Any]:
        actor = actor_of(request)
        event = services.ticket_note(actor=actor, ticket_id=ticket_id, body=payload.body)
        return Status(201, event_out(event, by=actor))

    @router.post(
        f"{prefix}/{{ticket_id}}/pause",
        response=TicketOut,
        summary=f"{tag}: wait for the customer (clocks stop)",
        operation_id=f"{tag}_pause",
    )
    def pause(request: HttpRequest, ticket_id: int, payload: PauseIn) -> Ticket:
        return services.ticket_pause(actor=actor_of(request), ticket_id=ticket_id, reason=payload.reason)

    @router.post(
        f"{prefix}/{{ticket_id}}/resume",
        response=TicketOut,
        summary=f"{tag}: clocks run again",
        operation_id=f"{tag}_resume",
    )
    def resume(request: HttpRequest, ticket_id: int) -> Ticket:
        return services.ticket_resume(actor=actor_of(request), ticket_id=ticket_id)

    @router.post(
        f"{prefix}/{{ticket_id}}/resolve",
        response=TicketOut,
        summary=f"{tag}: resolve (follow-up due in 3 working days)",
        operation_id=f"{tag}_resolve",
    )
    def resolve(request: HttpRequest, ticket_id: int, payload: ResolveIn) -> Ticket:
        return services.ticket_resolve(actor=actor_of(request), ticket_id=ticket_id, **payload.dict())


_write_routes("/service/tickets", _staff, "service")


@router.post(
    "/service/tickets/{ticket_id}/assign", response=TicketOut, summary="Assign (no assignee_id: route again)"
)
def ticket_assign(request: HttpRequest, ticket_id: int, payload: AssignIn) -> Ticket:
    return services.ticket_assign(actor=_staff(request), ticket_id=ticket_id, assignee_id=payload.assignee_id)


@router.post(
    "/service/tickets/{ticket_id}/extend", response=TicketOut, summary="Special case: 72 h, customer told"
)
def ticket_extend(request: HttpRequest, ticket_id: int, payload: ExtendIn) -> Ticket:
    return services.ticket_extend(actor=_staff(request), ticket_id=ticket_id, message=payload.message)


@router.post(
    "/service/tickets/{ticket_id}/escalate", response=TicketOut, summary="Escalate to the supervisor"
)
def ticket_escalate(request: HttpRequest, ticket_id: int, payload: EscalateIn) -> Ticket:
    return services.ticket_escalate(actor=_staff(request), ticket_id=ticket_id, **payload.dict())


@router.post(
    "/service/tickets/{ticket_id}/rating", response={201: RatingOut}, summary="Record a survey answer"
)
def ticket_rate(request: HttpRequest, ticket_id: int, payload: RatingIn) -> Status[Any]:
    rating = services.ticket_rate(actor=_staff(request), ticket_id=ticket_id, **payload.dict())
    return Status(201, rating)


@router.post(
    "/service/tickets/{ticket_id}/followup", response=TicketOut, summary="Follow-up visit done (closes)"
)
def ticket_followup(request: HttpRequest, ticket_id: int, payload: FollowupIn) -> Ticket:
    return services.ticket_followup(actor=_staff(request), ticket_id=ticket_id, note=payload.note)


@router.get(
    "/service/tickets/{ticket_id}/suggestions", response=list[SuggestionOut], summary="Suggested answers"
)
def ticket_suggestions(request: HttpRequest, ticket_id: int) -> list[SuggestionOut]:
    ticket = selectors.ticket_get(actor=_staff_only(request), ticket_id=ticket_id)
    return [SuggestionOut(**vars(s)) for s in assist.suggest_for_ticket(ticket)]


@router.get("/service/sla-policies", response=list[SlaPolicyOut], summary="SLA policies")
def policy_list(request: HttpRequest) -> list[Any]:
    require_permission(_staff_only(request), "ticket.handle")
    return selectors.sla_policies()


@router.patch(
    "/service/sla-policies/{code}", response=SlaPolicyOut, summary="Change an SLA policy (supervisor)"
)
def policy_update(request: HttpRequest, code: str, payload: PolicyPatch) -> Any:
    return supervision.sla_policy_update(
        actor=request_actor(request), code=code, changes=payload.dict(exclude_unset=True)
    )


@router.get(
    "/service/tasks",
    response=list[ServiceTaskOut],
    summary="Follow-up tasks (second service, escalation, ...)",
)
@paginate(Pagination)
def task_list(request: HttpRequest, kind: str = "", open_only: bool = True) -> Any:
    require_permission(_staff_only(request), "ticket.handle")
    return selectors.task_list(kind=kind, open_only=open_only)


@router.post(
    "/service/problems/detect",
    response={201: list[ServiceTaskOut]},
    summary="Frequent problems → improvement tasks",
)
def problems_detect(request: HttpRequest, payload: DetectIn) -> Status[Any]:
    tasks: list[ServiceTask] = supervision.problems_detect(actor=request_actor(request), **payload.dict())
    return Status(201, tasks)


@router.get("/service/kpis", response=dict[str, Any], summary="CS KPIs over the last N days (R8.1.2)")
def service_kpis(request: HttpRequest, days: int = 30) -> dict[str, Any]:
    require_permission(_staff_only(request), "ticket.supervise")
    return kpis.compute(days=max(1, min(days, 365))).as_dict()


# --- notifications (staff and store CS: the caller's own inbox) --------------------------------------


class ServiceNotificationOut(Schema):
    id: int
    kind: str
    ticket_id: int
    ticket_number: str
    title: str
    body: str
    due_at: datetime | None
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_ticket_number(obj: Notification) -> str:
        return obj.ticket.number


def _inbox_owner(request: HttpRequest) -> Any:
    if getattr(request.user, "kind", None) == Kind.BUYER:
        raise DomainError(
            detail="Staff and store accounts only.",
            code=CoreCode.PERMISSION_DENIED,
            status=403,
            title="Forbidden",
        )
    return request.user


def _inbox_actor(request: HttpRequest) -> Actor:
    _inbox_owner(request)
    return request_actor(request)


@router.get(
    "/service/notifications",
    response=list[ServiceNotificationOut],
    summary="My notifications (SLA warnings and breaches), newest first",
)
@paginate(Pagination)
def notification_list(request: HttpRequest, unread: bool = False) -> Any:
    return notifications.inbox(_inbox_owner(request), unread_only=unread)


@router.post(
    "/service/notifications/{notification_id}/read", response=ServiceNotificationOut, summary="Mark one read"
)
def notification_read(request: HttpRequest, notification_id: int) -> Notification:
    return notifications.notification_read(actor=_inbox_actor(request), notification_id=notification_id)


class ReadAllOut(Schema):
    marked: int


@router.post("/service/notifications/read-all", response=ReadAllOut, summary="Mark all of mine read")
def notification_read_all(request: HttpRequest) -> ReadAllOut:
    return ReadAllOut(marked=notifications.notifications_read_all(actor=_inbox_actor(request)))


# --- buyer -----------------------------------------------------------------------------------------


def _buyer_out(ticket: Ticket) -> BuyerTicketOut:
    out: BuyerTicketOut = BuyerTicketOut.from_orm(ticket)
    return out


@router.post("/buyer/tickets", response={201: BuyerTicketOut}, summary="A buyer asks for help")
def buyer_ticket_create(request: HttpRequest, payload: BuyerTicketIn) -> Status[Any]:
    ticket = services.ticket_create(actor=_buyer(request), **payload.dict())
    return Status(201, _buyer_out(ticket))


@router.get("/buyer/tickets", response=list[BuyerTicketOut], summary="The buyer's own tickets")
@paginate(Pagination)
def buyer_ticket_list(request: HttpRequest) -> Any:
    return selectors.ticket_list(actor=_buyer_only(request))


@router.get("/buyer/tickets/{ticket_id}", response=BuyerTicketOut, summary="One of the buyer's tickets")
def buyer_ticket_get(request: HttpRequest, ticket_id: int) -> BuyerTicketOut:
    return _buyer_out(selectors.ticket_get(actor=_buyer_only(request), ticket_id=ticket_id))


@router.post("/buyer/tickets/{ticket_id}/replies", response={201: EventOut}, summary="The buyer answers")
def buyer_ticket_reply(request: HttpRequest, ticket_id: int, payload: BuyerReplyIn) -> Status[Any]:
    actor = _buyer(request)
    event = services.ticket_reply(actor=actor, ticket_id=ticket_id, body=payload.body, reopen=payload.reopen)
    return Status(201, event_out(event, by=actor))


@router.post("/buyer/tickets/{ticket_id}/rating", response={201: RatingOut}, summary="Rate the service 1-5")
def buyer_ticket_rate(request: HttpRequest, ticket_id: int, payload: RatingIn) -> Status[Any]:
    rating = services.ticket_rate(actor=_buyer(request), ticket_id=ticket_id, **payload.dict())
    return Status(201, rating)


# --- store customer service ------------------------------------------------------------------------


@router.get("/merchant/tickets", response=list[TicketOut], summary="The store's tickets")
@paginate_rows
def merchant_ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> PageRows:
    return PageRows(_list(_merchant_only(request), filters), selectors.ticket_rows)


@router.get("/merchant/tickets/{ticket_id}", response=TicketDetailOut, summary="One of the store's tickets")
def merchant_ticket_get(request: HttpRequest, ticket_id: int) -> TicketDetailOut:
    actor = _merchant_only(request)
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    events = [event_out(e) for e in selectors.ticket_events_for_store(ticket)]
    return _detail(ticket).model_copy(update={"events": events})


_write_routes("/merchant/tickets", _merchant, "merchant")


# procedures, ticket checklists and training (R5.1.5), and agent profiles, the reply library, escalation
# targets and complaint handling (issue 15) add their routes to this router
from mallops.service import api_config, api_procedures  # noqa: E402, F401
