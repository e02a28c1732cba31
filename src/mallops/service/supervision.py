"""Supervisor writes: SLA policy edits and frequent-problem detection (R5.3.1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.service import assist, escalation
from mallops.service.errors import ServiceCode
from mallops.service.models import (
    Category,
    Channel,
    Priority,
    ProblemGroup,
    ServiceTask,
    SlaPolicy,
    Target,
    Ticket,
)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


POLICY_FIELDS = (
    "label",
    "minutes",
    "working_days",
    "window",
    "warning_lead_minutes",
    "basis",
    "is_active",
    "notify_customer",
)


@transaction.atomic
def sla_policy_update(
    *, actor: Actor, code: str, changes: dict[str, Any], now: datetime | None = None
) -> SlaPolicy:
    """Edit a policy (ticket.supervise); applies to clocks started afterwards and to pending ones on refresh.
    The change takes effect at once: ``effective_from`` records the instant (shown and audited)."""
    require_permission(actor, "ticket.supervise")
    policy = SlaPolicy.objects.select_for_update().filter(code=code).first()
    if policy is None:
        raise not_found("SLA policy")
    before = {f: getattr(policy, f) for f in POLICY_FIELDS}
    for name, value in changes.items():
        if name not in POLICY_FIELDS:
            raise validation_error([FieldError(("body", name), "cannot be changed", "read_only")])
        setattr(policy, name, value)
    try:
        policy.engine_policy()
    except ValueError as error:
        raise validation_error([FieldError(("body",), str(error), "invalid_policy")]) from None
    policy.effective_from = _now(now)
    policy.save()
    audit_record(
        actor=actor,
        action="service.sla_policy_updated",
        obj=policy,
        before=before,
        after={
            **{f: getattr(policy, f) for f in POLICY_FIELDS},
            "effective_from": policy.effective_from.isoformat(),
        },
    )
    return policy


_CREATE_CHOICES = {
    "target": Target.values,
    "category": ["", *Category.values],
    "priority": ["", *Priority.values],
    "channel": ["", *Channel.values],
}


@transaction.atomic
def sla_policy_create(
    *,
    actor: Actor,
    label: str,
    target: str,
    basis: str,
    category: str = "",
    priority: str = "",
    channel: str = "",
    minutes: int = 0,
    working_days: int = 0,
    window: str = "09:00-18:00",
    warning_lead_minutes: int | None = None,
    notify_customer: bool = False,
    now: datetime | None = None,
) -> SlaPolicy:
    """A new target for tickets of one category, priority and/or channel (ticket.supervise). It applies
    to clocks started from now on; the most specific active policy wins (``sla.pick_policy``)."""
    require_permission(actor, "ticket.supervise")
    at = _now(now)
    values = {"target": target, "category": category, "priority": priority, "channel": channel}
    errors = [
        FieldError(
            ("body", name),
            f"one of {', '.join(v or '(any)' for v in _CREATE_CHOICES[name])}",
            "invalid_choice",
        )
        for name, value in values.items()
        if value not in _CREATE_CHOICES[name]
    ]
    label = (label or "").strip()
    if not label or len(label) > 100:
        errors.append(FieldError(("body", "label"), "1 to 100 characters", "invalid_length"))
    if errors:
        raise validation_error(errors)
    same = SlaPolicy.objects.filter(is_active=True, special=False, **values)
    if same.exists():
        raise conflict(
            "An active policy already sets this target; edit it instead.",
            code=ServiceCode.POLICY_EXISTS,
            policy=same.first().code,  # type: ignore[union-attr]
        )
    policy = SlaPolicy(
        code=_policy_code(values),
        label=label,
        basis=basis,
        minutes=minutes,
        working_days=working_days,
        window=window,
        warning_lead_minutes=warning_lead_minutes,
        notify_customer=notify_customer,
        effective_from=at,
        **values,
    )
    try:
        policy.engine_policy()
    except ValueError as error:
        raise validation_error([FieldError(("body",), str(error), "invalid_policy")]) from None
    policy.save()
    audit_record(
        actor=actor,
        action="service.sla_policy_created",
        obj=policy,
        after={
            **values,
            **{f: getattr(policy, f) for f in POLICY_FIELDS},
            "effective_from": at.isoformat(),
        },
    )
    return policy


def _policy_code(values: dict[str, str]) -> str:
    base = "-".join(
        v for v in (values["target"], values["category"], values["priority"], values["channel"]) if v
    )
    code, n = base[:36], 1
    while SlaPolicy.objects.filter(code=code).exists():
        n += 1
        code = f"{base[:36]}-{n}"
    return code


@transaction.atomic
def problems_detect(
    *,
    actor: Actor,
    days: int = 30,
    top: int = 5,
    threshold: float = 0.45,
    min_size: int = 3,
    now: datetime | None = None,
) -> list[ServiceTask]:
    """Group similar recent tickets; the top groups become improvement tasks (once per group, R5.3.1)."""
    require_permission(actor, "ticket.supervise")
    at = _now(now)
    recent = list(
        Ticket.objects.for_platform(actor, "ticket.handle")
        .filter(created_at__gte=at - timedelta(days=days))
        .order_by("pk")
    )
    tasks = []
    for group in assist.find_groups(recent, threshold=threshold, min_size=min_size)[:top]:
        if ServiceTask.objects.filter(
            kind=ServiceTask.Kind.IMPROVEMENT, problem_group__signature=group.signature, is_done=False
        ).exists():
            continue
        problem = ProblemGroup.objects.create(
            label=group.label[:200], signature=group.signature, size=len(group.ticket_ids)
        )
        Ticket.objects.unscoped(reason="problem grouping").filter(pk__in=group.ticket_ids).update(
            problem_group=problem
        )
        tasks.append(
            ServiceTask.objects.create(
                kind=ServiceTask.Kind.IMPROVEMENT,
                problem_group=problem,
                title=f"Frequent problem ({len(group.ticket_ids)} tickets, {group.category}): {group.label}"[
                    :200
                ],
                detail=", ".join(str(i) for i in group.ticket_ids),
                assignee=escalation.pick_supervisor(),
                created_at=at,
            )
        )
        audit_record(
            actor=actor,
            action="service.improvement_opened",
            obj=tasks[-1],
            after={"tickets": group.ticket_ids},
        )
    return tasks
