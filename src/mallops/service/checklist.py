"""Procedures executed as recorded workflows (R5.1.5, R8.4.1): a ticket's checklist.

When a ticket of a category with a procedure in force is opened, it gets a copy of the published
version's steps (``TicketStep``). The agent ticks steps (timeline + audit); a ticket cannot be resolved
while a required step is open (409 ``procedure_steps_open``); when the procedure says so, only agents
who passed its assessment (or supervisors) may resolve (403 ``training_required``, R8.2.1). A later version does not change the
checklist of tickets already opened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.selectors import user_permissions
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.service import procedures, timeline
from mallops.service import services as ticket_services
from mallops.service.errors import ServiceCode
from mallops.service.models import Ticket, TicketStep, TrainingRecord


def attach(ticket: Ticket, *, at: datetime) -> None:
    """Give a new ticket the checklist of its category's procedure in force (nothing when none is)."""
    version = procedures.version_for_category(ticket.category)
    if version is None:
        return
    ticket.procedure_version = version
    ticket.save(update_fields=["procedure_version"])
    TicketStep.objects.bulk_create([TicketStep(ticket=ticket, step=step) for step in version.steps.all()])
    timeline.record(
        ticket,
        at,
        None,
        "procedure_attached",
        f"{version.procedure.name} v{version.number}",
        internal=True,
        procedure=version.procedure.code,
        version=version.number,
    )


def note_untrained_assignee(ticket: Ticket, agent: Any, *, at: datetime, actor: Actor) -> None:
    """A manual assignment may pick anyone; when the agent is not trained on the procedure's current
    version the timeline says so (the supervisor decided, on record)."""
    version = ticket.procedure_version
    current = None if version is None else procedures.current_version(version.procedure)
    if current is None or agent is None:
        return
    if not TrainingRecord.objects.filter(user_id=agent.pk, version=current, passed=True).exists():
        timeline.record(
            ticket,
            at,
            actor,
            "assigned_untrained",
            f"{agent.username} is not trained on {current.procedure.name} v{current.number}",
            internal=True,
            assignee=agent.pk,
        )


def steps_of(ticket: Ticket) -> list[TicketStep]:
    return list(
        TicketStep.objects.filter(ticket_id=ticket.pk)
        .select_related("step", "done_by")
        .order_by("step__position")
    )


def steps_of_id(ticket_id: int) -> list[TicketStep]:
    return list(TicketStep.objects.filter(ticket_id=ticket_id).order_by("step__position"))


def open_required(ticket: Ticket) -> list[TicketStep]:
    return [s for s in steps_of(ticket) if s.step.is_required and s.done_at is None]


def require_resolvable(ticket: Ticket, actor: Actor) -> None:
    """Refuse to resolve while required steps are open, or when the procedure makes resolving a
    sensitive action and ``actor`` has not passed its assessment (the caller holds the row lock)."""
    version = ticket.procedure_version
    if version is not None and version.procedure.resolve_requires_training:
        procedure = version.procedure
        current = procedures.current_version(procedure)
        if (
            "ticket.supervise" not in user_permissions(actor)
            and not TrainingRecord.objects.filter(
                user_id=actor.user_id or 0,
                passed=True,
                version__in=[v for v in (version, current) if v is not None],
            ).exists()
        ):
            raise DomainError(
                detail=f"Resolving a {procedure.name} ticket requires a passed assessment on it.",
                code=ServiceCode.TRAINING_REQUIRED,
                status=403,
                title="Forbidden",
                extra={"procedure": procedure.code},
            )
    missing = open_required(ticket)
    if missing:
        raise conflict(
            "Required procedure steps are still open: " + "; ".join(s.step.title for s in missing),
            code=ServiceCode.PROCEDURE_STEPS_OPEN,
            open_steps=[{"id": s.pk, "position": s.step.position, "title": s.step.title} for s in missing],
        )


@transaction.atomic
def ticket_step_set(
    *,
    actor: Actor,
    ticket_id: int,
    step_id: int,
    done: bool = True,
    note: str = "",
    now: datetime | None = None,
) -> TicketStep:
    """Tick (``done``) or untick one checklist step of an open ticket. Same state again changes nothing.

    ``step_id`` is the ticket step's id (``checklist[].id`` in the API). Locks the ticket row."""
    ticket_services._handler_only(actor)
    ticket = ticket_services._locked(actor, ticket_id)
    ticket_services._require_open(ticket)
    row = TicketStep.objects.select_related("step").filter(pk=step_id, ticket_id=ticket.pk).first()
    if row is None:
        raise not_found("checklist step")
    note = (note or "").strip()
    if len(note) > 500:
        raise validation_error([FieldError(("body", "note"), "at most 500 characters", "too_long")])
    if (row.done_at is not None) == done:
        return row
    at = now or timezone.now()
    row.done_at = at if done else None
    row.done_by_id = actor.user_id if done else None
    row.note = note if done else ""
    row.save(update_fields=["done_at", "done_by", "note"])
    kind = "step_done" if done else "step_reopened"
    timeline.record(
        ticket, at, actor, kind, row.step.title + (f" — {note}" if note else ""), internal=True, step=row.pk
    )
    audit_record(
        actor=actor,
        action=f"service.ticket_{kind}",
        obj=ticket,
        before={"step": row.step.title, "done": not done},
        after={"step": row.step.title, "done": done, "note": note},
    )
    return row
