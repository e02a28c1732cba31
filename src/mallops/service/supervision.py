"""Supervisor writes: SLA policy edits and frequent-problem detection (R5.3.1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.service import assist, escalation
from mallops.service.models import ProblemGroup, ServiceTask, SlaPolicy, Ticket


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
    *, actor: Any, code: str, changes: dict[str, Any], request: Any = None, now: datetime | None = None
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
        request=request,
    )
    return policy


@transaction.atomic
def problems_detect(
    *,
    actor: Any,
    days: int = 30,
    top: int = 5,
    threshold: float = 0.45,
    min_size: int = 3,
    request: Any = None,
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
            request=request,
        )
    return tasks
