"""Complaints past their deadline and serious complaints (R5.2.3, R5.2.4).

* When the handling clock (resolution SLA, 72 h for complaints) of an open complaint breaches, the
  breach sweep calls :func:`deadline_passed`: the ticket is marked (``explanation_requested_at``), the
  timeline says so and the assignee (else the supervisor) is asked for the reason and a proposed solution
  in the inbox. From then on the ticket cannot be resolved or closed until both are given
  (:func:`require_explanation`), either with :func:`complaint_explain` or in the resolve call.
* A serious complaint goes to management: the person in the role chosen for its severity
  (``configuration.management_role``, platform admins by default) with the fewest open ones, with a task
  and an inbox notice (:func:`escalate_to_management`, called by ``escalation.escalate``).
* A serious complaint can be recorded as reported to a regulator (name, time, reference) and followed up
  until the regulator closes it (:func:`regulator_report_create`, :func:`regulator_followup`); on each
  next follow-up date the sweep reminds the manager (:func:`regulator_followup_remind`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from mallops.accounts.models import RoleGrant, User
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, validation_error
from mallops.service import configuration, timeline
from mallops.service.errors import ServiceCode
from mallops.service.models import (
    OPEN_STATUSES,
    Category,
    ComplaintSeverity,
    Notification,
    RegulatorFollowUp,
    RegulatorReport,
    ServiceTask,
    Ticket,
    TicketSla,
)
from mallops.workdays.engine import SHANGHAI

_TEXT_MAX = 2000


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _text(value: str, field: str, *, limit: int = _TEXT_MAX, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise validation_error([FieldError(("body", field), "must not be empty", "required")])
    if len(value) > limit:
        raise validation_error([FieldError(("body", field), f"at most {limit} characters", "too_long")])
    return value


def severity_of(ticket: Ticket) -> str:
    """``serious`` when an agent or the intake marked it so, otherwise ``urgent`` (urgent priority)."""
    return ComplaintSeverity.SERIOUS if ticket.is_serious else ComplaintSeverity.URGENT


# --- the deadline -------------------------------------------------------------------------------------


def deadline_passed(ticket: Ticket, row: TicketSla, *, now: datetime) -> bool:
    """Breach sweep hook: an open complaint whose handling deadline passed needs an explanation.

    Marks the ticket once; returns True when it was marked now."""
    if ticket.category != Category.COMPLAINT or ticket.explanation_requested_at is not None:
        return False
    if ticket.status not in OPEN_STATUSES:
        return False
    ticket.explanation_requested_at = now
    ticket.save(update_fields=["explanation_requested_at"])
    timeline.record(ticket, now, None, "explanation_requested", row.policy.label, internal=True)
    recipient = ticket.assignee or ticket.escalated_to
    if recipient is not None:
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=recipient,
                    kind=Notification.Kind.COMPLAINT_EXPLAIN,
                    ticket=ticket,
                    sla=row,
                    title=f"{ticket.number}: reason and proposed solution needed"[:200],
                    body=ticket.subject,
                    due_at=row.due_at,
                    created_at=now,
                )
            ],
            ignore_conflicts=True,
        )
    audit_record(
        actor=None,
        action="service.complaint_explanation_requested",
        obj=ticket,
        after={"explanation_requested_at": now.isoformat()},
    )
    return True


def missing_explanation(ticket: Ticket) -> list[str]:
    """The fields still missing on a complaint past its deadline (empty when none is needed)."""
    if ticket.explanation_requested_at is None:
        return []
    return [
        name
        for name, value in (
            ("unresolved_reason", ticket.unresolved_reason),
            ("proposed_solution", ticket.proposed_solution),
        )
        if not value.strip()
    ]


def require_explanation(ticket: Ticket) -> None:
    """Refuse to resolve or close a complaint past its deadline without reason and proposed solution."""
    missing = missing_explanation(ticket)
    if missing:
        raise DomainError(
            detail="The complaint passed its deadline: give the reason and a proposed solution first.",
            code=ServiceCode.EXPLANATION_REQUIRED,
            status=422,
            title="Validation failed",
            errors=[FieldError(("body", name), "must not be empty", "required") for name in missing],
        )


@transaction.atomic
def complaint_explain(
    *,
    actor: Actor,
    ticket_id: int,
    reason: str,
    proposed_solution: str,
    now: datetime | None = None,
) -> Ticket:
    """Why the complaint is not resolved yet and what is proposed; told to the customer (R5.2.3)."""
    from mallops.service.services import _handled_open

    at = _now(now)
    ticket = _handled_open(actor, ticket_id)
    if ticket.category != Category.COMPLAINT:
        raise conflict(
            "Only a complaint takes a reason and a proposed solution.", code=ServiceCode.NOT_A_COMPLAINT
        )
    before = {"unresolved_reason": ticket.unresolved_reason, "proposed_solution": ticket.proposed_solution}
    ticket.unresolved_reason = _text(reason, "reason")
    ticket.proposed_solution = _text(proposed_solution, "proposed_solution")
    ticket.save(update_fields=["unresolved_reason", "proposed_solution"])
    body = f"{ticket.unresolved_reason}\n{ticket.proposed_solution}"
    timeline.step(
        ticket,
        at,
        actor,
        "explained",
        body,
        "service.complaint_explained",
        before=before,
        after={"unresolved_reason": ticket.unresolved_reason, "proposed_solution": ticket.proposed_solution},
    )
    return ticket


# --- management ---------------------------------------------------------------------------------------


def pick_manager(role: str) -> User | None:
    """The active holder of ``role`` with the fewest open serious complaints."""
    ids = list(RoleGrant.objects.filter(role=role, user__is_active=True).values_list("user_id", flat=True))
    if not ids:
        return None
    counts = dict(
        Ticket.objects.unscoped(reason="management load")
        .filter(management_escalated_to_id__in=ids, status__in=OPEN_STATUSES)
        .values_list("management_escalated_to_id")
        .annotate(n=Count("id"))
    )
    return User.objects.get(pk=min(ids, key=lambda i: (counts.get(i, 0), i)))


def escalate_to_management(ticket: Ticket, *, now: datetime, reason: str, actor: Actor | None) -> User | None:
    """Send a serious complaint to management (once): person, task, inbox notice, timeline.

    The caller saves the ticket's escalation fields and writes the audit event."""
    if ticket.management_escalated_to_id is not None:
        return None
    role = configuration.management_role(severity_of(ticket))
    manager = pick_manager(role)
    ticket.management_escalated_to = manager
    ServiceTask.objects.create(
        kind=ServiceTask.Kind.REGULATOR_FLAG,
        ticket=ticket,
        title=f"{ticket.number}: serious complaint — management review, regulator reporting check",
        detail=reason,
        assignee=manager or ticket.escalated_to,
        created_at=now,
    )
    if manager is not None:
        Notification.objects.create(
            recipient=manager,
            kind=Notification.Kind.MANAGEMENT_ESCALATION,
            ticket=ticket,
            title=f"{ticket.number}: serious complaint escalated to management"[:200],
            body=ticket.subject,
            created_at=now,
        )
    timeline.record(
        ticket,
        now,
        actor,
        "management_escalated",
        reason,
        internal=True,
        role=role,
        to=getattr(manager, "pk", None),
    )
    return manager


# --- regulator reports --------------------------------------------------------------------------------


def _report_state(report: RegulatorReport) -> dict[str, Any]:
    return {
        "regulator": report.regulator,
        "reported_at": report.reported_at.isoformat(),
        "reference": report.reference,
        "state": report.state,
        "next_followup_on": report.next_followup_on.isoformat() if report.next_followup_on else None,
    }


FOLLOWUP_HOUR = time(9, 0)


def _followup_due(day: date | None) -> datetime | None:
    """The reminder instant of a follow-up date: 09:00 Beijing time that day."""
    return None if day is None else datetime.combine(day, FOLLOWUP_HOUR, tzinfo=SHANGHAI)


def regulator_followup_remind(report: RegulatorReport, now: datetime) -> None:
    """Sweep: the follow-up date of an open regulator report has come: the manager who received the
    serious complaint (else who recorded the report) is reminded in the inbox, once per date."""
    ticket = Ticket.objects.unscoped(reason="regulator follow-up sweep").get(pk=report.ticket_id)
    recipient = ticket.management_escalated_to or report.recorded_by
    if recipient is not None:
        Notification.objects.create(
            recipient=recipient,
            kind=Notification.Kind.REGULATOR_FOLLOWUP_DUE,
            ticket=ticket,
            title=f"{ticket.number}: regulator report follow-up due"[:200],
            body=f"{report.regulator} {report.reference}".strip(),
            due_at=report.followup_due_at,
            created_at=now,
        )
    timeline.record(
        ticket, now, None, "regulator_followup_due", report.regulator, internal=True, report=report.pk
    )
    report.followup_due_at = None
    report.save(update_fields=["followup_due_at"])


def _serious_ticket(actor: Actor, ticket_id: int) -> Ticket:
    from mallops.service.services import _handler_only, _locked

    _handler_only(actor)
    ticket = _locked(actor, ticket_id)
    if not ticket.flagged_for_regulators:
        raise conflict(
            "Only a serious complaint (escalated to management) is reported to a regulator.",
            code=ServiceCode.NOT_SERIOUS,
        )
    return ticket


@transaction.atomic
def regulator_report_create(
    *,
    actor: Actor,
    ticket_id: int,
    regulator: str,
    reported_at: datetime,
    reference: str = "",
    next_followup_on: date | None = None,
    now: datetime | None = None,
) -> RegulatorReport:
    """Record that a serious complaint was reported to a regulator (visible on the ticket)."""
    at = _now(now)
    ticket = _serious_ticket(actor, ticket_id)
    regulator = _text(regulator, "regulator", limit=100)
    reference = _text(reference, "reference", limit=60, required=False)
    if reported_at > at:
        raise validation_error([FieldError(("body", "reported_at"), "must not be in the future", "future")])
    report = RegulatorReport.objects.create(
        ticket=ticket,
        regulator=regulator,
        reported_at=reported_at,
        reference=reference,
        next_followup_on=next_followup_on,
        followup_due_at=_followup_due(next_followup_on),
        recorded_by_id=actor.user_id,
        created_at=at,
    )
    if not ticket.flagged_for_regulators:
        ticket.flagged_for_regulators = True
        ticket.save(update_fields=["flagged_for_regulators"])
    timeline.record(
        ticket,
        at,
        actor,
        "regulator_reported",
        f"{regulator} {reference}".strip(),
        internal=True,
        report=report.pk,
    )
    audit_record(
        actor=actor,
        action="service.regulator_reported",
        obj=report,
        after=_report_state(report),
    )
    return report


@transaction.atomic
def regulator_followup(
    *,
    actor: Actor,
    report_id: int,
    note: str,
    next_followup_on: date | None = None,
    closed: bool = False,
    now: datetime | None = None,
) -> RegulatorFollowUp:
    """One follow-up step of a regulator report; ``closed`` when the regulator closed the matter."""
    at = _now(now)
    report = RegulatorReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        from mallops.core.errors import not_found

        raise not_found("regulator report")
    ticket = _serious_ticket(actor, report.ticket_id)
    if report.state == RegulatorReport.State.CLOSED:
        raise conflict("The regulator report is closed.", code=ServiceCode.REPORT_CLOSED)
    before = _report_state(report)
    step = RegulatorFollowUp.objects.create(
        report=report, at=at, note=_text(note, "note"), recorded_by_id=actor.user_id
    )
    report.next_followup_on = None if closed else next_followup_on
    report.followup_due_at = _followup_due(report.next_followup_on)
    if closed:
        report.state = RegulatorReport.State.CLOSED
        report.closed_at = at
    report.save(update_fields=["next_followup_on", "followup_due_at", "state", "closed_at"])
    timeline.record(
        ticket, at, actor, "regulator_followup", step.note, internal=True, report=report.pk, closed=closed
    )
    audit_record(
        actor=actor,
        action="service.regulator_followup",
        obj=report,
        before=before,
        after=_report_state(report),
    )
    return step
