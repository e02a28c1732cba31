"""Ticket writes: intake, replies, notes, assignment, pauses, special extension, resolution, rating,
follow-up, escalation, SLA policy edits and frequent-problem detection. Every step is a TicketEvent and
an audit event (R5.1.1)."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.models import Merchant, User
from mallops.accounts.roles import Kind
from mallops.accounts.selectors import user_merchant, user_permissions
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.service import assist, checklist, complaints, escalation, notifications, routing, sla, timeline
from mallops.service.errors import ServiceCode
from mallops.service.models import (
    Category,
    Channel,
    Priority,
    ServiceTask,
    Status,
    Target,
    Ticket,
    TicketEvent,
    TicketPause,
    TicketRating,
)

CSAT_TARGET = Decimal("4.5")
SECOND_SERVICE_BELOW = Decimal("4")
COMPENSATION_BELOW = Decimal("2.5")
_BODY_MAX = 5000


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "assignee": ticket.assignee_id,
        "priority": ticket.priority,
        "category": ticket.category,
        "escalation_level": ticket.escalation_level,
        "procedure_version": ticket.procedure_version_id,
        "routing_hold_reason": ticket.routing_hold_reason,
    }


def _text(value: str, field: str, *, required: bool = True, limit: int = _BODY_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise validation_error([FieldError(("body", field), "must not be empty", "required")])
    if len(value) > limit:
        raise validation_error([FieldError(("body", field), f"at most {limit} characters", "too_long")])
    return value


def tickets_for(actor: Actor) -> QuerySet[Ticket]:
    """The tickets ``actor`` may see: staff with ticket.handle all, merchant CS its store's, a buyer own."""
    kind = getattr(actor, "kind", None)
    if kind == Kind.BUYER:
        own: QuerySet[Ticket] = Ticket.objects.unscoped(reason="a buyer's own tickets").filter(
            buyer_id=actor.pk
        )
        return own
    if kind == Kind.MERCHANT:
        member = user_merchant(actor)
        if member is None:
            raise not_found("merchant")
        require_permission(actor, "store.service.handle")
        store: QuerySet[Ticket] = Ticket.objects.for_merchant(member.merchant_id)
        return store
    require_permission(actor, "ticket.handle")
    every: QuerySet[Ticket] = Ticket.objects.for_platform(actor, "ticket.handle")
    return every


def _locked(actor: Actor, ticket_id: int) -> Ticket:
    ticket = tickets_for(actor).select_for_update().filter(pk=ticket_id).first()
    if ticket is None:
        raise not_found("ticket")
    return ticket


def _handler_only(actor: Actor) -> None:
    if getattr(actor, "kind", None) == Kind.BUYER:
        raise DomainError(
            detail="Only service staff can do this.",
            code=CoreCode.PERMISSION_DENIED,
            status=403,
            title="Forbidden",
        )


def _require_open(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise conflict(f"Ticket {ticket.number} is {ticket.status}.", code=ServiceCode.TICKET_NOT_OPEN)


def _handled_open(actor: Actor, ticket_id: int) -> Ticket:
    """An agent's (or supervisor's) hold on an open ticket: checked, locked for the change."""
    _handler_only(actor)
    ticket = _locked(actor, ticket_id)
    _require_open(ticket)
    return ticket


def _new_number(now: datetime) -> str:
    day = timezone.localtime(now).strftime("%Y%m%d")
    while True:
        number = f"T{day}{secrets.token_hex(3).upper()}"
        if not Ticket.objects.unscoped(reason="number uniqueness").filter(number=number).exists():
            return number


def _assign(ticket: Ticket, user_id: int | None, *, at: datetime, actor: Actor | None, how: str) -> None:
    held = bool(ticket.routing_hold_reason)
    ticket.assignee_id = user_id
    ticket.assigned_at = at if user_id is not None else None
    if ticket.status == Status.NEW and user_id is not None:
        ticket.status = Status.OPEN
    ticket.routing_hold_reason = "" if user_id is not None else ticket.routing_hold_reason
    ticket.save(update_fields=["assignee", "assigned_at", "status", "routing_hold_reason"])
    if user_id is not None and held:
        notifications.hold_cleared(ticket, at=at)
    timeline.record(ticket, at, actor, "assigned", internal=True, assignee=user_id, how=how)


def _hold(ticket: Ticket, reason: str, *, at: datetime) -> None:
    """Routing found nobody trained: the ticket waits for the supervisor, the reason on record."""
    if reason:
        ticket.routing_hold_reason = reason
        ticket.save(update_fields=["routing_hold_reason"])
        timeline.record(ticket, at, None, "routing_held", reason, internal=True)
        notifications.hold_notify(ticket, reason, now=at)


@transaction.atomic
def ticket_create(
    *,
    actor: Actor,
    subject: str,
    description: str,
    channel: str = Channel.API,
    category: str | None = None,
    priority: str = Priority.NORMAL,
    buyer_id: int | None = None,
    merchant_id: int | None = None,
    order_ref: str = "",
    is_serious: bool = False,
    now: datetime | None = None,
) -> Ticket:
    """Intake from any channel; a buyer files for themselves, staff (ticket.handle) name the buyer."""
    at = _now(now)
    errors: list[FieldError] = []
    if getattr(actor, "kind", None) == Kind.BUYER:
        buyer_id = actor.user_id
    else:
        require_permission(actor, "ticket.handle")
        buyer = User.objects.filter(pk=buyer_id, kind=Kind.BUYER).first() if buyer_id else None
        if buyer is None:
            errors.append(FieldError(("body", "buyer_id"), "no such buyer", "not_found"))
        buyer_id = buyer.pk if buyer is not None else None
    if channel not in Channel.values:
        errors.append(
            FieldError(("body", "channel"), f"one of {', '.join(Channel.values)}", "invalid_choice")
        )
    if category is not None and category not in Category.values:
        errors.append(
            FieldError(("body", "category"), f"one of {', '.join(Category.values)}", "invalid_choice")
        )
    if priority not in Priority.values:
        errors.append(
            FieldError(("body", "priority"), f"one of {', '.join(Priority.values)}", "invalid_choice")
        )
    merchant = Merchant.objects.filter(pk=merchant_id).first() if merchant_id else None
    if merchant_id and merchant is None:
        errors.append(FieldError(("body", "merchant_id"), "no such merchant", "not_found"))
    if len(order_ref) > 40:
        errors.append(FieldError(("body", "order_ref"), "at most 40 characters", "too_long"))
    if errors:
        raise validation_error(errors)
    subject = _text(subject, "subject", limit=200)
    description = _text(description, "description")
    predicted = category is None
    if category is None:
        category = assist.predict_category(f"{subject} {description}") or Category.SERVICE
    ticket: Ticket = Ticket.objects.create(
        number=_new_number(at),
        channel=channel,
        category=category,
        predicted_category=predicted,
        priority=priority,
        subject=subject,
        description=description,
        buyer_id=buyer_id,
        merchant=merchant,
        order_ref=order_ref.strip(),
        is_serious=is_serious,
        created_at=at,
    )
    timeline.record(
        ticket, at, actor, "created", description, channel=channel, category=category, predicted=predicted
    )
    sla.start(ticket, Target.FIRST_RESPONSE, at)
    sla.start(ticket, Target.RESOLUTION, at)
    sla.refresh(ticket)
    checklist.attach(ticket, at=at)
    choice = routing.route(ticket)
    if choice.agent is not None:
        _assign(ticket, choice.agent.pk if choice.agent is not None else None, at=at, actor=None, how="auto")
    _hold(ticket, choice.hold_reason, at=at)
    if escalation.is_serious_complaint(ticket):
        escalation.escalate(ticket, now=at, reason="serious complaint received", actor=actor)
    audit_record(actor=actor, action="service.ticket_created", obj=ticket, after=_snapshot(ticket))
    return ticket


@transaction.atomic
def ticket_reply(
    *,
    actor: Actor,
    ticket_id: int,
    body: str,
    complex_issue: bool = False,
    reopen: bool = False,
    now: datetime | None = None,
) -> TicketEvent:
    """A message to (or, from the buyer, from) the customer; the first staff reply meets first response."""
    at = _now(now)
    ticket = _locked(actor, ticket_id)
    body = _text(body, "body")
    if getattr(actor, "kind", None) == Kind.BUYER:
        if ticket.status == Status.CLOSED:
            raise conflict("The ticket is closed; open a new one.", code=ServiceCode.TICKET_NOT_OPEN)
        event = timeline.record(ticket, at, actor, "customer_reply", body)
        if ticket.status == Status.WAITING:
            _resume(ticket, at=at, actor=actor, why="customer replied")
        elif ticket.status == Status.RESOLVED and reopen:
            _reopen(ticket, at=at, actor=actor)
        audit_record(actor=actor, action="service.ticket_customer_replied", obj=ticket)
        return event
    _require_open(ticket)
    before = _snapshot(ticket)
    event = timeline.record(ticket, at, actor, "reply", body)
    if ticket.first_response_at is None:
        ticket.first_response_at = at
        ticket.save(update_fields=["first_response_at"])
        sla.meet(ticket, Target.FIRST_RESPONSE, at)
    if complex_issue and not ticket.is_complex:
        ticket.is_complex = True
        ticket.save(update_fields=["is_complex"])
        sla.start(ticket, Target.INITIAL_ANSWER, ticket.created_at)
        timeline.record(ticket, at, actor, "marked_complex", internal=True)
    elif ticket.is_complex and not complex_issue:
        sla.meet(ticket, Target.INITIAL_ANSWER, at)
    if ticket.assignee_id is None:
        _assign(ticket, actor.user_id, at=at, actor=actor, how="took by replying")
    elif ticket.status == Status.NEW:
        ticket.status = Status.OPEN
        ticket.save(update_fields=["status"])
    sla.refresh(ticket)
    audit_record(
        actor=actor,
        action="service.ticket_replied",
        obj=ticket,
        before=before,
        after=_snapshot(ticket),
    )
    return event


def _reopen(ticket: Ticket, *, at: datetime, actor: Actor) -> None:
    """The buyer says the problem is not solved: back to the desk with a fresh resolution clock."""
    for row in sla.pending(ticket, Target.FOLLOW_UP):
        row.superseded = True
        row.save(update_fields=["superseded"])
    ticket.status = Status.OPEN if ticket.assignee_id else Status.NEW
    ticket.resolved_at = None
    ticket.save(update_fields=["status", "resolved_at"])
    sla.start(ticket, Target.RESOLUTION, at, special=False)
    timeline.record(ticket, at, actor, "reopened", "customer says the problem is not solved")
    sla.refresh(ticket)


@transaction.atomic
def ticket_note(*, actor: Actor, ticket_id: int, body: str, now: datetime | None = None) -> TicketEvent:
    """An internal note: staff and store CS see it, the buyer never does."""
    _handler_only(actor)
    ticket = _locked(actor, ticket_id)
    event = timeline.record(ticket, _now(now), actor, "note", _text(body, "body"), internal=True)
    audit_record(actor=actor, action="service.ticket_noted", obj=ticket)
    return event


@transaction.atomic
def ticket_assign(
    *,
    actor: Actor,
    ticket_id: int,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Assign to a named agent, or (no id) route again automatically."""
    at = _now(now)
    ticket = _handled_open(actor, ticket_id)
    before = _snapshot(ticket)
    if assignee_id is None:
        choice = routing.route(ticket)
        agent, how = choice.agent, "auto"
        _hold(ticket, choice.hold_reason, at=at)
    else:
        agent = User.objects.filter(pk=assignee_id, is_active=True).first()
        allowed = agent is not None and (
            "ticket.handle" in user_permissions(agent)
            or (
                "store.service.handle" in user_permissions(agent)
                and (m := user_merchant(agent)) is not None
                and m.merchant_id == ticket.merchant_id
            )
        )
        if not allowed:
            raise validation_error(
                [FieldError(("body", "assignee_id"), "not an agent for this ticket", "invalid")]
            )
        how = "manual"
        checklist.note_untrained_assignee(ticket, agent, at=at, actor=actor)
    _assign(ticket, agent.pk if agent is not None else None, at=at, actor=actor, how=how)
    audit_record(
        actor=actor,
        action="service.ticket_assigned",
        obj=ticket,
        before=before,
        after=_snapshot(ticket),
    )
    return ticket


@transaction.atomic
def ticket_pause(*, actor: Actor, ticket_id: int, reason: str = "", now: datetime | None = None) -> Ticket:
    """Wait for the customer: the SLA clocks stop until the customer answers or an agent resumes."""
    at = _now(now)
    ticket = _handled_open(actor, ticket_id)
    if ticket.status == Status.WAITING:
        raise conflict("The ticket is already waiting for the customer.", code=ServiceCode.ALREADY_PAUSED)
    reason = _text(reason, "reason", required=False, limit=200)
    TicketPause.objects.create(ticket=ticket, started_at=at, reason=reason)
    ticket.status = Status.WAITING
    ticket.save(update_fields=["status"])
    timeline.step(ticket, at, actor, "paused", reason, "service.ticket_paused", after={"reason": reason})
    return ticket


def _resume(ticket: Ticket, *, at: datetime, actor: Actor, why: str) -> None:
    ticket.pauses.filter(ended_at=None).update(ended_at=at)
    ticket.status = Status.OPEN if ticket.assignee_id else Status.NEW
    ticket.save(update_fields=["status"])
    timeline.record(ticket, at, actor, "resumed", why)
    sla.refresh(ticket)


@transaction.atomic
def ticket_resume(*, actor: Actor, ticket_id: int, now: datetime | None = None) -> Ticket:
    _handler_only(actor)
    ticket = _locked(actor, ticket_id)
    if ticket.status != Status.WAITING:
        raise conflict("The ticket is not waiting for the customer.", code=ServiceCode.NOT_PAUSED)
    _resume(ticket, at=_now(now), actor=actor, why="resumed by agent")
    audit_record(actor=actor, action="service.ticket_resumed", obj=ticket)
    return ticket


@transaction.atomic
def ticket_extend(*, actor: Actor, ticket_id: int, message: str, now: datetime | None = None) -> Ticket:
    """A special case: resolution moves to the special policy (72 h); the customer is told first."""
    at = _now(now)
    ticket = _handled_open(actor, ticket_id)
    message = _text(message, "message")
    if ticket.is_special:
        raise conflict("The ticket is already a special case.", code=ServiceCode.ALREADY_SPECIAL)
    current = sla.pending(ticket, Target.RESOLUTION)
    if not current or any(r.due_at is not None and r.due_at <= at for r in current):
        raise conflict("The customer must be told before the resolution deadline.", code=ServiceCode.TOO_LATE)
    policy = sla.pick_policy(
        Target.RESOLUTION,
        category=ticket.category,
        priority=ticket.priority,
        channel=ticket.channel,
        special=True,
    )
    if policy is None:
        raise conflict("No special-case policy is active.", code=ServiceCode.NO_POLICY)
    for row in current:
        row.superseded = True
        row.save(update_fields=["superseded"])
    ticket.is_special = True
    ticket.save(update_fields=["is_special"])
    sla.start(ticket, Target.RESOLUTION, ticket.created_at, special=True)
    code: dict[str, Any] = {"policy": policy.code}
    timeline.step(ticket, at, actor, "extended", message, "service.ticket_extended", after=code, **code)
    return ticket


@transaction.atomic
def ticket_resolve(
    *,
    actor: Actor,
    ticket_id: int,
    summary: str,
    unresolved_reason: str = "",
    proposed_solution: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Resolved: clocks stop; the follow-up visit falls due in 3 working days (R5.1.4). A complaint
    past its deadline needs the reason and a proposed solution (given now or before, R5.2.3)."""
    at = _now(now)
    ticket = _handled_open(actor, ticket_id)
    checklist.require_resolvable(ticket, actor)
    before = _snapshot(ticket)
    summary = _text(summary, "summary")
    if unresolved_reason.strip():
        ticket.unresolved_reason = _text(unresolved_reason, "unresolved_reason")
    if proposed_solution.strip():
        ticket.proposed_solution = _text(proposed_solution, "proposed_solution")
    complaints.require_explanation(ticket)
    ticket.pauses.filter(ended_at=None).update(ended_at=at)
    for target in (Target.FIRST_RESPONSE, Target.INITIAL_ANSWER, Target.RESOLUTION):
        sla.meet(ticket, target, at)
    ticket.first_response_at = ticket.first_response_at or at
    ticket.status = Status.RESOLVED
    ticket.resolved_at = at
    ticket.resolution_summary = summary
    ticket.save(
        update_fields=[
            "first_response_at",
            "status",
            "resolved_at",
            "resolution_summary",
            "unresolved_reason",
            "proposed_solution",
        ]
    )
    sla.start(ticket, Target.FOLLOW_UP, at)
    after = _snapshot(ticket)
    timeline.step(
        ticket,
        at,
        actor,
        "resolved",
        summary,
        "service.ticket_resolved",
        before=before,
        after=after,
        unresolved_reason=ticket.unresolved_reason,
        proposed_solution=ticket.proposed_solution,
    )
    return ticket


def _score(value: int, field: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise validation_error([FieldError(("body", field), "a whole number from 1 to 5", "out_of_range")])
    return value


@transaction.atomic
def ticket_rate(
    *,
    actor: Actor,
    ticket_id: int,
    speed: int,
    efficiency: int,
    quality: int,
    attitude: int,
    comment: str = "",
    now: datetime | None = None,
) -> TicketRating:
    """The satisfaction survey (buyer, or staff recording a phone survey); below 4 opens a task."""
    at = _now(now)
    ticket = _locked(actor, ticket_id)
    if getattr(actor, "kind", None) == Kind.MERCHANT:
        raise DomainError(
            detail="Only the buyer or platform staff record ratings.",
            code=CoreCode.PERMISSION_DENIED,
            status=403,
            title="Forbidden",
        )
    scores = {
        f: _score(v, f)
        for f, v in (
            ("speed", speed),
            ("efficiency", efficiency),
            ("quality", quality),
            ("attitude", attitude),
        )
    }
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise conflict("A ticket can be rated once it is resolved.", code=ServiceCode.NOT_RESOLVED)
    if TicketRating.objects.filter(ticket=ticket).exists():
        raise conflict("The ticket is already rated.", code=ServiceCode.ALREADY_RATED)
    score = (Decimal(sum(scores.values())) / 4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rating = TicketRating.objects.create(
        ticket=ticket, score=score, comment=_text(comment, "comment", required=False), rated_at=at, **scores
    )
    timeline.record(ticket, at, actor, "rated", rating.comment, score=str(score), scores=scores)
    if score < SECOND_SERVICE_BELOW:
        kind = (
            ServiceTask.Kind.COMPENSATION if score < COMPENSATION_BELOW else ServiceTask.Kind.SECOND_SERVICE
        )
        task = ServiceTask.objects.create(
            kind=kind,
            ticket=ticket,
            title=f"{ticket.number}: satisfaction {score} — {kind.value.replace('_', ' ')}",
            detail=rating.comment,
            assignee=escalation.pick_supervisor() or ticket.assignee,
            created_at=at,
        )
        timeline.record(
            ticket, at, None, "task_opened", task.title, internal=True, task=task.pk, task_kind=str(kind)
        )
    audit_record(
        actor=actor,
        action="service.ticket_rated",
        obj=ticket,
        after={"score": str(score), **scores},
    )
    return rating


@transaction.atomic
def ticket_followup(*, actor: Actor, ticket_id: int, note: str, now: datetime | None = None) -> Ticket:
    """The follow-up visit is done: the loop is closed (R5.1.1, R5.1.4)."""
    _handler_only(actor)
    at = _now(now)
    ticket = _locked(actor, ticket_id)
    if ticket.status != Status.RESOLVED:
        raise conflict("Only a resolved ticket gets a follow-up visit.", code=ServiceCode.NOT_RESOLVED)
    complaints.require_explanation(ticket)
    note = _text(note, "note")
    sla.meet(ticket, Target.FOLLOW_UP, at)
    ticket.followup_done_at = at
    ticket.status = Status.CLOSED
    ticket.closed_at = at
    ticket.save(update_fields=["followup_done_at", "status", "closed_at"])
    after = {"status": ticket.status}
    timeline.step(ticket, at, actor, "followed_up", note, "service.ticket_closed", after=after)
    return ticket


@transaction.atomic
def ticket_escalate(
    *,
    actor: Actor,
    ticket_id: int,
    reason: str,
    serious: bool = False,
    now: datetime | None = None,
) -> Ticket:
    """Manual escalation by an agent; ``serious`` marks a serious complaint (management + regulator flag)."""
    ticket = _handled_open(actor, ticket_id)
    reason = _text(reason, "reason", limit=500)
    if serious and not ticket.is_serious:
        ticket.is_serious = True
        ticket.save(update_fields=["is_serious"])
    escalation.escalate(ticket, now=_now(now), reason=reason, actor=actor)
    return ticket
