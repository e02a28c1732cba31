"""Technical-support tickets (R6.3.1): writes and reads.

Who does what:

* **Reporting**: any active staff member, or an active member of a store (the store is taken from the
  member's own membership, never from the request). Buyers have the buyer service desk (``service``).
* **Handling** (acknowledge, reply, assign, severity, resolve, escalate, link): technical operations, the
  holders of ``system.operate``.
* **Confirming** a resolution (close) or reopening it: the reporter's side (the reporter, or any member of
  the reporting store), or technical operations.

Reads fail closed: technical operations see every ticket (``for_platform``), a store member the store's
tickets (``for_merchant``), a staff member the tickets they reported; internal notes are shown only to
technical operations.

Every write is one ``audited`` transaction that locks the ticket row, appends to its timeline and writes an
audit event. The first response is the first step of technical operations that the reporter can see (a
reply, acknowledging, starting work or resolving); it stops the response clock. Resolving stops the
resolution clock. The timers ``response_due_at`` / ``resolution_due_at`` are swept by
``ops.support_response_target`` / ``ops.support_resolution_target`` (``ops/sweeps.py``), which tell the
assignee, or every technical-operations member when nobody is assigned, that a target was missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.selectors import staff_with_permission, user_permissions
from mallops.audit.services import audit_record, audited
from mallops.core.actors import SYSTEM, Actor, ActorKind
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError, not_found, permission_denied, validation_error
from mallops.ops import incidents
from mallops.ops.errors import OpsCode
from mallops.ops.models import (
    IncidentKind,
    IncidentSeverity,
    SupportEventKind,
    SupportKind,
    SupportNotice,
    SupportSeverity,
    SupportStatus,
    SupportTicket,
    SupportTicketEvent,
)
from mallops.ops.support_rules import deadlines
from mallops.workdays.selectors import calendar_data

HANDLE_PERMISSION = "system.operate"

TRANSITIONS: dict[str, frozenset[str]] = {
    SupportStatus.NEW: frozenset({SupportStatus.ACKNOWLEDGED, SupportStatus.IN_PROGRESS, SupportStatus.RESOLVED}),
    SupportStatus.ACKNOWLEDGED: frozenset({SupportStatus.IN_PROGRESS, SupportStatus.RESOLVED}),
    SupportStatus.IN_PROGRESS: frozenset({SupportStatus.RESOLVED}),
    SupportStatus.RESOLVED: frozenset({SupportStatus.CLOSED, SupportStatus.IN_PROGRESS}),
    SupportStatus.CLOSED: frozenset(),
}  # fmt: skip
# the moves the reporter's side may make: confirm the fix, or say it is not fixed
REPORTER_MOVES = frozenset({(SupportStatus.RESOLVED, SupportStatus.CLOSED), (SupportStatus.RESOLVED, SupportStatus.IN_PROGRESS)})  # fmt: skip
# a fault this bad may become an operations incident
ESCALATABLE = frozenset({SupportSeverity.P1, SupportSeverity.P2})


def _authenticated(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise DomainError(
            detail="Authentication required.", code=CoreCode.UNAUTHENTICATED, status=401, title="Unauthorized"
        )


def is_handler(actor: Actor | None) -> bool:
    """Technical operations: may handle every ticket (the menu badge builds the actor, ``OpsConfig.ready``)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if HANDLE_PERMISSION not in user_permissions(actor):
        return False
    scopes = actor.token_scopes
    return scopes is None or "*" in scopes or HANDLE_PERMISSION in scopes


def can_report(actor: Actor) -> bool:
    """Staff and the members of a store may report."""
    return actor.is_authenticated and (actor.kind == ActorKind.STAFF or actor.merchant_id is not None)


def tickets_visible(*, actor: Actor) -> QuerySet[SupportTicket]:
    """The tickets ``actor`` may read (fails closed: 403 for anyone else, e.g. buyers)."""
    _authenticated(actor)
    qs: Any = SupportTicket.objects.select_related("merchant", "reporter", "assignee", "incident")
    scoped: QuerySet[SupportTicket]
    if is_handler(actor):
        scoped = qs.for_platform(actor, HANDLE_PERMISSION)
    elif actor.merchant_id is not None:
        scoped = qs.for_merchant(actor.merchant_id)
    elif actor.kind == ActorKind.STAFF:
        scoped = qs.unscoped(reason="a staff member's own reports").filter(
            reporter_id=actor.user_id, merchant__isnull=True
        )
    else:
        raise permission_denied("support.report")
    return scoped


def ticket_get(*, actor: Actor, ticket_id: int) -> SupportTicket:
    ticket = tickets_visible(actor=actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise not_found("support ticket")
    return ticket


def timeline(*, actor: Actor, ticket: SupportTicket) -> QuerySet[SupportTicketEvent]:
    events = ticket.events.all()
    return events if is_handler(actor) else events.filter(is_internal=False)


def notices(*, actor: Actor, unread_only: bool = True) -> QuerySet[SupportNotice]:
    qs = SupportNotice.objects.filter(recipient_id=actor.user_id).select_related("ticket")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def notices_unread_count(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return SupportNotice.objects.filter(recipient=user, read_at__isnull=True).count()


def notices_read(*, actor: Actor, now: datetime | None = None) -> int:
    _authenticated(actor)
    return SupportNotice.objects.filter(recipient_id=actor.user_id, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


# ---------------------------------------------------------------- writes


def _username(actor: Actor) -> str:
    return actor.username or "system"


def _event(
    ticket: SupportTicket,
    kind: str,
    actor: Actor,
    at: datetime,
    *,
    text: str = "",
    before: str = "",
    after: str = "",
    is_internal: bool = False,
) -> SupportTicketEvent:
    return SupportTicketEvent.objects.create(
        ticket=ticket,
        at=at,
        kind=kind,
        text=text,
        actor_username=_username(actor),
        is_internal=is_internal,
        before=before,
        after=after,
    )


def _audit(actor: Actor, action: str, ticket: SupportTicket, **change: Any) -> None:
    audit_record(actor=actor, action=action, obj=ticket, merchant_id=ticket.merchant_id, **change)


def _notify(ticket: SupportTicket, kind: str, recipient_ids: list[int], now: datetime) -> int:
    for recipient_id in recipient_ids:
        SupportNotice.objects.get_or_create(
            recipient_id=recipient_id, ticket=ticket, kind=kind, defaults={"created_at": now}
        )
    return len(recipient_ids)


def _handler_ids() -> list[int]:
    return list(staff_with_permission(HANDLE_PERMISSION).values_list("pk", flat=True))


def _locked(actor: Actor, ticket_id: int) -> SupportTicket:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the joined store, assignee, incident
    ticket = tickets_visible(actor=actor).select_for_update(of=("self",)).filter(pk=ticket_id).first()
    if ticket is None:
        raise not_found("support ticket")
    return ticket


def _require_handler(actor: Actor) -> None:
    _authenticated(actor)
    if not is_handler(actor):
        raise permission_denied(HANDLE_PERMISSION)


def _check_choice(field: str, value: str, choices: list[str]) -> FieldError | None:
    if value not in choices:
        return FieldError(("body", field), f"use one of {', '.join(choices)}")
    return None


def _responded(ticket: SupportTicket, now: datetime) -> list[str]:
    """Stop the response clock at the first step the reporter sees; the fields changed."""
    if ticket.responded_at is not None:
        return []
    ticket.responded_at = now
    ticket.response_due_at = None
    return ["responded_at", "response_due_at"]


def support_ticket_report(
    *,
    actor: Actor,
    kind: str,
    severity: str,
    title: str,
    description: str = "",
    now: datetime | None = None,
) -> SupportTicket:
    """Report a technical problem; starts both clocks. A P1 must be a fault (422) and tells every
    technical-operations member at once. 403 for anyone who is neither staff nor a store member."""
    _authenticated(actor)
    if not can_report(actor):
        raise permission_denied("support.report")
    errors = [
        error
        for error in (
            _check_choice("kind", kind, SupportKind.values),
            _check_choice("severity", severity, SupportSeverity.values),
        )
        if error is not None
    ]
    if not errors and severity == SupportSeverity.P1 and kind != SupportKind.FAULT:
        errors.append(FieldError(("body", "severity"), "P1 is for faults only"))
    if not title.strip():
        errors.append(FieldError(("body", "title"), "must not be empty"))
    if errors:
        raise validation_error(errors)
    now = now or timezone.now()
    merchant_id = actor.merchant_id if actor.kind != ActorKind.STAFF else None
    targets = deadlines(calendar_data(), severity=severity, reported_at=now)
    with audited():
        ticket: SupportTicket = SupportTicket.objects.create(
            merchant_id=merchant_id,
            reporter_id=actor.user_id,
            kind=kind,
            severity=severity,
            title=title.strip(),
            description=description,
            created_at=now,
            response_deadline_at=targets.response_at,
            resolution_deadline_at=targets.resolution_at,
            response_due_at=targets.response_at,
            resolution_due_at=targets.resolution_at,
        )
        _event(ticket, SupportEventKind.OPENED, actor, now, text=description, after=severity)
        if severity == SupportSeverity.P1:
            _notify(ticket, SupportNotice.Kind.MAJOR_FAULT, _handler_ids(), now)
        _audit(actor, "ops.support.report", ticket, after={"kind": kind, "severity": severity})
    return ticket


def support_ticket_comment(
    *, actor: Actor, ticket_id: int, text: str, internal: bool = False, now: datetime | None = None
) -> SupportTicketEvent:
    """A reply (seen by the reporter) or, for technical operations, an internal note. A reply of technical
    operations is the first response when none came before, and acknowledges a new ticket."""
    if not text.strip():
        raise validation_error([FieldError(("body", "text"), "must not be empty")])
    now = now or timezone.now()
    with audited():
        ticket = _locked(actor, ticket_id)
        handler = is_handler(actor)
        if internal and not handler:
            raise permission_denied(HANDLE_PERMISSION)
        if ticket.status == SupportStatus.CLOSED:
            raise DomainError(
                detail="The ticket is closed.",
                code=OpsCode.SUPPORT_TICKET_CLOSED,
                status=409,
                title="Conflict",
            )
        kind = SupportEventKind.NOTE if internal else SupportEventKind.COMMENT
        event = _event(ticket, kind, actor, now, text=text, is_internal=internal)
        if handler and not internal:
            fields = _responded(ticket, now)
            if ticket.status == SupportStatus.NEW:
                ticket.status = SupportStatus.ACKNOWLEDGED
                fields.append("status")
                _event(ticket, SupportEventKind.STATUS, actor, now, before="new", after="acknowledged")
            if fields:
                ticket.save(update_fields=fields)
        _audit(actor, "ops.support.note" if internal else "ops.support.reply", ticket)
    return event


def support_ticket_assign(
    *, actor: Actor, ticket_id: int, assignee_id: int, now: datetime | None = None
) -> SupportTicket:
    """Give the ticket to a technical-operations member (422 for anyone else); they get a notice."""
    _require_handler(actor)
    if not staff_with_permission(HANDLE_PERMISSION).filter(pk=assignee_id).exists():
        raise validation_error(
            [FieldError(("body", "assignee_id"), "no active technical-operations member with this id")]
        )
    now = now or timezone.now()
    with audited():
        ticket = _locked(actor, ticket_id)
        before = ticket.assignee.username if ticket.assignee is not None else ""
        ticket.assignee_id = assignee_id
        ticket.save(update_fields=["assignee"])
        ticket.refresh_from_db(fields=["assignee"])
        assert ticket.assignee is not None
        _event(ticket, SupportEventKind.ASSIGNED, actor, now, before=before, after=ticket.assignee.username)
        _notify(ticket, SupportNotice.Kind.ASSIGNED, [assignee_id], now)
        _audit(actor, "ops.support.assign", ticket, after={"assignee_id": assignee_id})
    return ticket


def support_ticket_transition(
    *, actor: Actor, ticket_id: int, status: str, resolution: str = "", now: datetime | None = None
) -> SupportTicket:
    """Move the ticket by ``TRANSITIONS`` (409 ``support_bad_transition`` off the table). Technical
    operations make every move; the reporter's side only closes or reopens a resolved ticket (403
    otherwise). Resolving needs the resolution text (422)."""
    now = now or timezone.now()
    with audited():
        ticket = _locked(actor, ticket_id)
        before = ticket.status
        if status not in TRANSITIONS.get(before, frozenset()):
            raise DomainError(
                detail=f"A support ticket cannot move from {before} to {status}.",
                code=OpsCode.SUPPORT_BAD_TRANSITION,
                status=409,
                title="Conflict",
            )
        handler = is_handler(actor)
        if not handler and (before, status) not in REPORTER_MOVES:
            raise permission_denied(HANDLE_PERMISSION)
        fields = ["status"]
        if status == SupportStatus.RESOLVED:
            if not resolution.strip():
                raise validation_error([FieldError(("body", "resolution"), "say what was done")])
            ticket.resolution = resolution.strip()
            ticket.resolved_at = now
            ticket.resolution_due_at = None
            fields += ["resolution", "resolved_at", "resolution_due_at"]
        elif status == SupportStatus.CLOSED:
            ticket.closed_at = now
            fields.append("closed_at")
        elif before == SupportStatus.RESOLVED:  # reopened: the resolution clock runs on to its target
            ticket.resolved_at = None
            ticket.resolution_due_at = ticket.resolution_deadline_at
            fields += ["resolved_at", "resolution_due_at"]
        if handler and status != SupportStatus.CLOSED:
            fields += _responded(ticket, now)
        ticket.status = status
        ticket.save(update_fields=fields)
        _event(ticket, SupportEventKind.STATUS, actor, now, before=before, after=status, text=resolution)
        _audit(actor, "ops.support.transition", ticket, before={"status": before}, after={"status": status})
    return ticket


def support_ticket_set_severity(
    *, actor: Actor, ticket_id: int, severity: str, now: datetime | None = None
) -> SupportTicket:
    """Triage: a new severity recomputes both targets from the time of reporting; a clock already
    stopped stays stopped. Raising to P1 (faults only) tells technical operations."""
    _require_handler(actor)
    error = _check_choice("severity", severity, SupportSeverity.values)
    if error is not None:
        raise validation_error([error])
    now = now or timezone.now()
    with audited():
        ticket = _locked(actor, ticket_id)
        if severity == SupportSeverity.P1 and ticket.kind != SupportKind.FAULT:
            raise validation_error([FieldError(("body", "severity"), "P1 is for faults only")])
        before = ticket.severity
        targets = deadlines(calendar_data(), severity=severity, reported_at=ticket.created_at)
        ticket.severity = severity
        ticket.response_deadline_at = targets.response_at
        ticket.resolution_deadline_at = targets.resolution_at
        if ticket.responded_at is None:
            ticket.response_due_at = targets.response_at
        if ticket.resolved_at is None and ticket.status != SupportStatus.CLOSED:
            ticket.resolution_due_at = targets.resolution_at
        ticket.save()
        _event(ticket, SupportEventKind.SEVERITY, actor, now, before=before, after=severity)
        if severity == SupportSeverity.P1 and before != SupportSeverity.P1:
            _notify(ticket, SupportNotice.Kind.MAJOR_FAULT, _handler_ids(), now)
        _audit(
            actor, "ops.support.severity", ticket, before={"severity": before}, after={"severity": severity}
        )
    return ticket


def support_ticket_escalate(*, actor: Actor, ticket_id: int, now: datetime | None = None) -> SupportTicket:
    """Open an operations incident (system failure, severity 一般 until triaged on the incident, as the
    monitors do; detected when the ticket was reported) for a P1 or P2 fault and link it. 409
    ``support_not_escalatable`` for other tickets, ``support_already_linked`` when one is linked."""
    _require_handler(actor)
    now = now or timezone.now()
    with audited():
        ticket = _locked(actor, ticket_id)
        _check_linkable(ticket)
        if ticket.kind != SupportKind.FAULT or ticket.severity not in ESCALATABLE:
            raise DomainError(
                detail="Only a P1 or P2 fault becomes an incident.",
                code=OpsCode.SUPPORT_NOT_ESCALATABLE,
                status=409,
                title="Conflict",
            )
        incident = incidents.incident_open(
            actor=actor,
            kind=IncidentKind.SYSTEM_FAILURE,
            severity=IncidentSeverity.SEV4,
            title=ticket.title[:200],
            summary=f"{ticket.number}: {ticket.description}".strip(),
            detected_at=ticket.created_at,
            now=now,
        )
        incidents.incident_note(
            actor=actor, incident_id=incident.pk, text=f"support ticket {ticket.number}", now=now
        )
        ticket.incident = incident
        ticket.save(update_fields=["incident"])
        _event(ticket, SupportEventKind.ESCALATED, actor, now, after=f"#{incident.pk}")
        _audit(actor, "ops.support.escalate", ticket, after={"incident_id": incident.pk})
    return ticket


def _check_linkable(ticket: SupportTicket) -> None:
    if ticket.incident_id is not None:
        raise DomainError(
            detail=f"The ticket is already linked to incident #{ticket.incident_id}.",
            code=OpsCode.SUPPORT_ALREADY_LINKED,
            status=409,
            title="Conflict",
        )


def support_ticket_link(
    *, actor: Actor, ticket_id: int, incident_id: int, now: datetime | None = None
) -> SupportTicket:
    """Link the ticket to an existing incident (many reports of one outage); 404 for an unknown incident."""
    _require_handler(actor)
    now = now or timezone.now()
    incident = incidents.incident_get(actor=actor, incident_id=incident_id)
    with audited():
        ticket = _locked(actor, ticket_id)
        _check_linkable(ticket)
        ticket.incident = incident
        ticket.save(update_fields=["incident"])
        _event(ticket, SupportEventKind.ESCALATED, actor, now, after=f"#{incident.pk}")
        _audit(actor, "ops.support.link", ticket, after={"incident_id": incident.pk})
    return ticket


def support_target_missed(ticket: SupportTicket, now: datetime, *, target: str) -> None:
    """The sweep's step for a ticket past a target (``response`` or ``resolution``): a timeline line and
    a notice to the assignee (every technical-operations member when nobody is assigned), once; then the
    timer is cleared. Runs under the sweep's row lock."""
    timer = f"{target}_due_at"
    recipients = [ticket.assignee_id] if ticket.assignee_id else _handler_ids()
    kind = (
        SupportNotice.Kind.RESPONSE_MISSED if target == "response" else SupportNotice.Kind.RESOLUTION_MISSED
    )
    _notify(ticket, kind, recipients, now)
    _event(ticket, SupportEventKind.TARGET_MISSED, SYSTEM, now, after=target, is_internal=True)
    setattr(ticket, timer, None)
    ticket.save(update_fields=[timer])
    audit_record(
        actor=SYSTEM,
        action=f"ops.support.{target}_missed",
        obj=ticket,
        merchant_id=ticket.merchant_id,
        after={"notified": len(recipients)},
    )
