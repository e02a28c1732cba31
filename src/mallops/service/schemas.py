"""API shapes of the service app. Bodies keep defaults so scoping answers before validation (404 first)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mallops.core.actors import Actor
from mallops.core.inputs import Id, MultilineText, Schema, SmallInt
from mallops.service.models import Ticket, TicketEvent, TicketRating, TicketSla, TicketStep
from mallops.service.selectors import calendar_warnings


class TicketIn(Schema):
    subject: str = ""
    description: MultilineText = ""
    channel: str = "api"
    category: str | None = None
    priority: str = "normal"
    buyer_id: Id | None = None
    merchant_id: Id | None = None
    order_ref: str = ""
    is_serious: bool = False


class BuyerTicketIn(Schema):
    subject: str = ""
    description: MultilineText = ""
    channel: str = "app"
    category: str | None = None
    merchant_id: Id | None = None
    order_ref: str = ""


class ReplyIn(Schema):
    body: MultilineText = ""
    complex_issue: bool = False


class NoteIn(Schema):
    body: MultilineText = ""


class BuyerReplyIn(Schema):
    body: MultilineText = ""
    reopen: bool = False


class AssignIn(Schema):
    assignee_id: Id | None = None


class PauseIn(Schema):
    reason: MultilineText = ""


class ExtendIn(Schema):
    message: MultilineText = ""


class ResolveIn(Schema):
    summary: MultilineText = ""
    unresolved_reason: MultilineText = ""
    proposed_solution: MultilineText = ""


class RatingIn(Schema):
    speed: SmallInt = 0
    efficiency: SmallInt = 0
    quality: SmallInt = 0
    attitude: SmallInt = 0
    comment: MultilineText = ""


class FollowupIn(Schema):
    note: MultilineText = ""


class EscalateIn(Schema):
    reason: MultilineText = ""
    serious: bool = False


class EventOut(Schema):
    id: int
    at: datetime
    kind: str
    body: str
    internal: bool
    actor: str | None
    data: dict[str, Any]


class SlaOut(Schema):
    policy: str
    target: str
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    superseded: bool


class RatingOut(Schema):
    speed: int
    efficiency: int
    quality: int
    attitude: int
    score: Decimal
    comment: str
    rated_at: datetime


class TicketOut(Schema):
    id: int
    number: str
    channel: str
    category: str
    priority: str
    status: str
    subject: str
    description: str
    buyer_id: int
    merchant_id: int | None
    order_ref: str
    assignee_id: int | None
    is_complex: bool
    is_special: bool
    is_serious: bool
    escalation_level: int
    flagged_for_regulators: bool
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime | None
    initial_answer_due_at: datetime | None
    resolution_due_at: datetime | None
    followup_due_at: datetime | None
    calendar_warnings: list[str]
    routing_hold_reason: str

    @staticmethod
    def resolve_calendar_warnings(obj: Ticket) -> list[str]:
        return calendar_warnings(obj)


class ChecklistItemOut(Schema):
    """One step of the ticket's procedure checklist (R5.1.5, R8.4.1); ``id`` is what the agent ticks."""

    id: int
    position: int
    title: str
    guidance: str
    is_required: bool
    done: bool
    done_at: datetime | None
    done_by: str | None
    note: str


def checklist_item_out(row: TicketStep) -> ChecklistItemOut:
    return ChecklistItemOut(
        id=row.pk,
        position=row.step.position,
        title=row.step.title,
        guidance=row.step.guidance,
        is_required=row.step.is_required,
        done=row.done_at is not None,
        done_at=row.done_at,
        done_by=None if row.done_by is None else row.done_by.username,
        note=row.note,
    )


class RegulatorFollowUpOut(Schema):
    at: datetime
    note: str


class RegulatorReportOut(Schema):
    """A serious complaint reported to a regulator and its follow-up (R5.2.4)."""

    id: int
    ticket_id: int
    regulator: str
    reported_at: datetime
    reference: str
    state: str
    next_followup_on: date | None
    closed_at: datetime | None
    followups: list[RegulatorFollowUpOut]

    @staticmethod
    def resolve_followups(obj: Any) -> list[RegulatorFollowUpOut]:
        return [RegulatorFollowUpOut(at=f.at, note=f.note) for f in obj.followups.all()]


class TicketDetailOut(TicketOut):
    resolution_summary: str
    unresolved_reason: str
    proposed_solution: str
    explanation_requested_at: datetime | None
    management_escalated_to_id: int | None
    regulator_reports: list[RegulatorReportOut]
    events: list[EventOut]
    slas: list[SlaOut]
    rating: RatingOut | None
    procedure: str | None
    checklist: list[ChecklistItemOut]

    @staticmethod
    def resolve_regulator_reports(obj: Ticket) -> list[Any]:
        return list(obj.regulator_reports.prefetch_related("followups").order_by("reported_at", "pk"))

    @staticmethod
    def resolve_procedure(obj: Ticket) -> str | None:
        version = obj.procedure_version
        return None if version is None else f"{version.procedure.code} v{version.number}"

    @staticmethod
    def resolve_checklist(obj: Ticket) -> list[ChecklistItemOut]:
        rows = TicketStep.objects.filter(ticket_id=obj.pk).select_related("step", "done_by")
        return [checklist_item_out(r) for r in rows.order_by("step__position")]

    @staticmethod
    def resolve_events(obj: Ticket) -> list[EventOut]:
        return [event_out(e) for e in obj.events.select_related("actor").order_by("at", "pk")]

    @staticmethod
    def resolve_slas(obj: Ticket) -> list[SlaOut]:
        return [sla_out(r) for r in obj.slas.select_related("policy").order_by("started_at", "pk")]

    @staticmethod
    def resolve_rating(obj: Ticket) -> Any:
        return TicketRating.objects.filter(ticket_id=obj.pk).first()


class BuyerTicketOut(Schema):
    id: int
    number: str
    channel: str
    category: str
    status: str
    subject: str
    description: str
    order_ref: str
    created_at: datetime
    resolved_at: datetime | None
    resolution_summary: str
    timeline: list[EventOut]

    @staticmethod
    def resolve_timeline(obj: Ticket) -> list[EventOut]:
        """What the buyer sees: customer-facing steps only, agents not named."""
        events = obj.events.filter(internal=False).order_by("at", "pk")
        return [event_out(e).model_copy(update={"actor": None}) for e in events]


def event_out(event: TicketEvent, *, by: Actor | None = None) -> EventOut:
    """``by``: the caller who just wrote ``event`` (its name is read from the Actor, not the user row)."""
    author: Any = by if by is not None and by.user_id is not None and by.user_id == event.actor_id else None
    if author is None and event.actor_id is not None:
        author = event.actor
    return EventOut(
        id=event.pk,
        at=event.at,
        kind=event.kind,
        body=event.body,
        internal=event.internal,
        actor=None if author is None else ("buyer" if author.kind == "buyer" else author.username),
        data=event.data,
    )


def sla_out(row: TicketSla) -> SlaOut:
    return SlaOut(
        policy=row.policy.code,
        target=row.target,
        started_at=row.started_at,
        due_at=row.due_at,
        warn_at=row.warn_at,
        met_at=row.met_at,
        breached_at=row.breached_at,
        superseded=row.superseded,
    )


class SuggestionOut(Schema):
    template_id: int
    title: str
    body: str
    category: str
    score: float


class SlaPolicyOut(Schema):
    code: str
    label: str
    target: str
    category: str
    priority: str
    channel: str
    special: bool
    basis: str
    minutes: int
    working_days: int
    window: str
    warning_lead_minutes: int | None
    notify_customer: bool
    is_active: bool
    description: str
    effective_from: datetime | None = None

    @staticmethod
    def resolve_description(obj: Any) -> str:
        return str(obj.describe())


class PolicyPatch(Schema):
    label: str | None = None
    minutes: SmallInt | None = None
    working_days: SmallInt | None = None
    window: str | None = None
    warning_lead_minutes: SmallInt | None = None
    basis: str | None = None
    is_active: bool | None = None
    notify_customer: bool | None = None


class ServiceTaskOut(Schema):
    id: int
    kind: str
    title: str
    detail: str
    ticket_id: int | None
    assignee_id: int | None
    is_done: bool
    created_at: datetime


class DetectIn(Schema):
    days: SmallInt = 30
    top: SmallInt = 5
    min_size: SmallInt = 3
