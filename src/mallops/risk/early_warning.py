"""Early warning (R7.2.3): threshold rules on metrics raise alerts to their owner; an alert not
acknowledged by its ``escalate_due_at`` is escalated.

Timers are data: ``WarningRule.check_due_at`` (the next check) and ``RiskAlert.escalate_due_at`` are acted
on by two sweeps (``risk.warning_check``, ``risk.alert_escalate``, see :mod:`mallops.risk.sweeps`), so a
worker that was down catches up on its next run. A rule raises at most one open alert at a time (a
partial unique constraint); while it is open a breach only updates the rule's last value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from mallops.accounts.selectors import user_role_codes
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.risk.errors import RiskCode
from mallops.risk.metrics import measure
from mallops.risk.models import AlertStatus, RiskAlert, WarningRule
from mallops.risk.services import MANAGE_PERMISSION, VIEW_PERMISSION


def warning_check_due(rule: WarningRule, now: datetime) -> RiskAlert | None:
    """Sweep handler (the rule row is locked): measure the metric, raise an alert on a breach
    (``value >= threshold``) unless one is open, and move ``check_due_at`` on by ``every_minutes``."""
    value = measure(rule.metric, now, rule.window_minutes)
    rule.last_value = value
    rule.last_checked_at = now
    rule.check_due_at = now + timedelta(minutes=rule.every_minutes)
    rule.save(update_fields=["last_value", "last_checked_at", "check_due_at"])
    if value < rule.threshold or RiskAlert.objects.filter(rule=rule, status=AlertStatus.OPEN).exists():
        return None
    alert = RiskAlert.objects.create(
        rule=rule,
        metric=rule.metric,
        value=value,
        threshold=rule.threshold,
        raised_at=now,
        owner_role=rule.owner_role,
        owner_id=rule.owner_id,
        escalate_due_at=now + timedelta(minutes=rule.escalate_after_minutes),
        escalation_role=rule.escalation_role,
    )
    audit_record(
        actor=None,
        action="risk.alert_raise",
        obj=alert,
        after={"rule": rule.name, "metric": rule.metric, "value": value, "threshold": rule.threshold},
    )
    return alert


def alert_escalate_due(alert: RiskAlert, now: datetime) -> None:
    """Sweep handler (the alert row is locked): an open alert past ``escalate_due_at`` goes to the
    escalation role too (it then shows in their alert list and menu badge)."""
    alert.escalate_due_at = None
    if alert.status == AlertStatus.OPEN:
        alert.escalated_at = now
    alert.save(update_fields=["escalate_due_at", "escalated_at"])
    if alert.escalated_at == now:
        audit_record(
            actor=None,
            action="risk.alert_escalate",
            obj=alert,
            after={"metric": alert.metric, "escalation_role": alert.escalation_role},
        )


def _audience(actor: Actor) -> Q:
    """The alerts addressed to ``actor``: owned by them or their role, or escalated to their role."""
    roles = list(user_role_codes(actor))
    return (
        Q(owner_id=actor.pk)
        | Q(owner__isnull=True, owner_role__in=roles)
        | Q(escalated_at__isnull=False, escalation_role__in=roles)
    )


def alert_list(actor: Actor, *, mine: bool = False) -> QuerySet[RiskAlert]:
    """Alerts, open first then newest (``risk.view``: all; ``mine``: only those addressed to the actor)."""
    require_permission(actor, VIEW_PERMISSION)
    qs = RiskAlert.objects.select_related("rule", "acknowledged_by", "owner")
    if mine:
        qs = qs.filter(_audience(actor))
    return qs.order_by("-status", "-raised_at", "-pk")


def open_alert_count(actor: Actor) -> int:
    """Menu badge: open alerts addressed to the actor (the menu builds it from the signed-in user)."""
    if not actor.has_perm(VIEW_PERMISSION):
        return 0
    return int(RiskAlert.objects.filter(_audience(actor), status=AlertStatus.OPEN).count())


@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert_id: int, note: str = "") -> RiskAlert:
    """The owner (the user, or anyone holding the owner role or, once escalated, the escalation role;
    ``risk.manage`` always) takes the alert: it leaves the escalation timer. Locks the alert; 409
    ``risk_alert_closed`` unless open; 403 for anyone else; audited ``risk.alert_acknowledge``."""
    require_permission(actor, VIEW_PERMISSION)
    note = (note or "").strip()
    if len(note) > 1000:
        raise validation_error([FieldError(("body", "note"), "at most 1000 characters", "too_long")])
    alert = RiskAlert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise not_found("alert")
    if not (
        actor.has_perm(MANAGE_PERMISSION) or RiskAlert.objects.filter(_audience(actor), pk=alert.pk).exists()
    ):
        raise DomainError(
            detail="Only the alert's owner can acknowledge it.", code=RiskCode.NOT_ALERT_OWNER, status=403
        )
    if alert.status != AlertStatus.OPEN:
        raise conflict("The alert is already acknowledged.", code=RiskCode.RISK_ALERT_CLOSED)
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by_id = actor.user_id
    alert.acknowledged_at = timezone.now()
    alert.escalate_due_at = None
    alert.note = note
    alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "escalate_due_at", "note"])
    audit_record(
        actor=actor,
        action="risk.alert_acknowledge",
        obj=alert,
        before={"status": AlertStatus.OPEN.value},
        after={"status": alert.status, "note": note},
    )
    return alert


def rule_list(actor: Actor) -> QuerySet[WarningRule]:
    require_permission(actor, VIEW_PERMISSION)
    return WarningRule.objects.select_related("owner").order_by("metric", "pk")


@transaction.atomic
def rule_update(
    *,
    actor: Actor,
    rule_id: int,
    threshold: int,
    window_minutes: int,
    is_active: bool,
    escalate_after_minutes: int,
) -> WarningRule:
    """Change a rule's threshold, window, escalation delay or switch it on/off (``risk.manage``; audited).
    A rule switched on is checked at the next sweep."""
    require_permission(actor, MANAGE_PERMISSION)
    errors = []
    if threshold < 0:
        errors.append(FieldError(("body", "threshold"), "at least 0", "out_of_range"))
    if not 1 <= window_minutes <= 60 * 24 * 31:
        errors.append(FieldError(("body", "window_minutes"), "1 minute to 31 days", "out_of_range"))
    if not 1 <= escalate_after_minutes <= 60 * 24 * 7:
        errors.append(FieldError(("body", "escalate_after_minutes"), "1 minute to 7 days", "out_of_range"))
    if errors:
        raise validation_error(errors)
    rule = WarningRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise not_found("warning rule")
    before = {
        "threshold": rule.threshold,
        "window_minutes": rule.window_minutes,
        "is_active": rule.is_active,
        "escalate_after_minutes": rule.escalate_after_minutes,
    }
    rule.threshold = threshold
    rule.window_minutes = window_minutes
    rule.escalate_after_minutes = escalate_after_minutes
    if is_active and not rule.is_active:
        rule.check_due_at = timezone.now()
    if not is_active:
        rule.check_due_at = None
    rule.is_active = is_active
    rule.save()
    audit_record(
        actor=actor,
        action="risk.warning_rule_update",
        obj=rule,
        before=before,
        after={
            "threshold": threshold,
            "window_minutes": window_minutes,
            "is_active": is_active,
            "escalate_after_minutes": escalate_after_minutes,
        },
    )
    return rule
