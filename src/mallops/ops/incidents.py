"""Incident writes and reads (R7.4.1): open, note, assign, move through the states, record notifications.

Every write is one transaction that locks the incident row, appends to its timeline and writes an audit
event. The states move by the table below only; closing asks for a post-mortem on sev1-sev3 incidents and
for the regulator's notification when a deadline applies.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any, overload

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import SYSTEM, Actor
from mallops.core.errors import DomainError, FieldError, not_found, validation_error
from mallops.ops.errors import OpsCode
from mallops.ops.incident_rules import regulator_deadline
from mallops.ops.models import (
    ActionItem,
    Incident,
    IncidentDrill,
    IncidentEvent,
    IncidentEventKind,
    IncidentKind,
    IncidentSeverity,
    IncidentStatus,
)

# technical operations (and the platform admin): the people on call run the incident from detection to close
MANAGE_PERMISSION = "system.operate"
ENV_CII_OPERATOR = "MALLOPS_CII_OPERATOR"

TRANSITIONS: dict[str, frozenset[str]] = {
    IncidentStatus.OPEN: frozenset({IncidentStatus.MITIGATED, IncidentStatus.RESOLVED}),
    IncidentStatus.MITIGATED: frozenset({IncidentStatus.RESOLVED, IncidentStatus.OPEN}),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.CLOSED, IncidentStatus.OPEN}),
    IncidentStatus.CLOSED: frozenset(),
}


def _username(actor: Actor) -> str:
    return actor.username or "system"


def _event(
    incident: Incident,
    kind: str,
    text: str,
    actor: Actor,
    at: datetime,
    *,
    action: str | None = None,
    **change: Any,
) -> IncidentEvent:
    """One timeline line and, for a person's step, its audit event (``action``; ``change``: before/after)."""
    event = IncidentEvent.objects.create(
        incident=incident, at=at, kind=kind, text=text, actor_username=_username(actor)
    )
    if action is not None:
        audit_record(actor=actor, action=action, obj=incident, **change)
    return event


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is read in the configured zone (Asia/Shanghai), as the console shows it."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_current_timezone())
    return value


def _locked(incident_id: int) -> Incident:
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise not_found("incident")
    return incident


def _owner(owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.filter(pk=owner_id, is_active=True, kind="staff").first()
    if owner is None:
        raise validation_error([FieldError(("body", "owner_id"), "no active staff member with this id")])
    return owner


def incident_open(
    *,
    actor: Actor,
    kind: str,
    severity: str,
    title: str,
    summary: str = "",
    detected_at: datetime | None = None,
    involves_personal_data: bool = False,
    affected_people: int = 0,
    owner_id: int | None = None,
    now: datetime | None = None,
) -> Incident:
    """Record a new incident and start the regulator's clock where a rule applies."""
    require_permission(actor, MANAGE_PERMISSION)
    return _incident_create(
        actor=actor,
        kind=kind,
        severity=severity,
        title=title,
        summary=summary,
        detected_at=detected_at,
        involves_personal_data=involves_personal_data,
        affected_people=affected_people,
        owner_id=owner_id,
        now=now,
    )


def incident_open_by_monitor(
    *, source_key: str, kind: str, severity: str, title: str, summary: str, now: datetime | None = None
) -> Incident | None:
    """The alert path (``ops.monitors``): open an incident for ``source_key`` unless one is still open
    (not closed) for it; returns the new incident or None. The actor is the system."""
    if Incident.objects.filter(source_key=source_key).exclude(status=IncidentStatus.CLOSED).exists():
        return None
    return _incident_create(
        actor=SYSTEM,
        kind=kind,
        severity=severity,
        title=title,
        summary=summary,
        source_key=source_key,
        now=now,
    )


def _incident_create(
    *,
    actor: Actor,
    kind: str,
    severity: str,
    title: str,
    summary: str = "",
    detected_at: datetime | None = None,
    involves_personal_data: bool = False,
    affected_people: int = 0,
    owner_id: int | None = None,
    source_key: str = "",
    now: datetime | None = None,
) -> Incident:
    now = now or timezone.now()
    errors = []
    if kind not in IncidentKind.values:
        errors.append(FieldError(("body", "kind"), f"use one of {', '.join(IncidentKind.values)}"))
    if severity not in IncidentSeverity.values:
        errors.append(FieldError(("body", "severity"), f"use one of {', '.join(IncidentSeverity.values)}"))
    detected = _aware(detected_at) or now
    if detected > now:
        errors.append(FieldError(("body", "detected_at"), "must not be in the future"))
    if errors:
        raise validation_error(errors)
    owner = _owner(owner_id)
    deadline, rule = regulator_deadline(
        kind=kind,
        severity=severity,
        involves_personal_data=involves_personal_data or kind == IncidentKind.DATA_LEAK,
        detected_at=detected,
        cii_operator=os.environ.get(ENV_CII_OPERATOR, "").lower() in {"1", "true", "yes"},
    )
    with transaction.atomic():
        incident = Incident.objects.create(
            kind=kind,
            severity=severity,
            title=title,
            summary=summary,
            owner=owner,
            involves_personal_data=involves_personal_data,
            affected_people=affected_people,
            detected_at=detected,
            regulator_deadline_at=deadline,
            regulator_rule=rule,
            regulator_due_at=deadline,
            source_key=source_key,
        )
        _event(
            incident,
            IncidentEventKind.OPENED,
            f"{severity} {kind}"
            + (f"; notify the regulator by {deadline:%Y-%m-%d %H:%M %Z} ({rule})" if deadline else "")
            + (f"; opened by monitor {source_key}" if source_key else ""),
            actor,
            now,
            action="ops.incident.open",
            after={"severity": severity, "kind": kind},
        )
    return incident


def incident_note(*, actor: Actor, incident_id: int, text: str, now: datetime | None = None) -> IncidentEvent:
    require_permission(actor, MANAGE_PERMISSION)
    with transaction.atomic():
        incident = _locked(incident_id)
        event = _event(
            incident, IncidentEventKind.NOTE, text, actor, now or timezone.now(), action="ops.incident.note"
        )
    return event


def incident_assign(
    *, actor: Actor, incident_id: int, owner_id: int, now: datetime | None = None
) -> Incident:
    require_permission(actor, MANAGE_PERMISSION)
    owner = _owner(owner_id)
    with transaction.atomic():
        incident = _locked(incident_id)
        incident.owner = owner
        incident.save(update_fields=["owner"])
        _event(
            incident,
            IncidentEventKind.OWNER,
            f"owner: {owner.username}",
            actor,
            now or timezone.now(),
            action="ops.incident.assign",
            after={"owner_id": owner.pk},
        )
    return incident


def incident_set_severity(
    *,
    actor: Actor,
    incident_id: int,
    severity: str,
    involves_personal_data: bool | None = None,
    now: datetime | None = None,
) -> Incident:
    """Triage: change the severity (and whether personal data is involved); the regulator's deadline is
    recomputed from ``detected_at`` unless the regulator was already notified. A deadline already past
    is swept onto the timeline at the next sweep."""
    require_permission(actor, MANAGE_PERMISSION)
    if severity not in IncidentSeverity.values:
        raise validation_error(
            [FieldError(("body", "severity"), f"use one of {', '.join(IncidentSeverity.values)}")]
        )
    now = now or timezone.now()
    with transaction.atomic():
        incident = _locked(incident_id)
        before = incident.severity
        incident.severity = severity
        if involves_personal_data is not None:
            incident.involves_personal_data = involves_personal_data
        if incident.regulator_notified_at is None:
            deadline, rule = regulator_deadline(
                kind=incident.kind,
                severity=severity,
                involves_personal_data=incident.involves_personal_data
                or incident.kind == IncidentKind.DATA_LEAK,
                detected_at=incident.detected_at,
                cii_operator=os.environ.get(ENV_CII_OPERATOR, "").lower() in {"1", "true", "yes"},
            )
            incident.regulator_deadline_at = deadline
            incident.regulator_rule = rule
            incident.regulator_due_at = deadline
        incident.save()
        text = f"severity {before} → {severity}"
        if incident.regulator_deadline_at and incident.regulator_notified_at is None:
            text += f"; notify the regulator by {incident.regulator_deadline_at:%Y-%m-%d %H:%M %Z}"
        _event(
            incident,
            IncidentEventKind.STATUS,
            text,
            actor,
            now,
            action="ops.incident.severity",
            before={"severity": before},
            after={"severity": severity},
        )
    return incident


def incident_transition(
    *, actor: Actor, incident_id: int, status: str, postmortem: str = "", now: datetime | None = None
) -> Incident:
    """Move the incident to ``status`` (409 ``incident_bad_transition`` off the table; 409
    ``incident_not_closable`` when a post-mortem or the regulator's notification is missing)."""
    require_permission(actor, MANAGE_PERMISSION)
    now = now or timezone.now()
    with transaction.atomic():
        incident = _locked(incident_id)
        before = incident.status
        if status not in TRANSITIONS.get(before, frozenset()):
            raise DomainError(
                detail=f"An incident cannot move from {before} to {status}.",
                code=OpsCode.INCIDENT_BAD_TRANSITION,
                status=409,
                title="Conflict",
            )
        if postmortem:
            incident.postmortem = postmortem
        if status == IncidentStatus.CLOSED:
            missing = []
            if incident.severity != IncidentSeverity.SEV4 and not incident.postmortem.strip():
                missing.append("a post-mortem")
            if incident.regulator_deadline_at is not None and incident.regulator_notified_at is None:
                missing.append("the regulator's notification")
            if missing:
                raise DomainError(
                    detail=f"Closing needs {' and '.join(missing)}.",
                    code=OpsCode.INCIDENT_NOT_CLOSABLE,
                    status=409,
                    title="Conflict",
                )
        incident.status = status
        stamp = {
            IncidentStatus.MITIGATED: "mitigated_at",
            IncidentStatus.RESOLVED: "resolved_at",
            IncidentStatus.CLOSED: "closed_at",
        }.get(IncidentStatus(status))
        if stamp:
            setattr(incident, stamp, now)
        incident.save()
        _event(
            incident,
            IncidentEventKind.STATUS,
            f"{before} → {status}",
            actor,
            now,
            action="ops.incident.transition",
            before={"status": before},
            after={"status": status},
        )
    return incident


def incident_notify(
    *, actor: Actor, incident_id: int, audience: str, text: str, now: datetime | None = None
) -> Incident:
    """Record that the regulator (stops its clock) or the affected users were notified, with what was said."""
    require_permission(actor, MANAGE_PERMISSION)
    if audience not in {"regulator", "users"}:
        raise validation_error([FieldError(("body", "audience"), "use regulator or users")])
    now = now or timezone.now()
    with transaction.atomic():
        incident = _locked(incident_id)
        if audience == "regulator":
            incident.regulator_notified_at = incident.regulator_notified_at or now
            incident.regulator_due_at = None
            kind = IncidentEventKind.NOTIFIED_REGULATOR
            late = incident.regulator_deadline_at is not None and now > incident.regulator_deadline_at
            text = text + (" (after the deadline)" if late else "")
        else:
            incident.users_notified_at = incident.users_notified_at or now
            kind = IncidentEventKind.NOTIFIED_USERS
        incident.save(update_fields=["regulator_notified_at", "regulator_due_at", "users_notified_at"])
        _event(incident, kind, text, actor, now, action=f"ops.incident.notify_{audience}")
    return incident


def incident_deadline_missed(incident: Incident, now: datetime) -> None:
    """Sweep handler (row locked by the sweeper): note the missed deadline and stop the timer."""
    incident.regulator_due_at = None
    incident.save(update_fields=["regulator_due_at"])
    _event(
        incident,
        IncidentEventKind.DEADLINE_MISSED,
        f"regulator notification deadline {incident.regulator_deadline_at:%Y-%m-%d %H:%M %Z} passed "
        f"without a notification ({incident.regulator_rule})",
        SYSTEM,
        now,
    )


def action_add(
    *,
    actor: Actor,
    incident_id: int,
    title: str,
    owner_id: int | None = None,
    due_on: date | None = None,
    now: datetime | None = None,
) -> ActionItem:
    """Add a post-mortem action item (also after the incident is closed: actions outlive incidents)."""
    require_permission(actor, MANAGE_PERMISSION)
    owner = _owner(owner_id)
    with transaction.atomic():
        incident = _locked(incident_id)
        item = ActionItem.objects.create(incident=incident, title=title, owner=owner, due_on=due_on)
        _event(
            incident,
            IncidentEventKind.ACTION,
            f"action added: {title}",
            actor,
            now or timezone.now(),
            action="ops.incident.action_add",
            after={"action_id": item.pk},
        )
    return item


def action_done(*, actor: Actor, incident_id: int, action_id: int, now: datetime | None = None) -> ActionItem:
    """Mark an action item done (409 ``action_already_done`` the second time)."""
    require_permission(actor, MANAGE_PERMISSION)
    now = now or timezone.now()
    with transaction.atomic():
        incident = _locked(incident_id)
        item = ActionItem.objects.select_for_update().filter(pk=action_id, incident=incident).first()
        if item is None:
            raise not_found("action item")
        if item.done_at is not None:
            raise DomainError(
                detail="This action item is already done.",
                code=OpsCode.ACTION_ALREADY_DONE,
                status=409,
                title="Conflict",
            )
        item.done_at = now
        item.save(update_fields=["done_at"])
        _event(
            incident,
            IncidentEventKind.ACTION,
            f"action done: {item.title}",
            actor,
            now,
            action="ops.incident.action_done",
            after={"action_id": item.pk},
        )
    return item


def actions_open(*, actor: Actor) -> QuerySet[ActionItem]:
    """Action items not done yet, across incidents, the overdue first."""
    require_permission(actor, MANAGE_PERMISSION)
    return (
        ActionItem.objects.filter(done_at__isnull=True)
        .select_related("incident", "owner")
        .order_by("due_on", "id")
    )


# --- reads -----------------------------------------------------------------------------------------------


def incidents_list(*, actor: Actor, status: str = "") -> QuerySet[Incident]:
    require_permission(actor, MANAGE_PERMISSION)
    qs = Incident.objects.select_related("owner").order_by("-detected_at", "-id")
    if status == "active":
        qs = qs.exclude(status=IncidentStatus.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    return qs


def incident_get(*, actor: Actor, incident_id: int) -> Incident:
    require_permission(actor, MANAGE_PERMISSION)
    incident = Incident.objects.select_related("owner").filter(pk=incident_id).first()
    if incident is None:
        raise not_found("incident")
    return incident


# --- incident drills (R7.4.2) ----------------------------------------------------------------------------


def drill_schedule(
    *,
    actor: Actor,
    title: str,
    scenario: str,
    scheduled_at: datetime,
    owner_id: int | None = None,
) -> IncidentDrill:
    """Plan an incident-response drill (a data-leak tabletop, a failover exercise, ...)."""
    require_permission(actor, MANAGE_PERMISSION)
    if scenario not in IncidentKind.values:
        raise validation_error(
            [FieldError(("body", "scenario"), f"use one of {', '.join(IncidentKind.values)}")]
        )
    owner = _owner(owner_id)
    with transaction.atomic():
        drill = IncidentDrill.objects.create(
            title=title, scenario=scenario, scheduled_at=_aware(scheduled_at), owner=owner
        )
        audit_record(actor=actor, action="ops.incident_drill.schedule", obj=drill)
    return drill


def drill_record(
    *,
    actor: Actor,
    drill_id: int,
    result: str,
    findings: str,
    participants: str = "",
    held_at: datetime | None = None,
    now: datetime | None = None,
) -> IncidentDrill:
    """Record that a planned drill was held, with its findings (409 ``drill_already_recorded``)."""
    require_permission(actor, MANAGE_PERMISSION)
    now = now or timezone.now()
    if result not in {IncidentDrill.Result.PASSED, IncidentDrill.Result.ISSUES_FOUND}:
        raise validation_error([FieldError(("body", "result"), "use passed or issues_found")])
    held = _aware(held_at) or now
    if held > now:
        raise validation_error([FieldError(("body", "held_at"), "must not be in the future")])
    with transaction.atomic():
        drill = IncidentDrill.objects.select_for_update().filter(pk=drill_id).first()
        if drill is None:
            raise not_found("incident drill")
        if drill.result != IncidentDrill.Result.PLANNED:
            raise DomainError(
                detail="This drill is already recorded.",
                code=OpsCode.DRILL_ALREADY_RECORDED,
                status=409,
                title="Conflict",
            )
        drill.result = result
        drill.held_at = held
        drill.findings = findings
        drill.participants = participants
        drill.save()
        audit_record(actor=actor, action="ops.incident_drill.record", obj=drill, after={"result": result})
    return drill


def drills_list(*, actor: Actor) -> QuerySet[IncidentDrill]:
    require_permission(actor, MANAGE_PERMISSION)
    return IncidentDrill.objects.select_related("owner").order_by("-scheduled_at", "-id")
